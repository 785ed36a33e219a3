/**
 * `keyguard scan`: finds vault keys in text by KeyGuard's salted fingerprints (the leak guard's, from
 * lib/guard/fingerprint.ts), so the scanner never holds a key in the clear. Each line is split into
 * tokens; a token of a vault key's length is fingerprinted, and so are tokens that decode — as base64 or
 * hex — to text of a vault key's length. A key split across lines is not found (nor by the leak guard).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createFingerprinter, MIN_GUARDED_LENGTH } from '../../lib/guard/fingerprint';
import { base64ToBytes } from '../../lib/vault/crypto';

export interface ScanPrint {
  id: string;
  fp: string;
  length: number;
  name: string | null;
  host: string;
}

export type Encoding = 'plain' | 'base64' | 'hex';

export interface Hit {
  file: string;
  line: number;
  id: string;
  encoding: Encoding;
}

/** Characters that end a candidate token (the leak guard's set, plus `=` and `:` separators below). */
const TOKEN = /[^\s"'`<>()[\]{},;|]+/g;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A matcher for one set of fingerprints: every vault key in a line, with how it was written. */
export function createLineMatcher(salt: string, prints: readonly ScanPrint[]) {
  if (prints.length === 0 || salt === '') return () => [] as Array<{ id: string; encoding: Encoding }>;
  const fp = createFingerprinter(base64ToBytes(salt));
  const byPrint = new Map(prints.map((p) => [p.fp, p.id]));
  const lengths = new Set(prints.map((p) => p.length));
  const b64Lengths = new Set([...lengths].flatMap((n) => [Math.ceil(n / 3) * 4, Math.ceil((n * 4) / 3)]));
  const check = (s: string) => (lengths.has(s.length) ? byPrint.get(fp(s)) : undefined);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes: Uint8Array) => {
    try {
      return decoder.decode(bytes);
    } catch {
      return null;
    }
  };
  return (line: string): Array<{ id: string; encoding: Encoding }> => {
    const found = new Map<string, Encoding>();
    for (const m of line.matchAll(TOKEN)) {
      const token = m[0];
      if (token.length < MIN_GUARDED_LENGTH) continue;
      // The token itself, without trailing punctuation, and each part after a `name=` / `name:` prefix.
      const variants = new Set([token, token.replace(/[.:!?]+$/, '')]);
      for (const v of [...variants]) for (const part of v.split(/[=:]/)) if (part !== '') variants.add(part);
      for (const v of variants) {
        const plain = check(v);
        if (plain && !found.has(plain)) found.set(plain, 'plain');
        if (HEX.test(v) && lengths.has(v.length / 2)) {
          const text = decode(Uint8Array.from(v.match(/../g) ?? [], (h) => Number.parseInt(h, 16)));
          const id = text === null ? undefined : check(text);
          if (id && !found.has(id)) found.set(id, 'hex');
        }
        const unpadded = v.replace(/=+$/, '');
        if (BASE64.test(v) && (b64Lengths.has(v.length) || b64Lengths.has(unpadded.length))) {
          const text = decode(Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
          const id = text === null ? undefined : check(text);
          if (id && !found.has(id)) found.set(id, 'base64');
        }
      }
    }
    return [...found].map(([id, encoding]) => ({ id, encoding }));
  };
}

export type LineMatcher = ReturnType<typeof createLineMatcher>;

/** Every hit in a text (line numbers from 1). */
export function scanText(file: string, text: string, match: LineMatcher): Hit[] {
  const hits: Hit[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    for (const { id, encoding } of match(line)) hits.push({ file, line: i + 1, id, encoding });
  }
  return hits;
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Files under the given paths (directories walked; .git and node_modules skipped; binaries skipped). */
export function scanPaths(paths: readonly string[], match: LineMatcher, cwd = process.cwd()): Hit[] {
  const hits: Hit[] = [];
  const visit = (path: string) => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIP_DIRS.has(name)) visit(join(path, name));
      return;
    }
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return;
    const bytes = readFileSync(path);
    if (bytes.subarray(0, 8192).includes(0)) return;
    hits.push(...scanText(relative(cwd, path) || path, bytes.toString('utf8'), match));
  };
  for (const p of paths) visit(p);
  return hits;
}

/**
 * The lines a commit would add, from `git diff --cached` (zero context): file and line number in the
 * staged version of each file.
 */
export function parseStagedDiff(diff: string): Array<{ file: string; line: number; text: string }> {
  const out: Array<{ file: string; line: number; text: string }> = [];
  let file: string | null = null;
  let next = 0;
  // Lines of the current hunk still to come (from its @@ header): inside a hunk, "+++ x" is the added
  // line "++ x" and "--- x" the removed line "-- x", never a file header.
  let oldLeft = 0;
  let newLeft = 0;
  for (const row of diff.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      if (row.startsWith('+')) {
        if (file !== null) out.push({ file, line: next, text: row.slice(1) });
        next++;
        newLeft--;
        continue;
      }
      if (row.startsWith('-')) {
        oldLeft--;
        continue;
      }
      if (row.startsWith(' ')) {
        next++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (row.startsWith('\\')) continue; // "\ No newline at end of file"
      oldLeft = 0;
      newLeft = 0;
    }
    if (row.startsWith('+++ ')) {
      const name = row.slice(4);
      file = name === '/dev/null' ? null : name.replace(/^b\//, '');
    } else if (row.startsWith('@@')) {
      const m = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(row);
      next = m ? Number(m[2]) : 0;
      oldLeft = m ? Number(m[1] ?? 1) : 0;
      newLeft = m ? Number(m[3] ?? 1) : 0;
    }
  }
  return out;
}

/** Scans what is staged in the repository at `cwd`. */
export function scanStaged(match: LineMatcher, cwd = process.cwd()): Hit[] {
  const diff = execFileSync('git', ['diff', '--cached', '-U0', '--no-color', '--no-ext-diff', '--text'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const hits: Hit[] = [];
  for (const { file, line, text } of parseStagedDiff(diff)) {
    for (const { id, encoding } of match(text)) hits.push({ file, line, id, encoding });
  }
  return hits;
}

/**
 * Test secrets, and a scanner that proves none of them reached the disk in any common encoding.
 *
 * Nothing here ever prints a secret: results and messages name secrets by index (and an optional label such
 * as "hex"), never by value.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A generated secret with a non-secret label describing its format. */
export interface TestSecret {
  label: string;
  value: string;
}

/**
 * `count` random high-entropy secrets cycling through formats DocBits keys and similar tokens take:
 * hex, base64url, uuid-like and `dbk_`-prefixed. Each is unique per call.
 */
export function randomSecrets(count: number): TestSecret[] {
  const makers: Array<[string, () => string]> = [
    ['hex', () => randomBytes(24).toString('hex')],
    ['base64url', () => randomBytes(30).toString('base64url')],
    ['uuid', () => randomUUID()],
    ['dbk', () => `dbk_${randomBytes(24).toString('base64url')}`],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [label, make] = makers[i % makers.length] as [string, () => string];
    return { label, value: make() };
  });
}

/** The encodings the scanner looks for. */
export type SecretEncoding = 'utf8' | 'utf16le' | 'hexLower' | 'hexUpper' | 'base64' | 'base64url';

/** Hits for one secret. */
export interface SecretScanResult {
  /** Position of the secret in the list passed to {@link scanProfileForSecrets}. */
  index: number;
  /** Total occurrences over all encodings and files. */
  total: number;
  byEncoding: Record<SecretEncoding, number>;
  /** Profile-relative paths of files with at least one hit. */
  files: string[];
}

/** Shortest secret accepted: shorter needles would match random bytes in a profile. */
export const MIN_SECRET_LENGTH = 12;

/**
 * The base64 text of `bytes` as it appears when they start at byte offset `offset` (0, 1 or 2) of a longer
 * buffer, keeping only the characters that depend on `bytes` alone (the edge characters also carry bits of
 * the neighbouring bytes, so they are trimmed).
 */
export function alignedBase64(bytes: Buffer, offset: number): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
  const text = padded.toString('base64');
  const firstBit = offset * 8;
  const endBit = (offset + bytes.length) * 8;
  const first = Math.ceil(firstBit / 6);
  const end = Math.floor(endBit / 6);
  return text.slice(first, end);
}

/** Every byte pattern that betrays `secret`, per encoding. */
export function secretPatterns(secret: string): Record<SecretEncoding, Buffer[]> {
  const utf8 = Buffer.from(secret, 'utf8');
  const hex = utf8.toString('hex');
  const base64 = [...new Set([0, 1, 2].map((offset) => alignedBase64(utf8, offset)))];
  // The url alphabet differs only in + and /; a pattern without them is already counted as base64.
  const base64url = base64
    .map((p) => p.replace(/\+/g, '-').replace(/\//g, '_'))
    .filter((p, i) => p !== base64[i]);
  const bytes = (xs: string[]): Buffer[] => xs.map((x) => Buffer.from(x, 'latin1'));
  return {
    utf8: [utf8],
    utf16le: [Buffer.from(secret, 'utf16le')],
    hexLower: [Buffer.from(hex, 'latin1')],
    // Hex of digits-only text has no letters: then the upper-case pattern is the lower-case one.
    hexUpper: hex.toUpperCase() === hex ? [] : [Buffer.from(hex.toUpperCase(), 'latin1')],
    base64: bytes(base64),
    base64url: bytes(base64url),
  };
}

function countOccurrences(haystack: Buffer, needle: Buffer): number {
  if (needle.length === 0) return 0;
  let count = 0;
  let at = haystack.indexOf(needle);
  while (at !== -1) {
    count++;
    at = haystack.indexOf(needle, at + 1);
  }
  return count;
}

/** Every regular file under `dir` (symlinks such as Chromium's SingletonLock are skipped). */
function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(path);
    }
  };
  walk(dir);
  return files;
}

/**
 * Counts, for each secret, its occurrences in every file of a browser profile directory (IndexedDB,
 * LevelDB, Local Storage, logs, …) as plain UTF-8, UTF-16LE, hex (lower and upper case) and base64
 * (standard and url alphabets, at every byte alignment). Close the browser first so everything is flushed.
 *
 * Returns one result per secret, in order; it never contains or prints a secret.
 */
export function scanProfileForSecrets(userDataDir: string, secrets: readonly string[]): SecretScanResult[] {
  secrets.forEach((s, i) => {
    if (s.length < MIN_SECRET_LENGTH) {
      throw new Error(`scanProfileForSecrets: secret #${i} is shorter than ${MIN_SECRET_LENGTH} characters`);
    }
  });
  const patterns = secrets.map(secretPatterns);
  const results: SecretScanResult[] = secrets.map((_, index) => ({
    index,
    total: 0,
    byEncoding: { utf8: 0, utf16le: 0, hexLower: 0, hexUpper: 0, base64: 0, base64url: 0 },
    files: [],
  }));
  for (const file of listFiles(userDataDir)) {
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch {
      continue; // vanished or unreadable (e.g. a socket); nothing to scan
    }
    patterns.forEach((byEncoding, i) => {
      const result = results[i] as SecretScanResult;
      let inFile = 0;
      for (const [encoding, needles] of Object.entries(byEncoding) as Array<[SecretEncoding, Buffer[]]>) {
        for (const needle of needles) {
          const n = countOccurrences(content, needle);
          result.byEncoding[encoding] += n;
          inFile += n;
        }
      }
      if (inFile > 0) {
        result.total += inFile;
        result.files.push(relative(userDataDir, file));
      }
    });
  }
  return results;
}

/** A log-safe summary of scan results: indexes, counts and file names only. */
export function describeScan(results: readonly SecretScanResult[], labels: readonly string[] = []): string {
  return results
    .map((r) => {
      const label = labels[r.index] ? ` (${labels[r.index]})` : '';
      if (r.total === 0) return `secret #${r.index}${label}: 0 hits`;
      const encodings = Object.entries(r.byEncoding)
        .filter(([, n]) => n > 0)
        .map(([e, n]) => `${e}=${n}`)
        .join(' ');
      return `secret #${r.index}${label}: ${r.total} hits [${encodings}] in ${r.files.join(', ')}`;
    })
    .join('\n');
}

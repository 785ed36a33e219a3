/**
 * `--env NAME=REF` and `--env-file FILE`: what goes into the child's environment. A value `keyguard:REF`
 * names a vault entry (by name or id); anything else passes through unchanged, so a `.env` file holding
 * only references can be committed.
 */

export const REF_PREFIX = 'keyguard:';

export type EnvValue = { kind: 'plain'; value: string } | { kind: 'ref'; ref: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class EnvParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvParseError';
  }
}

/** A value as written: `keyguard:REF` → a reference; else the value itself. */
export function envValueOf(raw: string): EnvValue {
  if (raw.startsWith(REF_PREFIX)) {
    const ref = raw.slice(REF_PREFIX.length).trim();
    if (ref === '') throw new EnvParseError('"keyguard:" needs an entry name or id after it');
    return { kind: 'ref', ref };
  }
  return { kind: 'plain', value: raw };
}

/** `NAME=REF` from `--env`: the right side is always a reference (`keyguard:` in front is optional). */
export function parseEnvOption(text: string): [string, EnvValue] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq);
  if (!NAME.test(name)) throw new EnvParseError(`--env expects NAME=REF, got "${name || text}"`);
  const raw = text.slice(eq + 1);
  const ref = raw.startsWith(REF_PREFIX) ? raw.slice(REF_PREFIX.length) : raw;
  if (ref.trim() === '') throw new EnvParseError(`--env ${name}= needs an entry name or id`);
  return [name, { kind: 'ref', ref: ref.trim() }];
}

function unquote(raw: string, line: number): string {
  const v = raw.trim();
  const q = v[0];
  if (q === '"' || q === "'") {
    const end = v.lastIndexOf(q);
    if (end === 0) throw new EnvParseError(`line ${line}: the quote is not closed`);
    const inner = v.slice(1, end);
    if (q === "'") return inner;
    return inner.replace(/\\([nrt"\\])/g, (_m, c: string) =>
      c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c,
    );
  }
  // Unquoted: a ` #` starts a comment.
  const hash = v.search(/\s#/);
  return (hash < 0 ? v : v.slice(0, hash)).trim();
}

/**
 * Parses a dotenv-style file: `NAME=value`, optional `export `, `#` comments, blank lines, single quotes
 * (literal) and double quotes (`\n`, `\t`, `\"`, `\\`). Errors name the line, never its value.
 */
export function parseEnvFile(text: string): Array<[string, EnvValue]> {
  const out: Array<[string, EnvValue]> = [];
  for (const [i, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    const name = eq < 0 ? '' : body.slice(0, eq).trim();
    if (!NAME.test(name)) throw new EnvParseError(`line ${i + 1}: expected NAME=value`);
    out.push([name, envValueOf(unquote(body.slice(eq + 1), i + 1))]);
  }
  return out;
}

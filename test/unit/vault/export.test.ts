/**
 * The encrypted export file (createExport / readExport / inspectExport) and import planning
 * (planImport / applyImport).
 *
 * Secrets and passwords here are random per run and are never printed: wherever a failure diff could show
 * one, assertions compare booleans. Key derivation is counted (deriveKey is wrapped) so the tests can
 * check that a file refused on its header never costs a derivation.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  DEFAULT_KDF,
  deriveKey,
  type KdfCost,
  MIN_KDF,
  randomBytes,
  seal,
  utf8Encode,
} from '../../../lib/vault/crypto';
import {
  applyImport,
  createExport,
  EXPORT_FORMAT,
  EXPORT_KIND,
  ExportError,
  type ExportErrorCode,
  type ExportKdf,
  exportAad,
  type ImportPlan,
  inspectExport,
  MAX_ENTRY_BYTES,
  MAX_EXPORT_BYTES,
  MAX_EXPORT_ENTRIES,
  MAX_EXPORT_KDF_MEMORY_KIB,
  MAX_EXPORT_KDF_WORK,
  MAX_HISTORY_EVENTS,
  planImport,
  readExport,
  WRONG_PASSWORD_MESSAGE,
} from '../../../lib/vault/export';
import type { Entry } from '../../../lib/vault/model';
import { entryProblem, isUuid } from '../../../lib/vault/validate';

vi.mock('../../../lib/vault/crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../lib/vault/crypto')>();
  return { ...actual, deriveKey: vi.fn(actual.deriveKey) };
});
const derivations = () => vi.mocked(deriveKey).mock.calls.length;

/** Tiny Argon2id cost so a derivation takes about a millisecond; the floor is lowered explicitly. */
const FAST: KdfCost = { memoryKiB: 256, iterations: 1, parallelism: 1 };
const FLOOR: KdfCost = { memoryKiB: 8, iterations: 1, parallelism: 1 };
const R = { minKdf: FLOOR };
const T0 = 1_700_000_000_000;
const PASSWORD = `export password ${crypto.randomUUID()}`;
const OTHER_PASSWORD = `separate export password ${crypto.randomUUID()}`;

/** Every secret a test made: no error message may contain one. */
const SECRETS = new Set<string>();
function randomSecret(): string {
  const s = `dbk_${crypto.randomUUID().replaceAll('-', '')}`;
  SECRETS.add(s);
  return s;
}

let counter = 0;
function makeEntry(over: Partial<Entry> = {}): Entry {
  counter++;
  return {
    id: crypto.randomUUID(),
    name: `Key ${counter}`,
    secret: randomSecret(),
    notes: '',
    host: 'app.docbits.com',
    orgId: null,
    environment: 'production',
    prefix: '',
    createdAt: T0,
    expiresAt: null,
    rotateAfterDays: null,
    state: 'active',
    source: 'captured',
    successorId: null,
    predecessorId: null,
    history: [{ at: T0, event: 'created', detail: 'captured' }],
    ...over,
  };
}

/** A varied set of entries: unicode, markup in text fields, links, history with and without details. */
function sampleEntries(): Entry[] {
  const old = makeEntry({
    name: 'Old production key',
    orgId: 'org-4711',
    prefix: 'dbk_live_9Zx',
    state: 'retired',
    notes: 'Replaced.\nLine two — Grüße 🔑',
    expiresAt: T0 + 86_400_000,
    rotateAfterDays: 90,
    source: 'manual',
  });
  const next = makeEntry({
    name: '<script>alert("x")</script> & <img src=x onerror=alert(1)>',
    notes: '<b>bold?</b> {"__proto__": 1}',
    host: 'docbits.intranet.example',
    environment: 'sandbox',
    prefix: 'dbk_test_3Kp',
    predecessorId: old.id,
    state: 'rotating',
    history: [
      { at: T0, event: 'created', detail: 'captured' },
      { at: T0 + 1, event: 'updated' },
      { at: T0 + 2, event: 'state:rotating', detail: 'rotation started' },
    ],
  });
  old.successorId = next.id;
  return [old, next, makeEntry({ name: 'Ünïcødé — ﬁ ligature', environment: 'other' })];
}

/** Compares entry lists without letting a diff print a secret. */
function expectSameEntries(actual: Entry[], expected: Entry[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as Entry;
    expect(a.secret === e.secret, `secret of entry ${i} differs`).toBe(true);
    const { secret: _a, ...restA } = a;
    const { secret: _e, ...restE } = e;
    expect(restA).toEqual(restE);
  });
}

/** Whether `message` shows something it must not: a password, a secret, or text planted in a file. */
function leaks(message: string): boolean {
  if (message.includes(PASSWORD) || message.includes(OTHER_PASSWORD)) return true;
  for (const s of SECRETS) if (message.includes(s)) return true;
  return /HOSTILE|<script|<img|__proto__|\{|dbk_/.test(message) || message.length > 300;
}

/**
 * Runs `run`, expecting an ExportError with `code`, nothing returned and a message that leaks nothing;
 * when reading, every 'password' refusal carries the one generic message.
 */
async function expectRefused(
  run: () => Promise<unknown>,
  code: ExportErrorCode,
  reading = true,
): Promise<ExportError> {
  let result: unknown;
  let caught: unknown;
  try {
    result = await run();
  } catch (e) {
    caught = e;
  }
  expect(result === undefined, 'nothing is returned').toBe(true);
  expect(caught instanceof ExportError, `an ExportError (got ${(caught as Error | undefined)?.name})`).toBe(
    true,
  );
  const err = caught as ExportError;
  expect(err.code).toBe(code);
  expect(leaks(err.message), `message of '${code}' leaks or echoes`).toBe(false);
  expect(err.message.length > 0).toBe(true);
  if (reading && code === 'password') expect(err.message).toBe(WRONG_PASSWORD_MESSAGE);
  return err;
}

function flip(b64: string, i: number, mask = 0x01): string {
  const bytes = base64ToBytes(b64);
  bytes[i] = (bytes[i] as number) ^ mask;
  return bytesToBase64(bytes);
}

interface Doc {
  kind?: unknown;
  format?: unknown;
  createdAt?: unknown;
  kdf: Record<string, unknown>;
  nonce?: unknown;
  ct?: unknown;
  [k: string]: unknown;
}

/**
 * Seals any payload the way a hostile exporter who knows the password could: the header and the AAD are
 * right, the plaintext is whatever the test says.
 */
async function craft(
  payload: string | Uint8Array,
  o: { password?: string; kdf?: KdfCost; createdAt?: number } = {},
): Promise<string> {
  const cost = o.kdf ?? FAST;
  const salt = randomBytes(16);
  const kdf: ExportKdf = { alg: 'argon2id', ...cost, salt: bytesToBase64(salt) };
  const createdAt = o.createdAt ?? T0;
  const key = await deriveKey(o.password ?? PASSWORD, { alg: 'argon2id', ...cost, salt });
  const plain = typeof payload === 'string' ? utf8Encode(payload) : payload;
  const { nonce, ct } = seal(key, plain, exportAad(createdAt, kdf));
  return JSON.stringify({
    kind: EXPORT_KIND,
    format: EXPORT_FORMAT,
    createdAt,
    kdf,
    nonce: bytesToBase64(nonce),
    ct: bytesToBase64(ct),
  });
}

let good: string;
let other: string;
let separate: string;
let ENTRIES: Entry[];

beforeAll(async () => {
  ENTRIES = sampleEntries();
  good = await createExport(ENTRIES, PASSWORD, { kdf: FAST, minKdf: FLOOR, now: T0 });
  other = await createExport(ENTRIES, PASSWORD, { kdf: FAST, minKdf: FLOOR, now: T0 });
  separate = await createExport(ENTRIES, OTHER_PASSWORD, { kdf: FAST, minKdf: FLOOR, now: T0 });
});

const doc = (text: string) => JSON.parse(text) as Doc;
/** The valid file with its header edited by `fn`. */
const edit = (fn: (d: Doc, o: Doc) => void) => (): string => {
  const d = doc(good);
  fn(d, doc(other));
  return JSON.stringify(d);
};
/** The valid file's text transformed by `fn`. */
const raw = (fn: (text: string) => string) => (): string => fn(good);
/** The valid file with `"name": value` inserted first into the top-level object (or the kdf object). */
const insertKey = (json: string, where: 'top' | 'kdf') =>
  raw((t) => (where === 'top' ? t.replace('{', `{${json},`) : t.replace('"kdf": {', `"kdf": {${json},`)));

const payload = (entries: unknown[]) => JSON.stringify({ entries });
/** A crafted file holding one valid entry changed by `fn`. */
const entryCase = (fn: (e: Record<string, unknown>) => void) => () => {
  const e = makeEntry() as unknown as Record<string, unknown>;
  fn(e);
  return craft(payload([e]));
};
/** A crafted file holding one valid entry whose JSON text is changed by `fn`. */
const entryText = (fn: (json: string) => string) => () =>
  craft(`{"entries":[${fn(JSON.stringify(makeEntry()))}]}`);

interface RefusalCase {
  name: string;
  code: ExportErrorCode;
  file: () => string | Promise<string>;
  password?: string;
  minKdf?: KdfCost;
}

const b64Of = (n: number) => bytesToBase64(randomBytes(n));
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

const CASES: RefusalCase[] = [
  // --- not JSON / empty / truncated
  { name: 'empty text', code: 'not-json', file: () => '' },
  { name: 'only whitespace', code: 'not-json', file: () => ' \n\t ' },
  { name: 'truncated to half', code: 'not-json', file: raw((t) => t.slice(0, t.length >> 1)) },
  { name: 'truncated: closing brace cut', code: 'not-json', file: raw((t) => t.trimEnd().slice(0, -1)) },
  { name: 'truncated to one byte', code: 'not-json', file: () => '{' },
  { name: 'plain text', code: 'not-json', file: () => 'HOSTILE this is not JSON <script>' },
  { name: 'trailing garbage', code: 'not-json', file: raw((t) => `${t}HOSTILE`) },
  { name: 'binary bytes', code: 'not-json', file: () => '\u0000\u0001\u0002\uFFFD' },
  {
    name: 'NaN literal in the header',
    code: 'not-json',
    file: raw((t) => t.replace(/"createdAt": \d+/, '"createdAt": NaN')),
  },
  // --- too large (refused before parsing)
  { name: 'garbage over MAX_EXPORT_BYTES', code: 'too-large', file: () => 'x'.repeat(MAX_EXPORT_BYTES + 1) },
  {
    name: 'valid file padded over MAX_EXPORT_BYTES',
    code: 'too-large',
    file: raw((t) => t + ' '.repeat(MAX_EXPORT_BYTES)),
  },
  // --- JSON, but not an export
  { name: 'null', code: 'not-export', file: () => 'null' },
  { name: 'an array', code: 'not-export', file: () => '[]' },
  { name: 'the export inside an array', code: 'not-export', file: raw((t) => `[${t}]`) },
  { name: 'a string', code: 'not-export', file: () => '"keyguard-export"' },
  { name: 'a number', code: 'not-export', file: () => '42' },
  { name: 'a boolean', code: 'not-export', file: () => 'true' },
  { name: 'an empty object', code: 'not-export', file: () => '{}' },
  { name: 'wrong kind', code: 'not-export', file: edit((d) => (d.kind = 'keyguard-vault')) },
  { name: 'kind in another case', code: 'not-export', file: edit((d) => (d.kind = 'KeyGuard-Export')) },
  { name: 'kind missing', code: 'not-export', file: edit((d) => delete d.kind) },
  { name: 'kind not a string', code: 'not-export', file: edit((d) => (d.kind = ['keyguard-export'])) },
  // --- versions
  { name: 'newer format 2', code: 'version', file: edit((d) => (d.format = 2)) },
  { name: 'format 0', code: 'version', file: edit((d) => (d.format = 0)) },
  { name: 'format -1', code: 'version', file: edit((d) => (d.format = -1)) },
  { name: 'format as a string', code: 'version', file: edit((d) => (d.format = '1')) },
  { name: 'format 1.5', code: 'version', file: edit((d) => (d.format = 1.5)) },
  { name: 'format null', code: 'version', file: edit((d) => (d.format = null)) },
  { name: 'format missing', code: 'version', file: edit((d) => delete d.format) },
  {
    name: 'format 1e400 (Infinity)',
    code: 'version',
    file: raw((t) => t.replace('"format": 1', '"format": 1e400')),
  },
  // --- damaged header
  { name: 'unknown top-level field', code: 'malformed', file: edit((d) => (d.HOSTILE = 1)) },
  { name: 'nonce missing', code: 'malformed', file: edit((d) => delete d.nonce) },
  { name: 'ct missing', code: 'malformed', file: edit((d) => delete d.ct) },
  { name: 'createdAt missing', code: 'malformed', file: edit((d) => delete d.createdAt) },
  { name: 'createdAt a date string', code: 'malformed', file: edit((d) => (d.createdAt = '2024-01-01')) },
  { name: 'createdAt negative', code: 'malformed', file: edit((d) => (d.createdAt = -1)) },
  { name: 'createdAt fractional', code: 'malformed', file: edit((d) => (d.createdAt = T0 + 0.5)) },
  {
    name: 'createdAt 1e400 (Infinity)',
    code: 'malformed',
    file: raw((t) => t.replace(/"createdAt": \d+/, '"createdAt": 1e400')),
  },
  { name: 'nonce not base64', code: 'malformed', file: edit((d) => (d.nonce = 'HOSTILE!not base64')) },
  { name: 'nonce of 23 bytes', code: 'malformed', file: edit((d) => (d.nonce = b64Of(23))) },
  { name: 'nonce of 25 bytes', code: 'malformed', file: edit((d) => (d.nonce = b64Of(25))) },
  {
    name: 'nonce in URL-safe base64',
    code: 'malformed',
    file: edit((d) => (d.nonce = bytesToBase64(new Uint8Array(24).fill(0xfb)).replaceAll('+', '-'))),
  },
  { name: 'nonce a number', code: 'malformed', file: edit((d) => (d.nonce = 12345)) },
  { name: 'ct empty', code: 'malformed', file: edit((d) => (d.ct = '')) },
  { name: 'ct shorter than a tag', code: 'malformed', file: edit((d) => (d.ct = b64Of(10))) },
  {
    name: 'ct with line breaks',
    code: 'malformed',
    file: edit((d) => (d.ct = `${String(d.ct).slice(0, 8)}\n${String(d.ct).slice(8)}`)),
  },
  { name: 'ct an array of bytes', code: 'malformed', file: edit((d) => (d.ct = [1, 2, 3])) },
  { name: '__proto__ at the top level', code: 'malformed', file: insertKey('"__proto__": {"x": 1}', 'top') },
  { name: 'constructor at the top level', code: 'malformed', file: insertKey('"constructor": {}', 'top') },
  { name: 'prototype inside kdf', code: 'malformed', file: insertKey('"prototype": 1', 'kdf') },
  { name: '__proto__ inside kdf', code: 'malformed', file: insertKey('"__proto__": {"polluted": 1}', 'kdf') },
  // JSON.parse copes with any depth; the walk is iterative and stops at a small depth.
  {
    name: 'extra field nested 100,000 deep',
    code: 'malformed',
    file: insertKey(`"x": ${deep(100_000)}`, 'top'),
  },
  // --- KDF parameters (refused before deriving)
  { name: 'kdf null', code: 'kdf', file: edit((d) => (d.kdf = null as unknown as Doc['kdf'])) },
  { name: 'kdf an array', code: 'kdf', file: edit((d) => (d.kdf = [] as unknown as Doc['kdf'])) },
  { name: 'kdf alg argon2i', code: 'kdf', file: edit((d) => (d.kdf.alg = 'argon2i')) },
  { name: 'kdf alg missing', code: 'kdf', file: edit((d) => delete d.kdf.alg) },
  { name: 'kdf unknown field', code: 'kdf', file: edit((d) => (d.kdf.HOSTILE = 1)) },
  { name: 'kdf memory 4 GiB', code: 'kdf', file: edit((d) => (d.kdf.memoryKiB = 4 * 1024 * 1024)) },
  { name: 'kdf memory 2^53', code: 'kdf', file: edit((d) => (d.kdf.memoryKiB = 2 ** 53)) },
  {
    name: 'kdf memory 512 MiB (within vault limits, over the export ceiling)',
    code: 'kdf',
    file: edit((d) => (d.kdf.memoryKiB = 512 * 1024)),
  },
  {
    name: 'kdf work 256 MiB × 5 passes (over the export ceiling)',
    code: 'kdf',
    file: edit((d) => Object.assign(d.kdf, { memoryKiB: MAX_EXPORT_KDF_MEMORY_KIB, iterations: 5 })),
  },
  {
    name: 'kdf memory 1e400 (Infinity)',
    code: 'kdf',
    file: raw((t) => t.replace(/"memoryKiB": \d+/, '"memoryKiB": 1e400')),
  },
  { name: 'kdf memory as a string', code: 'kdf', file: edit((d) => (d.kdf.memoryKiB = '256')) },
  {
    name: 'kdf memory below 8 KiB per lane',
    code: 'kdf',
    file: edit((d) => Object.assign(d.kdf, { memoryKiB: 8, parallelism: 2 })),
  },
  { name: 'kdf iterations 1,000,000', code: 'kdf', file: edit((d) => (d.kdf.iterations = 1_000_000)) },
  { name: 'kdf iterations 0', code: 'kdf', file: edit((d) => (d.kdf.iterations = 0)) },
  { name: 'kdf iterations 1.5', code: 'kdf', file: edit((d) => (d.kdf.iterations = 1.5)) },
  { name: 'kdf parallelism 0', code: 'kdf', file: edit((d) => (d.kdf.parallelism = 0)) },
  { name: 'kdf parallelism 255', code: 'kdf', file: edit((d) => (d.kdf.parallelism = 255)) },
  { name: 'kdf salt of 8 bytes', code: 'kdf', file: edit((d) => (d.kdf.salt = b64Of(8))) },
  { name: 'kdf salt of 128 bytes', code: 'kdf', file: edit((d) => (d.kdf.salt = b64Of(128))) },
  { name: 'kdf salt not base64', code: 'kdf', file: edit((d) => (d.kdf.salt = 'HOSTILE salt')) },
  {
    name: 'kdf weaker than the given floor',
    code: 'kdf',
    file: raw((t) => t),
    minKdf: { memoryKiB: 512, iterations: 1, parallelism: 1 },
  },
  { name: 'kdf weaker than MIN_KDF', code: 'kdf', file: raw((t) => t), minKdf: MIN_KDF },
  // --- wrong password or tampered (one generic failure)
  { name: 'wrong password', code: 'password', file: raw((t) => t), password: 'not the password' },
  { name: 'empty password', code: 'password', file: raw((t) => t), password: '' },
  { name: 'password with a trailing space', code: 'password', file: raw((t) => t), password: `${PASSWORD} ` },
  { name: 'password in upper case', code: 'password', file: raw((t) => t), password: PASSWORD.toUpperCase() },
  { name: 'master password on a separately protected file', code: 'password', file: () => separate },
  { name: 'createdAt changed (+1 ms)', code: 'password', file: edit((d) => (d.createdAt = T0 + 1)) },
  { name: 'createdAt changed to 0', code: 'password', file: edit((d) => (d.createdAt = 0)) },
  { name: 'kdf salt replaced', code: 'password', file: edit((d) => (d.kdf.salt = b64Of(16))) },
  { name: 'kdf salt of another file', code: 'password', file: edit((d, o) => (d.kdf.salt = o.kdf.salt)) },
  { name: 'kdf iterations raised in range', code: 'password', file: edit((d) => (d.kdf.iterations = 2)) },
  { name: 'kdf memory raised in range', code: 'password', file: edit((d) => (d.kdf.memoryKiB = 512)) },
  { name: 'kdf parallelism raised in range', code: 'password', file: edit((d) => (d.kdf.parallelism = 2)) },
  { name: 'nonce of another file', code: 'password', file: edit((d, o) => (d.nonce = o.nonce)) },
  { name: 'ct of another file', code: 'password', file: edit((d, o) => (d.ct = o.ct)) },
  {
    name: 'nonce all zero',
    code: 'password',
    file: edit((d) => (d.nonce = bytesToBase64(new Uint8Array(24)))),
  },
  {
    name: 'ct one byte shorter',
    code: 'password',
    file: edit((d) => (d.ct = bytesToBase64(base64ToBytes(String(d.ct)).slice(0, -1)))),
  },
  {
    name: 'ct one byte longer',
    code: 'password',
    file: edit((d) => {
      const ct = base64ToBytes(String(d.ct));
      const longer = new Uint8Array(ct.length + 1);
      longer.set(ct);
      d.ct = bytesToBase64(longer);
    }),
  },
  {
    name: 'tag zeroed',
    code: 'password',
    file: edit((d) => {
      const ct = base64ToBytes(String(d.ct));
      ct.fill(0, ct.length - 16);
      d.ct = bytesToBase64(ct);
    }),
  },
  // --- decrypts, but the contents are hostile (crafted by someone who knows the password)
  { name: 'payload not JSON', code: 'entries', file: () => craft('HOSTILE {not json') },
  {
    name: 'payload invalid UTF-8',
    code: 'entries',
    file: () => craft(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
  },
  { name: 'payload an array', code: 'entries', file: () => craft('[]') },
  { name: 'payload an empty object', code: 'entries', file: () => craft('{}') },
  { name: 'payload entries not an array', code: 'entries', file: () => craft('{"entries":{}}') },
  { name: 'payload with an extra field', code: 'entries', file: () => craft('{"entries":[],"HOSTILE":1}') },
  {
    name: 'payload with __proto__',
    code: 'entries',
    file: () => craft('{"__proto__":{"polluted":true},"entries":[]}'),
  },
  { name: 'entry a string', code: 'entries', file: () => craft(payload(['HOSTILE'])) },
  { name: 'entry null', code: 'entries', file: () => craft(payload([null])) },
  { name: 'entry an array', code: 'entries', file: () => craft(payload([[]])) },
  { name: 'entry missing secret', code: 'entries', file: entryCase((e) => delete e.secret) },
  { name: 'entry missing history', code: 'entries', file: entryCase((e) => delete e.history) },
  { name: 'entry unknown field', code: 'entries', file: entryCase((e) => (e.HOSTILEKEY = 'x')) },
  {
    name: 'entry __proto__ key',
    code: 'entries',
    file: entryText((j) => j.replace('{', '{"__proto__":{"isAdmin":true},')),
  },
  {
    name: 'entry constructor key',
    code: 'entries',
    file: entryText((j) => j.replace('{', '{"constructor":{"prototype":{}},')),
  },
  { name: 'entry prototype key', code: 'entries', file: entryText((j) => j.replace('{', '{"prototype":1,')) },
  {
    name: 'entry toString key (inherited name)',
    code: 'entries',
    file: entryText((j) => j.replace('{', '{"toString":1,')),
  },
  {
    name: 'entry hasOwnProperty key',
    code: 'entries',
    file: entryText((j) => j.replace('{', '{"hasOwnProperty":1,')),
  },
  {
    name: 'history event __proto__ key',
    code: 'entries',
    file: entryText((j) => j.replace('"history":[{', '"history":[{"__proto__":{"x":1},')),
  },
  {
    name: 'history event unknown field',
    code: 'entries',
    file: entryCase((e) => (e.history = [{ at: T0, event: 'x', HOSTILE: 1 }])),
  },
  {
    name: 'name 201 characters',
    code: 'entries',
    file: entryCase((e) => (e.name = 'HOSTILE'.padEnd(201, 'x'))),
  },
  {
    name: 'name of 1,000,000 characters',
    code: 'entries',
    file: entryCase((e) => (e.name = 'HOSTILE'.repeat(142_858))),
  },
  { name: 'name blank', code: 'entries', file: entryCase((e) => (e.name = '   ')) },
  { name: 'name a number', code: 'entries', file: entryCase((e) => (e.name = 42)) },
  { name: 'name an object', code: 'entries', file: entryCase((e) => (e.name = { toString: 'HOSTILE' })) },
  {
    name: 'secret 4097 characters',
    code: 'entries',
    file: entryCase((e) => (e.secret = 'HOSTILE'.padEnd(4097, 'x'))),
  },
  { name: 'secret empty', code: 'entries', file: entryCase((e) => (e.secret = '')) },
  { name: 'secret null', code: 'entries', file: entryCase((e) => (e.secret = null)) },
  {
    name: 'notes 10,001 characters',
    code: 'entries',
    file: entryCase((e) => (e.notes = 'x'.repeat(10_001))),
  },
  {
    name: 'notes: arrays nested 100,000 deep',
    code: 'entries',
    file: entryText((j) => j.replace('"notes":""', `"notes":${deep(100_000)}`)),
  },
  { name: 'orgId empty string', code: 'entries', file: entryCase((e) => (e.orgId = '')) },
  { name: 'prefix 101 characters', code: 'entries', file: entryCase((e) => (e.prefix = 'p'.repeat(101))) },
  { name: 'environment unknown', code: 'entries', file: entryCase((e) => (e.environment = 'staging')) },
  { name: 'state unknown', code: 'entries', file: entryCase((e) => (e.state = 'deleted')) },
  { name: 'source unknown', code: 'entries', file: entryCase((e) => (e.source = 'HOSTILE')) },
  { name: 'host a URL', code: 'entries', file: entryCase((e) => (e.host = 'https://app.docbits.com/')) },
  { name: 'host with markup', code: 'entries', file: entryCase((e) => (e.host = '<script>.example')) },
  { name: 'host with a space', code: 'entries', file: entryCase((e) => (e.host = 'app docbits.com')) },
  { name: 'host with a port', code: 'entries', file: entryCase((e) => (e.host = 'app.docbits.com:443')) },
  { name: 'host empty', code: 'entries', file: entryCase((e) => (e.host = '')) },
  { name: 'id not a UUID', code: 'entries', file: entryCase((e) => (e.id = 'HOSTILE-id')) },
  { name: 'id "__proto__"', code: 'entries', file: entryCase((e) => (e.id = '__proto__')) },
  {
    name: 'entry createdAt 1e400 (Infinity)',
    code: 'entries',
    file: entryText((j) => j.replace(`"createdAt":${T0}`, '"createdAt":1e400')),
  },
  {
    name: 'entry createdAt -1e400 (-Infinity)',
    code: 'entries',
    file: entryText((j) => j.replace(`"createdAt":${T0}`, '"createdAt":-1e400')),
  },
  {
    name: 'entry createdAt a date string',
    code: 'entries',
    file: entryCase((e) => (e.createdAt = '2024-01-01')),
  },
  { name: 'entry createdAt null', code: 'entries', file: entryCase((e) => (e.createdAt = null)) },
  { name: 'expiresAt "never"', code: 'entries', file: entryCase((e) => (e.expiresAt = 'never')) },
  {
    name: 'expiresAt 1e400 (Infinity)',
    code: 'entries',
    file: entryText((j) => j.replace('"expiresAt":null', '"expiresAt":1e400')),
  },
  { name: 'rotateAfterDays 0', code: 'entries', file: entryCase((e) => (e.rotateAfterDays = 0)) },
  { name: 'rotateAfterDays 1.5', code: 'entries', file: entryCase((e) => (e.rotateAfterDays = 1.5)) },
  { name: 'rotateAfterDays 36501', code: 'entries', file: entryCase((e) => (e.rotateAfterDays = 36_501)) },
  { name: 'successorId not a UUID', code: 'entries', file: entryCase((e) => (e.successorId = 'HOSTILE')) },
  { name: 'successorId its own id', code: 'entries', file: entryCase((e) => (e.successorId = e.id)) },
  { name: 'predecessorId its own id', code: 'entries', file: entryCase((e) => (e.predecessorId = e.id)) },
  { name: 'history not an array', code: 'entries', file: entryCase((e) => (e.history = 'HOSTILE')) },
  {
    name: `history of ${MAX_HISTORY_EVENTS + 1} events`,
    code: 'entries',
    file: entryCase(
      (e) => (e.history = Array.from({ length: MAX_HISTORY_EVENTS + 1 }, () => ({ at: T0, event: 'x' }))),
    ),
  },
  {
    name: 'history event time 1e400',
    code: 'entries',
    file: entryText((j) => j.replace(`"at":${T0}`, '"at":1e400')),
  },
  {
    name: 'history event kind empty',
    code: 'entries',
    file: entryCase((e) => (e.history = [{ at: T0, event: '' }])),
  },
  {
    name: 'history event detail 1001 characters',
    code: 'entries',
    file: entryCase((e) => (e.history = [{ at: T0, event: 'x', detail: 'd'.repeat(1001) }])),
  },
  { name: 'history event a string', code: 'entries', file: entryCase((e) => (e.history = ['HOSTILE'])) },
  {
    name: 'entry larger than a vault box',
    code: 'entries',
    file: entryCase(
      (e) =>
        (e.history = Array.from({ length: 1100 }, (_, i) => ({
          at: T0 + i,
          event: 'x',
          detail: 'd'.repeat(1000),
        }))),
    ),
  },
  {
    name: 'duplicate ids',
    code: 'entries',
    file: () => {
      const a = makeEntry();
      return craft(payload([a, makeEntry({ id: a.id })]));
    },
  },
  {
    name: `more than ${MAX_EXPORT_ENTRIES} entries`,
    code: 'too-large',
    file: () => craft(payload(Array.from({ length: MAX_EXPORT_ENTRIES + 1 }, () => makeEntry()))),
  },
];

const PRE_DECRYPT: readonly ExportErrorCode[] = [
  'not-json',
  'too-large',
  'not-export',
  'version',
  'malformed',
  'kdf',
];

describe('readExport refusals', () => {
  it('has well over 50 distinct cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$name → $code', async ({ file, code, password, minKdf }) => {
    const text = await file();
    const before = derivations();
    await expectRefused(() => readExport(text, password ?? PASSWORD, { minKdf: minKdf ?? FLOOR }), code);
    // 'too-large' is a header verdict only for the text size; too many entries shows after decrypting.
    if (PRE_DECRYPT.includes(code) && (code !== 'too-large' || text.length > MAX_EXPORT_BYTES)) {
      // Refused on the header: no key was derived, so a hostile header costs nothing.
      expect(derivations() - before).toBe(0);
      // inspectExport gives the same verdict without a password.
      await expectRefused(async () => inspectExport(text, { minKdf: minKdf ?? FLOOR }), code);
    }
  });

  it('names the key in the file a refusal is about (1-based), for the options page to say', async () => {
    const [a, b] = [makeEntry(), makeEntry()];
    const bad = { ...makeEntry(), name: '   ' };
    const third = await readExport(await craft(payload([a, b, bad])), PASSWORD, R).catch((e: unknown) => e);
    expect(third).toMatchObject({ name: 'ExportError', code: 'entries', key: 3 });
    const repeated = await readExport(await craft(payload([a, a])), PASSWORD, R).catch((e: unknown) => e);
    expect(repeated).toMatchObject({ code: 'entries', key: 2 });
    const list = await readExport(await craft('{"entries":{}}'), PASSWORD, R).catch((e: unknown) => e);
    expect(list).toMatchObject({ code: 'entries', key: undefined });
  });

  it('the crafting helper itself makes readable files (so the entry cases are not vacuous)', async () => {
    const e = makeEntry();
    const read = await readExport(await craft(payload([e])), PASSWORD, R);
    expectSameEntries(read, [e]);
  });

  it('flipping any byte of the nonce, of the salt, or of the first and last 64 bytes of ct → password', async () => {
    const d = doc(good);
    const ct = base64ToBytes(String(d.ct));
    expect(ct.length).toBeGreaterThan(128);
    const variants: string[] = [];
    for (let i = 0; i < 24; i++) variants.push(JSON.stringify({ ...d, nonce: flip(String(d.nonce), i) }));
    for (let i = 0; i < 16; i++) {
      variants.push(JSON.stringify({ ...d, kdf: { ...d.kdf, salt: flip(String(d.kdf.salt), i, 0x80) } }));
    }
    const positions = [
      ...Array.from({ length: 64 }, (_, i) => i),
      ...Array.from({ length: 64 }, (_, i) => ct.length - 64 + i),
    ];
    for (const i of positions) variants.push(JSON.stringify({ ...d, ct: flip(String(d.ct), i) }));
    expect(variants).toHaveLength(24 + 16 + 128);
    for (const v of variants) await expectRefused(() => readExport(v, PASSWORD, R), 'password');
  });

  it('every header field is bound: the untouched header reads, and each single edit is refused', async () => {
    expectSameEntries(await readExport(good, PASSWORD, R), ENTRIES);
    const edits: [string, (d: Doc) => void, ExportErrorCode][] = [
      ['createdAt', (d) => (d.createdAt = T0 - 1), 'password'],
      ['kdf.memoryKiB', (d) => (d.kdf.memoryKiB = FAST.memoryKiB * 2), 'password'],
      ['kdf.iterations', (d) => (d.kdf.iterations = FAST.iterations + 1), 'password'],
      ['kdf.parallelism', (d) => (d.kdf.parallelism = FAST.parallelism + 1), 'password'],
      ['kdf.salt', (d) => (d.kdf.salt = flip(String(d.kdf.salt), 0)), 'password'],
      ['format', (d) => (d.format = EXPORT_FORMAT + 1), 'version'],
      ['kind', (d) => (d.kind = `${EXPORT_KIND}-x`), 'not-export'],
    ];
    for (const [, fn, code] of edits) {
      await expectRefused(() => readExport(edit(fn)(), PASSWORD, R), code);
    }
  });

  it('the AAD is the documented canonical string', () => {
    const d = doc(good);
    const aad = new TextDecoder().decode(exportAad(T0, d.kdf as unknown as ExportKdf));
    expect(aad).toBe(
      `keyguard-export/v1/created:${T0}/argon2id:m=${FAST.memoryKiB},t=${FAST.iterations},p=${FAST.parallelism},salt=${String(d.kdf.salt)}`,
    );
  });

  it('applies MIN_KDF when no floor is given', async () => {
    const before = derivations();
    await expectRefused(() => readExport(good, PASSWORD), 'kdf');
    await expectRefused(async () => inspectExport(good), 'kdf');
    expect(derivations() - before).toBe(0);
  });

  it('all decrypt failures have one identical message', async () => {
    const a = await expectRefused(() => readExport(good, 'wrong', R), 'password');
    const b = await expectRefused(
      () => readExport(edit((d) => (d.createdAt = 1))(), PASSWORD, R),
      'password',
    );
    expect(a.message).toBe(b.message);
  });

  it('a prototype-pollution attempt leaves Object.prototype untouched', async () => {
    const files = [
      insertKey('"__proto__": {"polluted": 1}', 'top')(),
      await entryText((j) => j.replace('{', '{"__proto__":{"polluted":1},'))(),
      await craft('{"__proto__":{"polluted":1},"entries":[]}'),
    ];
    for (const f of files) await readExport(f, PASSWORD, R).catch(() => undefined);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });
});

describe('createExport / readExport', () => {
  it('round-trips whole entries (secret, notes, history, links, markup as plain text)', async () => {
    const read = await readExport(good, PASSWORD, R);
    expectSameEntries(read, ENTRIES);
    // Markup in names and notes is plain text: kept byte for byte, never interpreted or stripped.
    expect(read[1]?.name).toBe(ENTRIES[1]?.name);
    expect(read[1]?.notes).toBe(ENTRIES[1]?.notes);
    // Fresh plain objects, nothing shared with the input.
    for (const [i, e] of read.entries()) {
      expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
      expect(e === ENTRIES[i]).toBe(false);
      expect(e.history === ENTRIES[i]?.history).toBe(false);
      expect(entryProblem(e)).toBeNull();
    }
  });

  it('returns new objects on every read', async () => {
    const a = await readExport(good, PASSWORD, R);
    const b = await readExport(good, PASSWORD, R);
    (a[0] as Entry).history.push({ at: 1, event: 'x' });
    expect(b[0]?.history.length).toBe(ENTRIES[0]?.history.length);
  });

  it('writes the documented header and nothing readable', async () => {
    const d = doc(good);
    expect(Object.keys(d)).toEqual(['kind', 'format', 'createdAt', 'kdf', 'nonce', 'ct']);
    expect(d.kind).toBe(EXPORT_KIND);
    expect(d.format).toBe(1);
    expect(d.createdAt).toBe(T0);
    expect(d.kdf).toMatchObject({ alg: 'argon2id', ...FAST });
    expect(base64ToBytes(String(d.kdf.salt))).toHaveLength(16);
    expect(base64ToBytes(String(d.nonce))).toHaveLength(24);
    for (const e of ENTRIES) {
      expect(good.includes(e.secret)).toBe(false);
      expect(good.includes(e.name)).toBe(false);
    }
    expect(good.includes('Replaced')).toBe(false);
    expect(inspectExport(good, R)).toEqual(d);
  });

  it('uses a fresh salt and nonce for every file', () => {
    const a = doc(good);
    const b = doc(other);
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ct).not.toBe(b.ct);
  });

  it('a separate export password opens its file; the master password does not', async () => {
    expectSameEntries(await readExport(separate, OTHER_PASSWORD, R), ENTRIES);
    await expectRefused(() => readExport(separate, PASSWORD, R), 'password');
  });

  it('normalises the password (NFC), like the vault', async () => {
    const composed = `caf\u00e9 ${PASSWORD}`;
    const decomposed = `cafe\u0301 ${PASSWORD}`;
    const text = await createExport(ENTRIES, composed, { kdf: FAST, minKdf: FLOOR });
    expectSameEntries(await readExport(text, decomposed, R), ENTRIES);
  });

  it('DEFAULT_KDF and MIN_KDF are within the export KDF ceiling', () => {
    for (const k of [DEFAULT_KDF, MIN_KDF]) {
      expect(k.memoryKiB).toBeLessThanOrEqual(MAX_EXPORT_KDF_MEMORY_KIB);
      expect(k.memoryKiB * k.iterations).toBeLessThanOrEqual(MAX_EXPORT_KDF_WORK);
    }
  });

  it('uses DEFAULT_KDF by default and reads it under the default floor', async () => {
    const text = await createExport(ENTRIES.slice(0, 1), PASSWORD);
    expect(inspectExport(text).kdf).toMatchObject({ alg: 'argon2id', ...DEFAULT_KDF });
    expectSameEntries(await readExport(text, PASSWORD), ENTRIES.slice(0, 1));
  });

  it('exports and reads an empty list', async () => {
    const text = await createExport([], PASSWORD, { kdf: FAST, minKdf: FLOOR });
    expect(await readExport(text, PASSWORD, R)).toEqual([]);
  });

  it('reads hosts in lower case, as the vault keeps them', async () => {
    const e = makeEntry({ host: 'App.DocBits.COM' });
    const [read] = await readExport(await craft(payload([e])), PASSWORD, R);
    expect(read?.host).toBe('app.docbits.com');
  });

  it('writes only Entry fields, dropping stray properties of the caller’s objects', async () => {
    const e = { ...makeEntry(), stray: 'HOSTILE' } as Entry;
    (e.history[0] as unknown as Record<string, unknown>).extra = 'HOSTILE';
    const [read] = await readExport(
      await createExport([e], PASSWORD, { kdf: FAST, minKdf: FLOOR }),
      PASSWORD,
      R,
    );
    expect(Object.keys(read ?? {})).not.toContain('stray');
    expect(Object.keys(read?.history[0] ?? {})).toEqual(['at', 'event', 'detail']);
  });

  it('accepts the largest valid entry and the most entries', async () => {
    const big = makeEntry({
      name: 'n'.repeat(200),
      notes: 'x'.repeat(10_000),
      history: Array.from({ length: 100 }, (_, i) => ({
        at: T0 + i,
        event: 'updated',
        detail: 'd'.repeat(1000),
      })),
    });
    expectSameEntries(await readExport(await craft(payload([big])), PASSWORD, R), [big]);
    const many = Array.from({ length: MAX_EXPORT_ENTRIES }, () => makeEntry());
    const text = await createExport(many, PASSWORD, { kdf: FAST, minKdf: FLOOR });
    expect((await readExport(text, PASSWORD, R)).length).toBe(MAX_EXPORT_ENTRIES);
    expect(MAX_ENTRY_BYTES).toBeLessThan(1 << 20);
  });

  describe('refuses to write what it could not read', () => {
    const W = { kdf: FAST, minKdf: FLOOR };
    it.each<[string, () => Promise<unknown>, ExportErrorCode]>([
      ['an empty password', () => createExport(ENTRIES, '', W), 'password'],
      ['a KDF below MIN_KDF by default', () => createExport(ENTRIES, PASSWORD, { kdf: FAST }), 'kdf'],
      [
        'a KDF beyond KDF_LIMITS',
        () => createExport(ENTRIES, PASSWORD, { kdf: { ...FAST, iterations: 65 } }),
        'kdf',
      ],
      [
        'a KDF over the export ceiling',
        () =>
          createExport(ENTRIES, PASSWORD, { kdf: { memoryKiB: 512 * 1024, iterations: 2, parallelism: 4 } }),
        'kdf',
      ],
      [
        'a fractional KDF',
        () => createExport(ENTRIES, PASSWORD, { ...W, kdf: { ...FAST, memoryKiB: 256.5 } }),
        'kdf',
      ],
      ['an invalid entry', () => createExport([makeEntry({ name: '' })], PASSWORD, W), 'entries'],
      ['a non-entry', () => createExport([null as unknown as Entry], PASSWORD, W), 'entries'],
      [
        'duplicate ids',
        () => createExport([ENTRIES[0] as Entry, ENTRIES[0] as Entry], PASSWORD, W),
        'entries',
      ],
      [
        'too many entries',
        () =>
          createExport(
            Array.from({ length: MAX_EXPORT_ENTRIES + 1 }, () => makeEntry()),
            PASSWORD,
            W,
          ),
        'too-large',
      ],
    ])('%s → %s', async (_name, run, code) => {
      await expectRefused(run, code, false);
    });
  });
});

describe('format 1 fixture (test/fixtures/export/v1.json)', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/export/v1.json', import.meta.url), 'utf8'),
  ) as {
    format: number;
    password: string;
    kdf: KdfCost;
    expected: Entry[];
    file: string;
  };

  it('still reads, and yields the vault fixture’s entries', async () => {
    expect(fixture.format).toBe(1);
    expect(inspectExport(fixture.file, { minKdf: fixture.kdf }).kdf).toMatchObject(fixture.kdf);
    const read = await readExport(fixture.file, fixture.password, { minKdf: fixture.kdf });
    expectSameEntries(read, fixture.expected);
    const vault = JSON.parse(
      readFileSync(new URL('../../fixtures/vault/v1.json', import.meta.url), 'utf8'),
    ) as {
      expected: Entry[];
    };
    expectSameEntries(read, vault.expected);
    // Importing it into the vault it came from changes nothing.
    const plan = planImport(vault.expected, read);
    expect(plan.identical).toEqual(vault.expected.map((e) => e.id));
    expect(plan.added.length + plan.conflicts.length).toBe(0);
  });
});

describe('planImport / applyImport', () => {
  const NOW = T0 + 1_000_000;
  let ids = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;
  const opts = { now: NOW, newId };

  /** Whether two values are deeply equal, as a boolean (entries hold secrets). */
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  it('new entries are added with their ids, source "imported" and an "imported" event', () => {
    const existing = [makeEntry()];
    const inc = makeEntry({ source: 'captured', prefix: 'dbk_live_1' });
    const plan = planImport(existing, [inc]);
    expect(plan.identical).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.added.map((e) => e.id)).toEqual([inc.id]);
    const out = applyImport(plan, { conflicts: 'skip' }, opts);
    expect(out.replace).toEqual([]);
    const [added] = out.add;
    expect(added?.id).toBe(inc.id);
    expect(added?.source).toBe('imported');
    expect(added?.secret === inc.secret).toBe(true);
    expect(added?.history).toEqual([...inc.history, { at: NOW, event: 'imported', detail: 'new' }]);
    expect(entryProblem(added)).toBeNull();
    // The input is not changed.
    expect(inc.source).toBe('captured');
    expect(inc.history).toHaveLength(1);
  });

  it('identical entries (same id and content; source and history ignored) need nothing', () => {
    const e = makeEntry();
    const inc = {
      ...e,
      source: 'imported' as const,
      history: [...e.history, { at: NOW, event: 'imported' }],
    };
    const plan = planImport([e], [inc]);
    expect(plan).toEqual({ added: [], identical: [e.id], conflicts: [] });
    for (const conflicts of ['skip', 'keep-both', 'replace'] as const) {
      expect(applyImport(plan, { conflicts }, opts)).toEqual({ add: [], replace: [] });
    }
  });

  it('re-importing an imported vault is all identical', async () => {
    const incoming = await readExport(good, PASSWORD, R);
    const { add } = applyImport(planImport([], incoming), { conflicts: 'skip' }, opts);
    expect(add.map((e) => e.id)).toEqual(ENTRIES.map((e) => e.id));
    const again = planImport(add, await readExport(good, PASSWORD, R));
    expect(again.identical).toEqual(ENTRIES.map((e) => e.id));
    expect(again.added).toEqual([]);
    expect(again.conflicts).toEqual([]);
  });

  it.each<[string, (e: Entry) => Partial<Entry>]>([
    ['name', () => ({ name: 'Renamed' })],
    ['secret', () => ({ secret: randomSecret() })],
    ['notes', () => ({ notes: 'changed' })],
    ['orgId', () => ({ orgId: 'org-2' })],
    ['environment', () => ({ environment: 'sandbox' })],
    ['prefix', () => ({ prefix: 'dbk_x' })],
    ['expiresAt', () => ({ expiresAt: T0 })],
    ['createdAt', () => ({ createdAt: T0 + 1 })],
    ['rotateAfterDays', () => ({ rotateAfterDays: 30 })],
    ['state', () => ({ state: 'retired' })],
    ['successorId', () => ({ successorId: crypto.randomUUID() })],
  ])('a different %s under the same id is a conflict by id', (_field, change) => {
    const e = makeEntry();
    const plan = planImport([e], [{ ...e, ...change(e) }]);
    expect(plan.added).toEqual([]);
    expect(plan.identical).toEqual([]);
    expect(plan.conflicts.map((c) => [c.existingId, c.reason])).toEqual([[e.id, 'id']]);
  });

  it('same host and non-empty prefix under another id is a conflict by prefix (host case-insensitive)', () => {
    const e = makeEntry({ prefix: 'dbk_live_7Fq' });
    const inc = makeEntry({ prefix: 'dbk_live_7Fq', host: 'APP.docbits.com' });
    const plan = planImport([e], [inc]);
    expect(plan.conflicts.map((c) => [c.incoming.id, c.existingId, c.reason])).toEqual([
      [inc.id, e.id, 'prefix'],
    ]);
    // No conflict: empty prefixes, or the same prefix on another host.
    expect(planImport([makeEntry()], [makeEntry()]).conflicts).toEqual([]);
    const elsewhere = makeEntry({ prefix: 'dbk_live_7Fq', host: 'docbits.intranet.example' });
    expect(planImport([e], [elsewhere]).added).toHaveLength(1);
  });

  it('the same secret under another id is a conflict by secret, ahead of a prefix match', () => {
    const bySecret = makeEntry();
    const byPrefix = makeEntry({ prefix: 'dbk_p' });
    const inc = makeEntry({ secret: bySecret.secret, prefix: 'dbk_p' });
    const plan = planImport([byPrefix, bySecret], [inc]);
    expect(plan.conflicts.map((c) => [c.existingId, c.reason])).toEqual([[bySecret.id, 'secret']]);
  });

  it('refuses incoming lists with repeated ids', () => {
    const e = makeEntry();
    expect(() => planImport([], [e, { ...e }])).toThrow(ExportError);
  });

  describe('conflict choices', () => {
    // One conflict of each kind, plus a new entry that links to the id-conflicting one.
    function setup() {
      const byId = makeEntry({ name: 'vault version' });
      const byPrefix = makeEntry({ prefix: 'dbk_pre' });
      const bySecret = makeEntry();
      const existing = [byId, byPrefix, bySecret];
      const incId = { ...byId, name: 'file version' };
      const incPrefix = makeEntry({ prefix: 'dbk_pre', name: 'prefix twin' });
      const incSecret = makeEntry({ secret: bySecret.secret, name: 'secret twin' });
      const fresh = makeEntry({ predecessorId: incId.id, successorId: incPrefix.id });
      const plan = planImport(existing, [incId, incPrefix, incSecret, fresh]);
      expect(plan.conflicts.map((c) => c.reason)).toEqual(['id', 'prefix', 'secret']);
      expect(plan.added.map((e) => e.id)).toEqual([fresh.id]);
      return { byId, byPrefix, bySecret, incId, incPrefix, incSecret, fresh, plan };
    }

    it('skip: only new entries; their links point to the vault entries the skipped ones matched', () => {
      const s = setup();
      const out = applyImport(s.plan, { conflicts: 'skip' }, opts);
      expect(out.replace).toEqual([]);
      expect(out.add.map((e) => e.id)).toEqual([s.fresh.id]);
      expect(out.add[0]?.predecessorId).toBe(s.byId.id);
      expect(out.add[0]?.successorId).toBe(s.byPrefix.id);
    });

    it('keep-both: conflicting entries are added under fresh ids, links follow them', () => {
      const s = setup();
      const out = applyImport(s.plan, { conflicts: 'keep-both' }, opts);
      expect(out.replace).toEqual([]);
      expect(out.add).toHaveLength(4);
      const kept = out.add.filter((e) => e.id !== s.fresh.id);
      const existingIds = new Set([s.byId.id, s.byPrefix.id, s.bySecret.id, s.incPrefix.id, s.incSecret.id]);
      for (const e of kept) {
        expect(isUuid(e.id)).toBe(true);
        expect(existingIds.has(e.id)).toBe(false);
        expect(e.source).toBe('imported');
        expect(e.history.at(-1)).toEqual({ at: NOW, event: 'imported', detail: 'keep-both' });
        expect(entryProblem(e)).toBeNull();
      }
      expect(kept.map((e) => e.name)).toEqual(['file version', 'prefix twin', 'secret twin']);
      const fresh = out.add.find((e) => e.id === s.fresh.id);
      expect(fresh?.predecessorId).toBe(kept[0]?.id);
      expect(fresh?.successorId).toBe(kept[1]?.id);
    });

    it('replace: the incoming content is written over the existing entry’s id', () => {
      const s = setup();
      const out = applyImport(s.plan, { conflicts: 'replace' }, opts);
      expect(out.add.map((e) => e.id)).toEqual([s.fresh.id]);
      expect(out.replace.map((e) => [e.id, e.name])).toEqual([
        [s.byId.id, 'file version'],
        [s.byPrefix.id, 'prefix twin'],
        [s.bySecret.id, 'secret twin'],
      ]);
      const secretTwin = out.replace[2];
      expect(secretTwin?.secret === s.incSecret.secret).toBe(true);
      for (const e of out.replace) {
        expect(e.source).toBe('imported');
        expect(e.history.at(-1)).toEqual({ at: NOW, event: 'imported', detail: 'replace' });
        expect(entryProblem(e)).toBeNull();
      }
      expect(out.add[0]?.predecessorId).toBe(s.byId.id);
      expect(out.add[0]?.successorId).toBe(s.byPrefix.id);
    });

    it('replace never writes one existing entry twice: later claimants are kept both', () => {
      const e = makeEntry({ prefix: 'dbk_same' });
      const sameId = { ...e, name: 'changed' };
      const samePrefix = makeEntry({ prefix: 'dbk_same' });
      const plan = planImport([e], [samePrefix, sameId]);
      expect(plan.conflicts.map((c) => c.reason)).toEqual(['prefix', 'id']);
      const out = applyImport(plan, { conflicts: 'replace' }, opts);
      // The id conflict is the exact match and wins; the prefix twin is added under a fresh id.
      expect(out.replace.map((x) => [x.id, x.name])).toEqual([[e.id, 'changed']]);
      expect(out.add).toHaveLength(1);
      expect(out.add[0]?.id === e.id || out.add[0]?.id === samePrefix.id).toBe(false);
      expect(out.add[0]?.history.at(-1)?.detail).toBe('keep-both');
      // And an existing entry that is identical to an incoming one is not replaced by a prefix twin.
      const twin = makeEntry({ prefix: 'dbk_same' });
      const plan2 = planImport([e], [e, twin]);
      const out2 = applyImport(plan2, { conflicts: 'replace' }, opts);
      expect(out2.replace).toEqual([]);
      expect(out2.add).toHaveLength(1);
    });

    it('a link that would point at the entry itself is cleared', () => {
      const a = makeEntry({ prefix: 'dbk_a' });
      const incA = makeEntry({ prefix: 'dbk_a' });
      const incB = makeEntry({ predecessorId: incA.id, secret: a.secret });
      // incB replaces a; incA also matches a, which is then taken, so incA is kept both.
      const plan: ImportPlan = {
        added: [],
        identical: [],
        conflicts: [{ incoming: incB, existingId: a.id, reason: 'secret' }],
      };
      plan.conflicts.push({ incoming: incA, existingId: a.id, reason: 'prefix' });
      const out = applyImport(plan, { conflicts: 'replace' }, opts);
      expect(out.replace[0]?.id).toBe(a.id);
      // incA was kept both (a was already claimed), so incB links to incA's new id, not to itself.
      expect(out.replace[0]?.predecessorId).toBe(out.add[0]?.id);
      const self = makeEntry();
      const selfPlan: ImportPlan = {
        added: [],
        identical: [],
        conflicts: [
          { incoming: { ...makeEntry(), successorId: self.id }, existingId: self.id, reason: 'prefix' },
        ],
      };
      expect(applyImport(selfPlan, { conflicts: 'replace' }, opts).replace[0]?.successorId).toBeNull();
    });

    it('does not change the plan or its entries', () => {
      const s = setup();
      const snapshot = JSON.stringify(s.plan);
      for (const conflicts of ['skip', 'keep-both', 'replace'] as const)
        applyImport(s.plan, { conflicts }, opts);
      expect(same(JSON.parse(snapshot), s.plan)).toBe(true);
    });
  });
});

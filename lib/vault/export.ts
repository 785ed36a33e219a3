/**
 * The encrypted export file, and planning an import from one. Pure logic: nothing here touches storage;
 * the vault service reads its entries, calls these functions and writes the result.
 *
 * ## Export format 1
 *
 * A UTF-8 JSON text (pure ASCII in practice):
 *
 * ```
 * {
 *   "kind": "keyguard-export",
 *   "format": 1,
 *   "createdAt": <epoch ms, whole number>,
 *   "kdf": {"alg": "argon2id", "memoryKiB": m, "iterations": t, "parallelism": p, "salt": <base64, 16 bytes>},
 *   "nonce": <base64, 24 bytes>,
 *   "ct": <base64, ciphertext‖16-byte tag>
 * }
 * ```
 *
 * `ct` is ONE XChaCha20-Poly1305 box over the UTF-8 JSON of `{"entries": [Entry, ...]}` (whole entries:
 * secret, notes, history, everything). Its key is derived by Argon2id from the NFC-normalised export
 * password with the file's own fresh salt and parameters (see `deriveKey`), so the file is self-contained
 * and independent of the vault's data key; the password may be the master password or a separate one (the
 * caller decides). The box's associated data is {@link exportAad}: it binds kind, format, createdAt and
 * every KDF parameter including the salt, so editing any header field makes the box fail to open.
 *
 * All byte strings are standard, padded, canonical base64. A newer format is refused, never guessed at.
 *
 * ## Reading is strict
 *
 * {@link readExport} treats the file as hostile, including after a successful decrypt (whoever knows the
 * export password can write any plaintext). It refuses, with an {@link ExportError} whose message names
 * the problem but never echoes file content: text over {@link MAX_EXPORT_BYTES} (before parsing), JSON
 * errors, anything that is not an export object, unknown versions, unknown or missing fields at every
 * level, `__proto__` / `constructor` / `prototype` keys at any depth, KDF parameters beyond KDF_LIMITS
 * or the export ceiling {@link MAX_EXPORT_KDF_MEMORY_KIB} / {@link MAX_EXPORT_KDF_WORK} (before deriving
 * anything) or below the floor, any decrypt failure (one generic message for a wrong
 * password and a tampered byte), more than {@link MAX_EXPORT_ENTRIES} entries, entries that the vault's
 * own field rules (ENTRY_CHECKS / entryProblem) refuse, histories over {@link MAX_HISTORY_EVENTS}, entries
 * too big for a vault box ({@link MAX_ENTRY_BYTES}), links from an entry to itself and duplicate ids.
 * What it returns are fresh plain objects built field by field, sharing nothing with the parsed JSON.
 *
 * Names, notes and history details are plain text and may contain anything the vault accepts, markup
 * included (`<script>` is a valid, if odd, key name): they are never interpreted here, and the UI renders
 * them as text (Preact escapes; design.md forbids innerHTML). Length limits still apply.
 */
import {
  base64ToBytes,
  bytesToBase64,
  DEFAULT_KDF,
  deriveKey,
  KDF_LIMITS,
  type KdfCost,
  type KdfParams,
  MIN_KDF,
  meetsKdfFloor,
  NONCE_BYTES,
  open,
  randomBytes,
  seal,
  TAG_BYTES,
  utf8Decode,
  utf8Encode,
} from './crypto';
import type { Entry, HistoryEvent } from './model';
import { ENTRY_CHECKS, entryProblem, isRecord } from './validate';

/** The export format version this build writes, and the only one it reads. */
export const EXPORT_FORMAT = 1;
/** The `kind` every export file carries, so other JSON files are told apart from exports. */
export const EXPORT_KIND = 'keyguard-export';
/**
 * The largest export text accepted (20 MiB), checked before parsing. A valid export is ASCII, so this
 * is also its size in bytes; callers reading a File should compare `file.size` with it before reading.
 */
export const MAX_EXPORT_BYTES = 20 * 1024 * 1024;
/** The most entries one export may hold. */
export const MAX_EXPORT_ENTRIES = 10_000;
/** The longest history one imported entry may carry. */
export const MAX_HISTORY_EVENTS = 10_000;
/**
 * The largest entry (UTF-8 JSON as the vault seals it) accepted. The vault refuses entry boxes over 1 MiB
 * of ciphertext (format.ts, parseEntryBox); this keeps 1 KiB below that so the import's own history event
 * still fits, and an import can never write a box the vault would later refuse to open.
 */
export const MAX_ENTRY_BYTES = (1 << 20) - TAG_BYTES - 1024;

/**
 * Export files get a tighter KDF ceiling than a vault header (KDF_LIMITS allows 1 GiB): an export comes
 * from outside, possibly from someone else, so a hostile one must not make KeyGuard allocate a gigabyte or
 * spin for minutes. At most 256 MiB of memory, and at most 1 GiB·pass of work (memory × iterations, e.g.
 * 256 MiB × 4 or 64 MiB × 16): about five times DEFAULT_KDF's cost. createExport holds itself to the same
 * bounds, so it never writes a file it would refuse to read.
 */
export const MAX_EXPORT_KDF_MEMORY_KIB = 256 * 1024;
/** The largest memoryKiB × iterations an export's KDF may ask for; see {@link MAX_EXPORT_KDF_MEMORY_KIB}. */
export const MAX_EXPORT_KDF_WORK = 1024 * 1024;

/** Salt length for new export files. */
const SALT_BYTES = 16;
/** Parsed JSON never needs more nesting than this (payload → entries → entry → history → event). */
const MAX_DEPTH = 8;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type ExportErrorCode =
  | 'too-large'
  | 'not-json'
  | 'not-export'
  | 'version'
  | 'malformed'
  | 'kdf'
  | 'password'
  | 'entries';

/**
 * Why an export could not be written or read. The message is meant for the user: it names the problem,
 * never a secret, a password or anything copied from the file.
 */
export class ExportError extends Error {
  readonly code: ExportErrorCode;
  /** The key in the file (1-based) a refusal is about, if one. */
  readonly key: number | undefined;
  constructor(code: ExportErrorCode, message: string, key?: number) {
    super(message);
    this.name = 'ExportError';
    this.code = code;
    this.key = key;
  }
}

/** The one message for every decrypt failure: a wrong password and a changed file are indistinguishable. */
export const WRONG_PASSWORD_MESSAGE = 'Wrong password, or the file was changed.';

const wrongPassword = () => new ExportError('password', WRONG_PASSWORD_MESSAGE);
const malformed = (what: string) =>
  new ExportError('malformed', `The export file is damaged or incomplete: ${what}.`);
const badEntries = (what: string) =>
  new ExportError('entries', `The file opened, but its contents are not valid: ${what}.`);

/** The KDF parameters as written in an export header (salt as base64). */
export interface ExportKdf {
  alg: 'argon2id';
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: string;
}

/** An export file's header, as {@link inspectExport} returns it. */
export interface ExportHeader {
  kind: typeof EXPORT_KIND;
  format: typeof EXPORT_FORMAT;
  createdAt: number;
  kdf: ExportKdf;
  nonce: string;
  ct: string;
}

/**
 * The canonical associated data of the export box: binds kind, format, createdAt and every KDF parameter
 * including the salt. Part of export format 1; must never be edited.
 */
export function exportAad(createdAt: number, kdf: ExportKdf): Uint8Array {
  return utf8Encode(
    `${EXPORT_KIND}/v${EXPORT_FORMAT}/created:${createdAt}/argon2id:m=${kdf.memoryKiB},t=${kdf.iterations},p=${kdf.parallelism},salt=${kdf.salt}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Structure helpers. Parsed JSON is read only through own properties, never through the prototype chain.

function own(v: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(v, k) ? v[k] : undefined;
}

/** Whether `v` has exactly the keys `keys` (as own properties). */
function hasExactKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  const actual = Object.keys(v);
  return actual.length === keys.length && keys.every((k) => Object.hasOwn(v, k));
}

/**
 * Walks parsed JSON without recursion: refuses nesting deeper than {@link MAX_DEPTH} and the keys
 * `__proto__`, `constructor` and `prototype` anywhere. Returns a problem description, or null.
 */
function hostileStructure(root: unknown): string | null {
  const stack: [unknown, number][] = [[root, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH) return 'it is nested too deeply';
    if (Array.isArray(v)) {
      for (const x of v) stack.push([x, depth + 1]);
    } else {
      const rec = v as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        // Checked before reading: rec['__proto__'] would read the prototype, not the own value.
        if (FORBIDDEN_KEYS.has(k)) return 'it contains a forbidden field name';
        stack.push([rec[k], depth + 1]);
      }
    }
  }
  return null;
}

function isWholeIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Whether `cost` is a structurally valid Argon2id cost within KDF_LIMITS and the export ceiling. */
function costInLimits(cost: KdfCost): boolean {
  return (
    isWholeIn(cost.parallelism, 1, KDF_LIMITS.maxParallelism) &&
    // Argon2 needs at least 8 KiB per lane.
    isWholeIn(
      cost.memoryKiB,
      8 * cost.parallelism,
      Math.min(KDF_LIMITS.maxMemoryKiB, MAX_EXPORT_KDF_MEMORY_KIB),
    ) &&
    isWholeIn(cost.iterations, 1, KDF_LIMITS.maxIterations) &&
    cost.memoryKiB * cost.iterations <= MAX_EXPORT_KDF_WORK
  );
}

// ---------------------------------------------------------------------------------------------------------
// Entries

const ENTRY_KEYS = Object.keys(ENTRY_CHECKS) as (keyof Entry)[];
const HISTORY_KEYS: ReadonlySet<string> = new Set(['at', 'event', 'detail']);

function copyEvent(h: HistoryEvent): HistoryEvent {
  return h.detail === undefined
    ? { at: h.at, event: h.event }
    : { at: h.at, event: h.event, detail: h.detail };
}

/** A fresh entry holding only the Entry fields of `e`, in the order the vault seals them. */
function copyEntry(e: Entry): Entry {
  return {
    id: e.id,
    name: e.name,
    secret: e.secret,
    notes: e.notes,
    host: e.host,
    orgId: e.orgId,
    environment: e.environment,
    prefix: e.prefix,
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
    rotateAfterDays: e.rotateAfterDays,
    state: e.state,
    source: e.source,
    successorId: e.successorId,
    predecessorId: e.predecessorId,
    history: e.history.map(copyEvent),
  };
}

/** Only the Entry fields (and history event fields) that `v` has as own properties; anything else as is. */
function pickEntry(v: unknown): unknown {
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of ENTRY_KEYS) {
    if (Object.hasOwn(v, k)) out[k] = v[k];
  }
  if (Array.isArray(out.history)) {
    out.history = out.history.map((ev: unknown) => {
      if (!isRecord(ev)) return ev;
      const picked: Record<string, unknown> = {};
      for (const k of HISTORY_KEYS) if (Object.hasOwn(ev, k) && ev[k] !== undefined) picked[k] = ev[k];
      return picked;
    });
  }
  return out;
}

/**
 * Checks one entry strictly and returns a fresh copy, or a problem description naming the field but
 * never its value. Extra keys are refused here with Object.hasOwn (before entryProblem, whose messages
 * for unknown keys would name them, and whose `in` test would let inherited names like `toString` pass).
 */
function checkEntry(v: unknown): Entry | string {
  if (!isRecord(v)) return 'it is not an object';
  for (const k of Object.keys(v)) {
    if (!Object.hasOwn(ENTRY_CHECKS, k)) return 'it has an unknown field';
  }
  const history = own(v, 'history');
  if (Array.isArray(history)) {
    if (history.length > MAX_HISTORY_EVENTS) return `its history has more than ${MAX_HISTORY_EVENTS} events`;
    for (const ev of history) {
      if (isRecord(ev) && Object.keys(ev).some((k) => !HISTORY_KEYS.has(k))) {
        return 'a history event has an unknown field';
      }
    }
  }
  for (const k of ENTRY_KEYS) {
    if (!Object.hasOwn(v, k)) return `it is missing ${k}`;
  }
  const problem = entryProblem(v);
  if (problem !== null) return problem;
  const entry = copyEntry(v as unknown as Entry);
  if (entry.successorId === entry.id || entry.predecessorId === entry.id) {
    return 'it names itself as its own successor or predecessor';
  }
  if (utf8Encode(JSON.stringify(entry)).length > MAX_ENTRY_BYTES) return 'it is too large';
  return entry;
}

/** Checks a list of entries (count, each entry, unique ids) and returns fresh copies. */
function checkEntries(list: unknown, normalise: (e: Entry) => Entry): Entry[] {
  if (!Array.isArray(list)) throw badEntries('the key list is missing');
  if (list.length > MAX_EXPORT_ENTRIES) {
    throw new ExportError('too-large', `The file holds more than ${MAX_EXPORT_ENTRIES} keys.`);
  }
  const ids = new Set<string>();
  const out: Entry[] = [];
  for (let i = 0; i < list.length; i++) {
    const checked = checkEntry(list[i]);
    if (typeof checked === 'string') {
      throw new ExportError('entries', `Key ${i + 1} in the file is not valid: ${checked}.`, i + 1);
    }
    if (ids.has(checked.id)) {
      throw new ExportError('entries', `Key ${i + 1} in the file has the same id as an earlier one.`, i + 1);
    }
    ids.add(checked.id);
    out.push(normalise(checked));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/**
 * Writes an export file: `entries` sealed in one box under a key derived from `password` with a fresh
 * salt and `opts.kdf` (default DEFAULT_KDF).
 *
 * The entries are checked with the same rules {@link readExport} applies, so a file this writes can
 * always be read back; only the Entry fields are written (stray properties are dropped).
 *
 * @param opts.kdf Argon2id cost; must be within KDF_LIMITS and at least `opts.minKdf` (default MIN_KDF;
 *   only tests lower it).
 * @param opts.now the file's createdAt, epoch ms (default Date.now()).
 * @throws ExportError 'password' (empty password), 'kdf', 'entries', 'too-large'
 */
export async function createExport(
  entries: Entry[],
  password: string,
  opts: { kdf?: KdfCost; now?: number; minKdf?: KdfCost } = {},
): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new ExportError('password', 'Choose a password for the export file.');
  }
  const cost = opts.kdf ?? DEFAULT_KDF;
  if (!costInLimits(cost)) throw new ExportError('kdf', 'The key-derivation settings are out of range.');
  if (!meetsKdfFloor(cost, opts.minKdf ?? MIN_KDF)) {
    throw new ExportError('kdf', 'The key-derivation settings are weaker than KeyGuard allows.');
  }
  const createdAt = opts.now ?? Date.now();
  if (!isWholeIn(createdAt, 0, Number.MAX_SAFE_INTEGER)) {
    throw new RangeError('createdAt must be a whole number of milliseconds');
  }
  if (!Array.isArray(entries)) throw new TypeError('entries must be an array');
  // Pick the Entry fields first (dropping stray properties of the caller's objects), then check exactly
  // what will be written, with the rules readExport applies.
  const clean = checkEntries(entries.map(pickEntry), (e) => e);
  const plain = utf8Encode(JSON.stringify({ entries: clean }));
  const tooLarge = () =>
    new ExportError('too-large', 'The export would be larger than KeyGuard can import (20 MiB).');
  // Base64 of the box, plus a generous allowance for the header; checked again exactly below.
  if (4 * Math.ceil((plain.length + TAG_BYTES) / 3) + 1024 > MAX_EXPORT_BYTES) throw tooLarge();

  const params: KdfParams = {
    alg: 'argon2id',
    memoryKiB: cost.memoryKiB,
    iterations: cost.iterations,
    parallelism: cost.parallelism,
    salt: randomBytes(SALT_BYTES),
  };
  const kdf: ExportKdf = {
    alg: 'argon2id',
    memoryKiB: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    salt: bytesToBase64(params.salt),
  };
  const key = await deriveKey(password, params);
  let box: { nonce: Uint8Array; ct: Uint8Array };
  try {
    box = seal(key, plain, exportAad(createdAt, kdf));
  } finally {
    key.fill(0);
  }
  const header: ExportHeader = {
    kind: EXPORT_KIND,
    format: EXPORT_FORMAT,
    createdAt,
    kdf,
    nonce: bytesToBase64(box.nonce),
    ct: bytesToBase64(box.ct),
  };
  const text = `${JSON.stringify(header, null, 2)}\n`;
  if (text.length > MAX_EXPORT_BYTES) throw tooLarge();
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Reading

function decodeB64(v: unknown, min: number, max: number): Uint8Array | null {
  if (typeof v !== 'string') return null;
  try {
    const bytes = base64ToBytes(v);
    return bytes.length >= min && bytes.length <= max ? bytes : null;
  } catch {
    return null;
  }
}

interface ParsedHeader {
  header: ExportHeader;
  params: KdfParams;
  nonce: Uint8Array;
  ct: Uint8Array;
}

function parseHeader(text: unknown, minKdf: KdfCost): ParsedHeader {
  if (typeof text === 'string' && text.length > MAX_EXPORT_BYTES) {
    throw new ExportError('too-large', 'The file is too large to be a KeyGuard export (over 20 MiB).');
  }
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ExportError('not-json', 'The file is empty.');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the file.
    throw new ExportError(
      'not-json',
      'The file is not a KeyGuard export: it is not valid JSON (it may be truncated).',
    );
  }
  if (!isRecord(doc) || own(doc, 'kind') !== EXPORT_KIND) {
    throw new ExportError('not-export', 'The file is not a KeyGuard export.');
  }
  const format = own(doc, 'format');
  if (typeof format === 'number' && Number.isInteger(format) && format > EXPORT_FORMAT) {
    throw new ExportError(
      'version',
      'The file was made by a newer version of KeyGuard. Update KeyGuard to import it.',
    );
  }
  if (format !== EXPORT_FORMAT) {
    throw new ExportError('version', 'The file has an unknown export format version.');
  }
  const hostile = hostileStructure(doc);
  if (hostile) throw malformed(hostile);
  if (!hasExactKeys(doc, ['kind', 'format', 'createdAt', 'kdf', 'nonce', 'ct'])) {
    throw malformed('it has missing or unknown fields');
  }
  const createdAt = own(doc, 'createdAt');
  if (!isWholeIn(createdAt, 0, Number.MAX_SAFE_INTEGER)) throw malformed('its date is not valid');

  const kdf = own(doc, 'kdf');
  const badKdf = () =>
    new ExportError(
      'kdf',
      'The file’s key-derivation settings are missing or out of range; it was not made by KeyGuard, or it was changed.',
    );
  if (!isRecord(kdf) || !hasExactKeys(kdf, ['alg', 'memoryKiB', 'iterations', 'parallelism', 'salt'])) {
    throw badKdf();
  }
  if (own(kdf, 'alg') !== 'argon2id') throw badKdf();
  const cost = {
    memoryKiB: own(kdf, 'memoryKiB'),
    iterations: own(kdf, 'iterations'),
    parallelism: own(kdf, 'parallelism'),
  } as KdfCost;
  // Bounds before anything is derived: a hostile file must not make us allocate gigabytes or spin.
  if (!costInLimits(cost)) throw badKdf();
  const salt = decodeB64(own(kdf, 'salt'), KDF_LIMITS.minSaltBytes, KDF_LIMITS.maxSaltBytes);
  if (!salt) throw badKdf();
  if (!meetsKdfFloor(cost, minKdf)) {
    throw new ExportError(
      'kdf',
      'The file’s key-derivation settings are weaker than KeyGuard accepts, so it is refused.',
    );
  }
  const nonce = decodeB64(own(doc, 'nonce'), NONCE_BYTES, NONCE_BYTES);
  if (!nonce) throw malformed('its nonce is not valid');
  const ct = decodeB64(own(doc, 'ct'), TAG_BYTES + 1, MAX_EXPORT_BYTES);
  if (!ct) throw malformed('its encrypted contents are not valid');
  const storedKdf: ExportKdf = {
    alg: 'argon2id',
    memoryKiB: cost.memoryKiB,
    iterations: cost.iterations,
    parallelism: cost.parallelism,
    salt: own(kdf, 'salt') as string,
  };
  return {
    header: {
      kind: EXPORT_KIND,
      format: EXPORT_FORMAT,
      createdAt,
      kdf: storedKdf,
      nonce: own(doc, 'nonce') as string,
      ct: own(doc, 'ct') as string,
    },
    params: { alg: 'argon2id', ...cost, salt },
    nonce,
    ct,
  };
}

/**
 * Checks an export file's header without a password (cheap: no key derivation), so the UI can refuse a
 * file that is not an export, or show when it was made, before asking for the password.
 *
 * @throws ExportError 'too-large' | 'not-json' | 'not-export' | 'version' | 'malformed' | 'kdf'
 */
export function inspectExport(text: string, opts: { minKdf?: KdfCost } = {}): ExportHeader {
  return parseHeader(text, opts.minKdf ?? MIN_KDF).header;
}

/**
 * Reads an export file: checks the header, derives the key, opens the box and strictly checks every
 * entry. Returns fresh entries, exactly as they were exported (hosts lower-cased, as the vault keeps them).
 *
 * @param opts.minKdf the weakest KDF cost accepted (default MIN_KDF; only tests lower it).
 * @throws ExportError with the codes listed in {@link ExportErrorCode}; nothing is returned on any error.
 */
export async function readExport(
  text: string,
  password: string,
  opts: { minKdf?: KdfCost } = {},
): Promise<Entry[]> {
  const { header, params, nonce, ct } = parseHeader(text, opts.minKdf ?? MIN_KDF);
  // createExport never writes a file with an empty password, so none can open one.
  if (typeof password !== 'string' || password.length === 0) throw wrongPassword();
  let key: Uint8Array;
  try {
    key = await deriveKey(password, params);
  } catch {
    throw new ExportError('kdf', 'The file’s key-derivation settings could not be used.');
  }
  let plain: Uint8Array;
  try {
    plain = open(key, nonce, ct, exportAad(header.createdAt, header.kdf));
  } catch {
    throw wrongPassword();
  } finally {
    key.fill(0);
  }
  return parsePayload(plain);
}

/** The decrypted payload `{"entries": [...]}`, checked strictly. */
function parsePayload(plain: Uint8Array): Entry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(utf8Decode(plain));
  } catch {
    throw badEntries('it is not valid JSON text');
  }
  const hostile = hostileStructure(doc);
  if (hostile) throw badEntries(hostile);
  if (!isRecord(doc) || !hasExactKeys(doc, ['entries'])) throw badEntries('it is not a list of keys');
  return checkEntries(own(doc, 'entries'), (e) => {
    // The vault keeps hosts in lower case (VaultService.add); host names are case-insensitive.
    e.host = e.host.toLowerCase();
    return e;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Import planning

/** Why an incoming entry conflicts with an existing one. */
export type ConflictReason =
  /** Same id, different content. */
  | 'id'
  /** Different id, same host and the same non-empty prefix (DocBits' name for the key). */
  | 'prefix'
  /** Different id, the very same secret. */
  | 'secret';

export interface ImportConflict {
  incoming: Entry;
  existingId: string;
  reason: ConflictReason;
}

/** A dry-run summary of an import; see {@link planImport}. */
export interface ImportPlan {
  /** Incoming entries that match nothing in the vault. */
  added: Entry[];
  /** Ids of incoming entries whose content equals the vault's entry with the same id. */
  identical: string[];
  conflicts: ImportConflict[];
}

export type ConflictChoice = 'skip' | 'keep-both' | 'replace';

/** The fields compared for "identical": all content; not `source` or `history` (import changes both). */
const CONTENT_KEYS = [
  'name',
  'secret',
  'notes',
  'host',
  'orgId',
  'environment',
  'prefix',
  'createdAt',
  'expiresAt',
  'rotateAfterDays',
  'state',
  'successorId',
  'predecessorId',
] as const satisfies readonly (keyof Entry)[];

function sameContent(a: Entry, b: Entry): boolean {
  return CONTENT_KEYS.every((k) =>
    k === 'host' ? a.host.toLowerCase() === b.host.toLowerCase() : a[k] === b[k],
  );
}

function hostPrefixKey(e: Entry): string | null {
  return e.prefix === '' ? null : `${e.host.toLowerCase()}\n${e.prefix}`;
}

/**
 * Compares incoming entries (from {@link readExport}) with the vault's, without changing anything. Each
 * incoming entry lands in exactly one place, matched in this order:
 *
 * 1. an existing entry with the same id: `identical` when the content (every field but `source` and
 *    `history`) is equal, else a conflict 'id';
 * 2. an existing entry with a different id and the same secret: conflict 'secret';
 * 3. an existing entry with the same host and the same non-empty prefix: conflict 'prefix';
 * 4. otherwise `added`.
 *
 * @throws ExportError 'entries' when `incoming` repeats an id (readExport never returns such a list).
 */
export function planImport(existing: Entry[], incoming: Entry[]): ImportPlan {
  const byId = new Map<string, Entry>();
  const bySecret = new Map<string, Entry>();
  const byPrefix = new Map<string, Entry>();
  for (const e of existing) {
    byId.set(e.id, e);
    if (!bySecret.has(e.secret)) bySecret.set(e.secret, e);
    const key = hostPrefixKey(e);
    if (key !== null && !byPrefix.has(key)) byPrefix.set(key, e);
  }
  const plan: ImportPlan = { added: [], identical: [], conflicts: [] };
  const seen = new Set<string>();
  for (const inc of incoming) {
    if (seen.has(inc.id)) throw new ExportError('entries', 'The keys to import repeat an id.');
    seen.add(inc.id);
    const sameId = byId.get(inc.id);
    if (sameId) {
      if (sameContent(inc, sameId)) plan.identical.push(inc.id);
      else plan.conflicts.push({ incoming: inc, existingId: sameId.id, reason: 'id' });
      continue;
    }
    const sameSecret = bySecret.get(inc.secret);
    if (sameSecret) {
      plan.conflicts.push({ incoming: inc, existingId: sameSecret.id, reason: 'secret' });
      continue;
    }
    const key = hostPrefixKey(inc);
    const samePrefix = key === null ? undefined : byPrefix.get(key);
    if (samePrefix) {
      plan.conflicts.push({ incoming: inc, existingId: samePrefix.id, reason: 'prefix' });
      continue;
    }
    plan.added.push(inc);
  }
  return plan;
}

/**
 * What the caller should write for a confirmed import: `add` are new entries (ids not in the vault),
 * `replace` are entries to write over the existing entry with the same id. Identical entries need nothing.
 *
 * - Every written entry gets source 'imported' and a history event `{at: now, event: 'imported', detail}`
 *   with detail 'new', 'keep-both' or 'replace' (its 'created' event still says how it first came to be).
 * - 'skip' writes nothing for conflicts. 'keep-both' adds the incoming entry under a fresh id. 'replace'
 *   writes the incoming content under the existing entry's id; when that existing entry is already taken
 *   (by an identical entry, by an id conflict, or by an earlier replace), the conflict is kept both instead,
 *   so no existing entry is written twice.
 * - successorId/predecessorId links between imported entries follow the ids they end up with (a skipped
 *   entry's links point to the vault entry it matched); a link that would point to the entry itself is
 *   cleared.
 *
 * @param opts.now the time for the history events (default Date.now()); opts.newId makes fresh ids
 *   (default crypto.randomUUID).
 */
export function applyImport(
  plan: ImportPlan,
  choice: { conflicts: ConflictChoice },
  opts: { now?: number; newId?: () => string } = {},
): { add: Entry[]; replace: Entry[] } {
  const now = opts.now ?? Date.now();
  const newId = opts.newId ?? (() => crypto.randomUUID());
  /** Incoming id → the id its content ends up under in the vault. */
  const idMap = new Map<string, string>();
  const claimed = new Set<string>(plan.identical);
  type Pending = { entry: Entry; id: string; detail: 'new' | 'keep-both' | 'replace' };
  const adds: Pending[] = plan.added.map((entry) => ({ entry, id: entry.id, detail: 'new' }));
  const replaces: Pending[] = [];
  // Id conflicts first: they are the exact matches, so they get first claim on their existing entry.
  const conflicts = [...plan.conflicts].sort((a, b) => Number(a.reason !== 'id') - Number(b.reason !== 'id'));
  for (const c of conflicts) {
    if (choice.conflicts === 'skip') {
      idMap.set(c.incoming.id, c.existingId);
    } else if (choice.conflicts === 'replace' && !claimed.has(c.existingId)) {
      claimed.add(c.existingId);
      idMap.set(c.incoming.id, c.existingId);
      replaces.push({ entry: c.incoming, id: c.existingId, detail: 'replace' });
    } else {
      const id = newId();
      idMap.set(c.incoming.id, id);
      adds.push({ entry: c.incoming, id, detail: 'keep-both' });
    }
  }
  const build = ({ entry, id, detail }: Pending): Entry => {
    const out = copyEntry(entry);
    const link = (v: string | null): string | null => {
      const to = v === null ? null : (idMap.get(v) ?? v);
      return to === id ? null : to;
    };
    out.id = id;
    out.source = 'imported';
    out.successorId = link(entry.successorId);
    out.predecessorId = link(entry.predecessorId);
    out.history = [...out.history, { at: now, event: 'imported', detail }].slice(-MAX_HISTORY_EVENTS);
    return out;
  };
  return { add: adds.map(build), replace: replaces.map(build) };
}

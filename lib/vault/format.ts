/**
 * The versioned on-disk vault format.
 *
 * ## Format 1
 *
 * IndexedDB database `keyguard`, object stores (see store.ts):
 *
 * - `meta`, key `header` → {@link VaultHeader}:
 *   `{format: 1, vaultId, kdf: {alg: 'argon2id', memoryKiB, iterations, parallelism, salt}, wrappedKey: {nonce, ct}}`.
 *   The data key is 32 random bytes. `wrappedKey` is that key sealed with XChaCha20-Poly1305 under the
 *   key that Argon2id derives from the NFC-normalised UTF-8 master password with the stored parameters
 *   (hash length 32, no secret, no associated data). Its AAD is {@link headerAad}: it binds the vault id,
 *   the format version and every KDF parameter including the salt, so none of them can be edited
 *   without unwrapping failing.
 * - `entries`, one {@link EntryBox} per entry: `{id, format: 1, nonce, ct}`. The plaintext is the UTF-8
 *   JSON of the whole {@link Entry} (secret, name, notes, history, everything), sealed under the data key
 *   with a fresh random 24-byte nonce and AAD {@link entryAad} =
 *   `keyguard/v1/vault:<vaultId>/entry:<id>`, so a box only opens in its own vault under its own id and
 *   cannot be swapped or replayed between entries or vaults.
 * - `index`, one {@link IndexRecord} per entry, in the clear: exactly what reminders and page matching
 *   need while locked (design.md, "What is in the clear"). It is not authenticated; `verify()` checks it
 *   against the decrypted entries and it can always be rebuilt from them.
 * - `meta`, key {@link CATALOG_META_KEY} (`catalog`), optional → {@link CatalogBox}:
 *   `{format: 1, nonce, ct}`. The entry catalog, so listing a large vault opens one box instead of one per
 *   entry. Its plaintext is the UTF-8 JSON array of {@link CatalogItem} `{boxNonce, summary}`: every
 *   entry's {@link EntrySummary} (never its secret, never its history) and the nonce of the entry box that
 *   summary was taken from. Sealed under the data key with a fresh random nonce on every write and AAD
 *   {@link catalogAad} = `keyguard/v1/vault:<vaultId>/catalog`, so it only opens in its own vault and can
 *   never pass for an entry box (or the other way round).
 *
 *   The catalog is DERIVED data: the entry boxes stay the only source of truth, and a catalog can always
 *   be rebuilt from them. That is why adding it did not change the format version: a format-1 vault
 *   without one (made before the catalog existed, or just migrated: {@link migrateStored} drops it) is
 *   valid, and the service rebuilds and stores it on first use. The service rewrites it in the same
 *   IndexedDB transaction as every entry write and delete, so after an acknowledged write it is never out
 *   of step with the boxes; a write that finds the stored catalog missing, undecryptable or not naming
 *   exactly the stored boxes and their nonces rebuilds it from the boxes first. `verify()` checks it
 *   against the decrypted entries, including each `boxNonce`, which is how a stale catalog shows.
 *
 *   Limit: whoever can write the profile's IndexedDB can replace the catalog by an older authentic one
 *   (as they can replace a box by an older one of the same entry: its AAD binds vault and entry id, not a
 *   version). `list()` trusts any catalog that opens, so it then shows stale summaries until the next
 *   write; `get()` always opens the entry's own box, and `verify()` reports the mismatch. Binding a write
 *   counter into the AAD would not help: the counter would live in the same database and roll back with
 *   it. Detecting a whole-database rollback needs state outside the database, which the vault does not
 *   have. The same applies to a build from before the catalog writing to the vault (a downgrade): it
 *   leaves the catalog stale until this build's next write.
 *
 * All byte strings are standard, padded, canonical base64. `ct` is ciphertext followed by the 16-byte tag.
 *
 * ## Versions and migrations
 *
 * {@link FORMAT_VERSION} is the version this build writes and reads. Older stored data is brought up to
 * it by numbered {@link Migration} steps (`from: n, to: n + 1`) run by {@link migrateStored}; each step
 * gets a fixture under test/fixtures/vault and a test. Data from a newer version is refused, never
 * guessed at.
 */
import {
  base64ToBytes,
  bytesToBase64,
  DecryptError,
  KDF_LIMITS,
  type KdfParams,
  KEY_BYTES,
  NONCE_BYTES,
  open,
  seal,
  TAG_BYTES,
  utf8Decode,
  utf8Encode,
} from './crypto';
import type { Entry, EntrySummary, IndexRecord, Observed } from './model';
import { ENTRY_CHECKS, entryProblem, isRecord, isUuid } from './validate';

/** The format version this build writes, and the only one it opens without migrating. */
export const FORMAT_VERSION = 1;

/** `meta` key of the optional, derived, encrypted entry catalog ({@link CatalogBox}). */
export const CATALOG_META_KEY = 'catalog';

/** Thrown by the parsers and the migration framework for data that is not a valid vault. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

/** KDF parameters as stored in the header (salt as base64). */
export interface StoredKdf {
  alg: 'argon2id';
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  /** Base64, 16..64 bytes. */
  salt: string;
}

/** A sealed box: base64 nonce (24 bytes) and base64 ciphertext‖tag. */
export interface SealedBox {
  nonce: string;
  ct: string;
}

/** The vault header, stored under `meta`/`header`. */
export interface VaultHeader {
  format: typeof FORMAT_VERSION;
  /** Random UUID naming this vault; part of every AAD. */
  vaultId: string;
  kdf: StoredKdf;
  /** The data key sealed under the password-derived key; ct is 32 + 16 bytes. */
  wrappedKey: SealedBox;
}

/** One encrypted entry as stored in the `entries` object store. */
export interface EntryBox extends SealedBox {
  id: string;
  format: typeof FORMAT_VERSION;
}

/** The encrypted entry catalog as stored under `meta`/{@link CATALOG_META_KEY}. */
export interface CatalogBox extends SealedBox {
  format: typeof FORMAT_VERSION;
}

/** One entry in the catalog's plaintext. */
export interface CatalogItem {
  /** The nonce of the entry box this summary was taken from: a box rewritten since has another one. */
  boxNonce: string;
  summary: EntrySummary;
}

/**
 * A whole stored vault in plain data: what the store dumps and loads, what migrations transform, and what
 * a fixture file holds. Records stay `unknown` because they come from disk and may be of any version.
 */
export interface StoredVault {
  /** The `meta` store as key → value; `header` holds the vault header. */
  meta: Record<string, unknown>;
  entries: unknown[];
  index: unknown[];
}

/** One numbered migration step. Steps must not mutate their input (they receive a private copy). */
export interface Migration {
  from: number;
  to: number;
  migrate(stored: StoredVault): StoredVault | Promise<StoredVault>;
}

/**
 * The real migration steps, oldest first. Format 1 is the first format, so there are none yet; when
 * format 2 arrives, add `{from: 1, to: 2, migrate}` here together with test/fixtures/vault/v1.json tests.
 */
export const migrations: readonly Migration[] = [];

const MAX_WRAPPED_CT = KEY_BYTES + TAG_BYTES;

/**
 * The canonical AAD of the wrapped data key. Changing the string changes every header's AAD, so it is
 * part of format 1 and must never be edited.
 */
export function headerAad(vaultId: string, kdf: StoredKdf): Uint8Array {
  return utf8Encode(
    `keyguard/v${FORMAT_VERSION}/vault:${vaultId}/key/argon2id:m=${kdf.memoryKiB},t=${kdf.iterations},p=${kdf.parallelism},salt=${kdf.salt}`,
  );
}

/** The canonical AAD of an entry box: binds vault, entry id and format version. Part of format 1. */
export function entryAad(vaultId: string, entryId: string): Uint8Array {
  return utf8Encode(`keyguard/v${FORMAT_VERSION}/vault:${vaultId}/entry:${entryId}`);
}

/**
 * The canonical AAD of the entry catalog: binds vault and format version, and says "catalog" where an
 * entry box says "entry:<id>", so neither can be opened as the other. Part of format 1.
 */
export function catalogAad(vaultId: string): Uint8Array {
  return utf8Encode(`keyguard/v${FORMAT_VERSION}/vault:${vaultId}/catalog`);
}

function exactKeys(v: Record<string, unknown>, keys: readonly string[], what: string): void {
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw new FormatError(`${what} has an unknown field "${k}"`);
  }
  for (const k of keys) {
    if (!(k in v)) throw new FormatError(`${what} is missing "${k}"`);
  }
}

function checkVersion(format: unknown, what: string): void {
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 0) {
    throw new FormatError(`${what} has no valid format version`);
  }
  if (format > FORMAT_VERSION) {
    throw new FormatError(
      `${what} uses format version ${format}, which is newer than this KeyGuard supports (${FORMAT_VERSION})`,
    );
  }
  if (format !== FORMAT_VERSION) {
    throw new FormatError(
      `${what} uses old format version ${format}; it must be migrated to ${FORMAT_VERSION} first`,
    );
  }
}

function intIn(v: unknown, min: number, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FormatError(`${what} must be a whole number in ${min}..${max}`);
  }
  return v;
}

function decodeB64(v: unknown, min: number, max: number, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(v as string);
  } catch {
    throw new FormatError(`${what} must be canonical base64`);
  }
  if (bytes.length < min || bytes.length > max) {
    throw new FormatError(
      min === max ? `${what} must be ${min} bytes` : `${what} must be ${min}..${max} bytes`,
    );
  }
  return bytes;
}

function b64(v: unknown, min: number, max: number, what: string): string {
  decodeB64(v, min, max, what);
  return v as string;
}

/** Validates stored KDF parameters (bounds included) and returns a clean copy. */
export function parseStoredKdf(v: unknown): StoredKdf {
  if (!isRecord(v)) throw new FormatError('Vault header kdf must be an object');
  exactKeys(v, ['alg', 'memoryKiB', 'iterations', 'parallelism', 'salt'], 'Vault header kdf');
  if (v.alg !== 'argon2id') throw new FormatError('Vault header kdf.alg must be "argon2id"');
  const parallelism = intIn(v.parallelism, 1, KDF_LIMITS.maxParallelism, 'kdf.parallelism');
  // Argon2 needs at least 8 KiB per lane.
  const memoryKiB = intIn(v.memoryKiB, 8 * parallelism, KDF_LIMITS.maxMemoryKiB, 'kdf.memoryKiB');
  const iterations = intIn(v.iterations, 1, KDF_LIMITS.maxIterations, 'kdf.iterations');
  const salt = b64(v.salt, KDF_LIMITS.minSaltBytes, KDF_LIMITS.maxSaltBytes, 'kdf.salt');
  return { alg: 'argon2id', memoryKiB, iterations, parallelism, salt };
}

/**
 * Strictly parses a vault header: exactly the known fields, each of the right type, length and range.
 *
 * @throws FormatError naming what is wrong (an unsupported format version says so).
 */
export function parseHeader(v: unknown): VaultHeader {
  if (!isRecord(v)) throw new FormatError('Vault header must be an object');
  checkVersion(v.format, 'Vault header');
  exactKeys(v, ['format', 'vaultId', 'kdf', 'wrappedKey'], 'Vault header');
  if (!isUuid(v.vaultId)) throw new FormatError('Vault header vaultId must be a UUID');
  const kdf = parseStoredKdf(v.kdf);
  const wk = v.wrappedKey;
  if (!isRecord(wk)) throw new FormatError('Vault header wrappedKey must be an object');
  exactKeys(wk, ['nonce', 'ct'], 'Vault header wrappedKey');
  return {
    format: FORMAT_VERSION,
    vaultId: v.vaultId,
    kdf,
    wrappedKey: {
      nonce: b64(wk.nonce, NONCE_BYTES, NONCE_BYTES, 'wrappedKey.nonce'),
      ct: b64(wk.ct, MAX_WRAPPED_CT, MAX_WRAPPED_CT, 'wrappedKey.ct'),
    },
  };
}

/**
 * Bytes decoded while parsing a box, reused by {@link openEntry} so listing a large vault decodes each
 * box once. Keyed by the parsed (frozen) box object, so the bytes always match its strings.
 */
const decodedBoxes = new WeakMap<SealedBox, { nonce: Uint8Array; ct: Uint8Array }>();

/**
 * Strictly parses a stored entry box. The result is frozen.
 *
 * @throws FormatError naming what is wrong.
 */
export function parseEntryBox(v: unknown): EntryBox {
  if (!isRecord(v)) throw new FormatError('Entry box must be an object');
  checkVersion(v.format, 'Entry box');
  exactKeys(v, ['id', 'format', 'nonce', 'ct'], 'Entry box');
  if (!isUuid(v.id)) throw new FormatError('Entry box id must be a UUID');
  const nonce = decodeB64(v.nonce, NONCE_BYTES, NONCE_BYTES, 'Entry box nonce');
  // 1 MiB leaves room for a long history while keeping a bloated record from costing much to decode.
  const ct = decodeB64(v.ct, TAG_BYTES + 2, 1 << 20, 'Entry box ct');
  const box: EntryBox = Object.freeze({
    id: v.id,
    format: FORMAT_VERSION,
    nonce: v.nonce as string,
    ct: v.ct as string,
  });
  decodedBoxes.set(box, { nonce, ct });
  return box;
}

/**
 * The largest catalog ciphertext accepted: far beyond any real vault (1,000 typical entries seal to about
 * 0.3 MB; even 10,000-character notes on every entry stay under it for thousands of entries), but a bound,
 * so a bloated record cannot make every list decode gigabytes.
 */
const MAX_CATALOG_CT = 256 * (1 << 20);

/**
 * Strictly parses a stored catalog box (structure only; {@link openCatalog} authenticates it). The result
 * is frozen.
 *
 * @throws FormatError naming what is wrong.
 */
export function parseCatalogBox(v: unknown): CatalogBox {
  if (!isRecord(v)) throw new FormatError('Catalog box must be an object');
  checkVersion(v.format, 'Catalog box');
  exactKeys(v, ['format', 'nonce', 'ct'], 'Catalog box');
  const nonce = decodeB64(v.nonce, NONCE_BYTES, NONCE_BYTES, 'Catalog box nonce');
  // The smallest plaintext is "[]".
  const ct = decodeB64(v.ct, TAG_BYTES + 2, MAX_CATALOG_CT, 'Catalog box ct');
  const box: CatalogBox = Object.freeze({
    format: FORMAT_VERSION,
    nonce: v.nonce as string,
    ct: v.ct as string,
  });
  decodedBoxes.set(box, { nonce, ct });
  return box;
}

/**
 * Strictly parses a clear-text index record.
 *
 * @throws FormatError naming what is wrong.
 */
export function parseIndexRecord(v: unknown): IndexRecord {
  if (!isRecord(v)) throw new FormatError('Index record must be an object');
  const { observed, ...rest } = v;
  exactKeys(
    rest,
    ['id', 'host', 'orgId', 'prefix', 'createdAt', 'expiresAt', 'rotateBy', 'state'],
    'Index record',
  );
  const checks = {
    id: ENTRY_CHECKS.id,
    host: ENTRY_CHECKS.host,
    orgId: ENTRY_CHECKS.orgId,
    prefix: ENTRY_CHECKS.prefix,
    createdAt: ENTRY_CHECKS.createdAt,
    expiresAt: ENTRY_CHECKS.expiresAt,
    rotateBy: (x: unknown) =>
      x === null || (typeof x === 'number' && Number.isFinite(x)) ? null : 'rotateBy must be finite or null',
    state: ENTRY_CHECKS.state,
  };
  for (const [k, check] of Object.entries(checks)) {
    const problem = check(v[k]);
    if (problem) throw new FormatError(`Index record: ${problem}`);
  }
  // Checked field by field above; this cast only restates it.
  const r = v as unknown as IndexRecord;
  const out: IndexRecord = {
    id: r.id,
    host: r.host,
    orgId: r.orgId,
    prefix: r.prefix,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    rotateBy: r.rotateBy,
    state: r.state,
  };
  if (observed !== undefined) out.observed = parseObserved(observed);
  return out;
}

const optionalDate = (x: unknown) =>
  x === undefined || x === null || (typeof x === 'number' && Number.isFinite(x));

/** What the DocBits page last showed for a key (see `Observed`): clear, reminder-only facts. */
export function parseObserved(v: unknown): Observed {
  if (!isRecord(v)) throw new FormatError('Index record: observed must be an object');
  for (const k of Object.keys(v)) {
    if (!['status', 'expiresAt', 'lastUsedAt', 'at'].includes(k)) {
      throw new FormatError(`Index record: observed has an unknown field "${k}"`);
    }
  }
  if (v.status !== 'active' && v.status !== 'revoked') throw new FormatError('Index record: observed.status');
  if (!optionalDate(v.expiresAt) || !optionalDate(v.lastUsedAt)) {
    throw new FormatError('Index record: observed dates must be finite, null or absent');
  }
  if (typeof v.at !== 'number' || !Number.isFinite(v.at)) throw new FormatError('Index record: observed.at');
  const out: Observed = { status: v.status, at: v.at };
  if (v.expiresAt !== undefined) out.expiresAt = v.expiresAt as number | null;
  if (v.lastUsedAt !== undefined) out.lastUsedAt = v.lastUsedAt as number | null;
  return out;
}

/** The header's KDF parameters with the salt decoded, ready for `deriveKey`. */
export function kdfParamsOf(header: VaultHeader): KdfParams {
  const { alg, memoryKiB, iterations, parallelism, salt } = header.kdf;
  return { alg, memoryKiB, iterations, parallelism, salt: base64ToBytes(salt) };
}

/** Builds a header: seals `dataKey` under `kek` (derived with `kdf`) for vault `vaultId`. */
export function makeHeader(
  vaultId: string,
  kdf: KdfParams,
  kek: Uint8Array,
  dataKey: Uint8Array,
): VaultHeader {
  const stored: StoredKdf = {
    alg: 'argon2id',
    memoryKiB: kdf.memoryKiB,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    salt: bytesToBase64(kdf.salt),
  };
  const { nonce, ct } = seal(kek, dataKey, headerAad(vaultId, stored));
  return {
    format: FORMAT_VERSION,
    vaultId,
    kdf: stored,
    wrappedKey: { nonce: bytesToBase64(nonce), ct: bytesToBase64(ct) },
  };
}

/**
 * Unwraps the data key of a parsed header with the password-derived key.
 *
 * @throws DecryptError when the key is wrong or anything in the header was altered.
 */
export function unwrapDataKey(header: VaultHeader, kek: Uint8Array): Uint8Array {
  const key = open(
    kek,
    base64ToBytes(header.wrappedKey.nonce),
    base64ToBytes(header.wrappedKey.ct),
    headerAad(header.vaultId, header.kdf),
  );
  if (key.length !== KEY_BYTES) throw new DecryptError();
  return key;
}

/** Seals a whole entry into its box under the data key. */
export function sealEntry(dataKey: Uint8Array, vaultId: string, entry: Entry): EntryBox {
  // Listing the fields explicitly keeps stray properties of the caller's object out of the box.
  const plain: Entry = {
    id: entry.id,
    name: entry.name,
    secret: entry.secret,
    notes: entry.notes,
    host: entry.host,
    orgId: entry.orgId,
    environment: entry.environment,
    prefix: entry.prefix,
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    rotateAfterDays: entry.rotateAfterDays,
    state: entry.state,
    source: entry.source,
    successorId: entry.successorId,
    predecessorId: entry.predecessorId,
    history: entry.history.map((h) => (h.detail === undefined ? { at: h.at, event: h.event } : { ...h })),
  };
  const { nonce, ct } = seal(dataKey, utf8Encode(JSON.stringify(plain)), entryAad(vaultId, entry.id));
  return { id: entry.id, format: FORMAT_VERSION, nonce: bytesToBase64(nonce), ct: bytesToBase64(ct) };
}

/**
 * Opens a parsed entry box. Whatever goes wrong (tag, key, AAD, or a plaintext that is not a valid entry
 * for this id) throws the one {@link DecryptError}.
 */
export function openEntry(dataKey: Uint8Array, vaultId: string, box: EntryBox): Entry {
  let bytes = decodedBoxes.get(box);
  if (!bytes) {
    try {
      bytes = { nonce: base64ToBytes(box.nonce), ct: base64ToBytes(box.ct) };
    } catch {
      throw new DecryptError();
    }
  }
  const plain = open(dataKey, bytes.nonce, bytes.ct, entryAad(vaultId, box.id));
  let entry: unknown;
  try {
    entry = JSON.parse(utf8Decode(plain));
  } catch {
    throw new DecryptError();
  }
  if (entryProblem(entry) !== null || (entry as Entry).id !== box.id) throw new DecryptError();
  return entry as Entry;
}

/** Every field of an {@link EntrySummary}; the compiler checks the list is complete. */
const SUMMARY_FIELDS: { readonly [K in keyof EntrySummary]-?: true } = {
  id: true,
  name: true,
  notes: true,
  host: true,
  orgId: true,
  environment: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
  rotateAfterDays: true,
  state: true,
  source: true,
  successorId: true,
  predecessorId: true,
};

/** The fields of an {@link EntrySummary}, in a fixed order. */
export const SUMMARY_KEYS = Object.freeze(Object.keys(SUMMARY_FIELDS) as (keyof EntrySummary)[]);

/**
 * The summary of an entry: every field except the secret and the history. Fields are copied one by one,
 * so passing a whole {@link Entry} can never carry its secret along.
 */
export function summaryOf(e: EntrySummary): EntrySummary {
  return {
    id: e.id,
    name: e.name,
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
  };
}

/** The catalog item for `entry` as stored in the box whose nonce is `boxNonce`. */
export function catalogItemOf(entry: EntrySummary, boxNonce: string): CatalogItem {
  return { boxNonce, summary: summaryOf(entry) };
}

/**
 * Seals the entry catalog under the data key with a fresh nonce. Each item is copied field by field
 * ({@link summaryOf}), so nothing but summaries and box nonces can reach the plaintext.
 */
export function sealCatalog(dataKey: Uint8Array, vaultId: string, items: Iterable<CatalogItem>): CatalogBox {
  const plain: CatalogItem[] = [];
  for (const item of items) plain.push({ boxNonce: item.boxNonce, summary: summaryOf(item.summary) });
  const { nonce, ct } = seal(dataKey, utf8Encode(JSON.stringify(plain)), catalogAad(vaultId));
  return { format: FORMAT_VERSION, nonce: bytesToBase64(nonce), ct: bytesToBase64(ct) };
}

function catalogItemProblem(v: unknown): boolean {
  if (!isRecord(v)) return true;
  const keys = Object.keys(v);
  if (keys.length !== 2 || typeof v.boxNonce !== 'string' || !isRecord(v.summary)) return true;
  try {
    decodeB64(v.boxNonce, NONCE_BYTES, NONCE_BYTES, 'boxNonce');
  } catch {
    return true;
  }
  const summary = v.summary;
  if (Object.keys(summary).length !== SUMMARY_KEYS.length) return true;
  for (const k of SUMMARY_KEYS) {
    if (!(k in summary) || ENTRY_CHECKS[k](summary[k]) !== null) return true;
  }
  return false;
}

/**
 * Opens a parsed catalog box and checks its plaintext strictly (exact fields, valid values, unique ids).
 * Whatever goes wrong throws the one {@link DecryptError}.
 */
export function openCatalog(dataKey: Uint8Array, vaultId: string, box: CatalogBox): CatalogItem[] {
  let bytes = decodedBoxes.get(box);
  if (!bytes) {
    try {
      bytes = { nonce: base64ToBytes(box.nonce), ct: base64ToBytes(box.ct) };
    } catch {
      throw new DecryptError();
    }
  }
  const plain = open(dataKey, bytes.nonce, bytes.ct, catalogAad(vaultId));
  let items: unknown;
  try {
    items = JSON.parse(utf8Decode(plain));
  } catch {
    throw new DecryptError();
  }
  if (!Array.isArray(items)) throw new DecryptError();
  const ids = new Set<string>();
  for (const item of items) {
    if (catalogItemProblem(item)) throw new DecryptError();
    const id = (item as CatalogItem).summary.id;
    if (ids.has(id)) throw new DecryptError();
    ids.add(id);
  }
  return items as CatalogItem[];
}

/** Milliseconds per day, for rotation dates. */
export const DAY_MS = 86_400_000;

/** The clear-text index record that belongs to an entry. */
export function indexRecordOf(entry: Entry): IndexRecord {
  return {
    id: entry.id,
    host: entry.host,
    orgId: entry.orgId,
    prefix: entry.prefix,
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    rotateBy: entry.rotateAfterDays === null ? null : entry.createdAt + entry.rotateAfterDays * DAY_MS,
    state: entry.state,
  };
}

/**
 * The format version of stored data, read from its header.
 *
 * @throws FormatError when there is no header or it carries no usable version.
 */
export function storedVersion(stored: StoredVault): number {
  const header = stored.meta.header;
  if (!isRecord(header)) throw new FormatError('Stored vault has no header');
  const v = header.format;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new FormatError('Stored vault header has no valid format version');
  }
  return v;
}

/**
 * Brings stored data up to `target` (normally {@link FORMAT_VERSION}) by running the numbered steps in
 * order. Refuses data newer than `target` and a missing or mis-numbered step. When the target is the
 * current format, the result is also strictly parsed, so a faulty step cannot write unreadable data.
 *
 * @param steps the steps to use; tests pass their own.
 * @param target the version to stop at; only tests pass anything but FORMAT_VERSION.
 * @returns a new StoredVault (the input is never modified).
 * @throws FormatError
 */
export async function migrateStored(
  stored: StoredVault,
  steps: readonly Migration[] = migrations,
  target: number = FORMAT_VERSION,
): Promise<StoredVault> {
  const from = storedVersion(stored);
  let version = from;
  if (version > target) {
    throw new FormatError(
      `Stored vault uses format version ${version}, which is newer than this KeyGuard supports (${target})`,
    );
  }
  let current = structuredClone(stored);
  while (version < target) {
    const matching = steps.filter((s) => s.from === version);
    const step = matching[0];
    if (!step) throw new FormatError(`No migration step from format version ${version}`);
    if (matching.length > 1) throw new FormatError(`More than one migration step from version ${version}`);
    if (step.to !== version + 1) {
      throw new FormatError(`Migration step from ${version} must go to ${version + 1}, not ${step.to}`);
    }
    // A private copy per step: a step that throws half-way leaves nothing half-migrated behind.
    current = await step.migrate(structuredClone(current));
    const reached = storedVersion(current);
    if (reached !== step.to) {
      throw new FormatError(`Migration step ${version}→${step.to} produced version ${reached}`);
    }
    version = reached;
  }
  // The catalog is derived from the boxes, and a step may well have changed them (or how they are sealed):
  // drop it, and the service rebuilds it from the migrated boxes on first use.
  if (version !== from) delete current.meta[CATALOG_META_KEY];
  if (target === FORMAT_VERSION) {
    parseHeader(current.meta.header);
    if (!Array.isArray(current.entries) || !Array.isArray(current.index)) {
      throw new FormatError('Stored vault entries and index must be arrays');
    }
    for (const box of current.entries) parseEntryBox(box);
    for (const rec of current.index) parseIndexRecord(rec);
  }
  return current;
}

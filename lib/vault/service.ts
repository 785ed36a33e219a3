/**
 * The vault service: the only code that combines the store, the session key and the crypto. The
 * background creates one and routes messages to it; everything here is plain async methods that throw
 * {@link VaultError}.
 */
import {
  DEFAULT_KDF,
  DecryptError,
  deriveKey,
  KDF_LIMITS,
  type KdfCost,
  type KdfParams,
  KEY_BYTES,
  MIN_KDF,
  meetsKdfFloor,
  randomBytes,
} from './crypto';
import {
  type CatalogItem,
  catalogItemOf,
  migrations as defaultMigrations,
  type EntryBox,
  FORMAT_VERSION,
  FormatError,
  indexRecordOf,
  kdfParamsOf,
  type Migration,
  makeHeader,
  migrateStored,
  openCatalog,
  openEntry,
  parseCatalogBox,
  parseEntryBox,
  parseHeader,
  parseIndexRecord,
  parseObserved,
  SUMMARY_KEYS,
  sealCatalog,
  sealEntry,
  storedVersion,
  summaryOf,
  unwrapDataKey,
  type VaultHeader,
} from './format';
import type { Entry, EntryPatch, EntrySummary, HistoryEvent, IndexRecord, NewEntry, Observed } from './model';
import type { SessionKeyStorage } from './session';
import { CatalogConflictError, type CatalogWrite, storedCatalogNonce, type VaultStore } from './store';
import { ENTRY_CHECKS, ENTRY_LIMITS, entryProblem, isRecord, isUuid } from './validate';

export type VaultErrorCode =
  | 'no-vault'
  | 'exists'
  | 'locked'
  | 'bad-password'
  | 'backoff'
  | 'not-found'
  | 'invalid'
  | 'corrupt';

/** Every failure the service reports. Messages never contain a secret or a password. */
export class VaultError extends Error {
  readonly code: VaultErrorCode;
  /** For 'backoff': how long until the next unlock attempt is accepted. */
  readonly retryAfterMs?: number;

  constructor(code: VaultErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'VaultError';
    this.code = code;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** The one message for every entry that fails to decrypt or parse: no oracle on what exactly failed. */
export const CORRUPT_MESSAGE = 'Vault data could not be decrypted';

export const PASSWORD_MIN_LENGTH = 8;
/** Upper bound so a pasted novel cannot be fed to Argon2; far beyond any real password. */
export const PASSWORD_MAX_LENGTH = 1024;
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** `meta` key of the persisted {@link BackoffState}. */
export const BACKOFF_META_KEY = 'backoff';

/** Failed-unlock bookkeeping, persisted so a restarted service worker does not forget it. */
export interface BackoffState {
  failures: number;
  lastFailureAt: number;
}

/** The refusal period after `failures` consecutive wrong passwords: 1 s, 2 s, 4 s, … capped at 60 s. */
export function backoffDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
}

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  /** 0 when an unlock attempt would be accepted now. */
  retryAfterMs: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Number of stored entry boxes. */
  entries: number;
  /** One line per problem: entry id and reason. Never contains entry contents. */
  problems: string[];
}

export interface VaultServiceOptions {
  store: VaultStore;
  session: SessionKeyStorage;
  /** Clock, epoch ms; tests inject one. */
  now?: () => number;
  /** KDF cost for new vaults and password changes. Default {@link DEFAULT_KDF}. */
  kdf?: KdfCost;
  /**
   * The weakest KDF cost accepted for creating and for unlocking (stored headers below it are refused).
   * Default: {@link MIN_KDF}, lowered per dimension to an explicitly given weaker `kdf`, which is how tests
   * stay fast. Production passes neither.
   */
  minKdf?: KdfCost;
  /** Migration steps to apply to old stored data. Default: the real list in format.ts; tests pass others. */
  migrations?: readonly Migration[];
}

const NEW_ENTRY_KEYS: readonly (keyof NewEntry)[] = [
  'name',
  'secret',
  'host',
  'environment',
  'source',
  'notes',
  'orgId',
  'prefix',
  'createdAt',
  'expiresAt',
  'rotateAfterDays',
  'predecessorId',
];

const PATCH_KEYS: readonly (keyof EntryPatch)[] = [
  'name',
  'secret',
  'notes',
  'orgId',
  'environment',
  'prefix',
  'expiresAt',
  'rotateAfterDays',
  'state',
  'successorId',
  'predecessorId',
];

const INDEX_FIELDS: readonly (keyof IndexRecord)[] = [
  'host',
  'orgId',
  'prefix',
  'createdAt',
  'expiresAt',
  'rotateBy',
  'state',
];

function invalid(message: string): VaultError {
  return new VaultError('invalid', message);
}

function checkKdfCost(kdf: KdfCost, what: string): KdfCost {
  const ok =
    Number.isInteger(kdf.memoryKiB) &&
    Number.isInteger(kdf.iterations) &&
    Number.isInteger(kdf.parallelism) &&
    kdf.parallelism >= 1 &&
    kdf.parallelism <= KDF_LIMITS.maxParallelism &&
    kdf.iterations >= 1 &&
    kdf.iterations <= KDF_LIMITS.maxIterations &&
    kdf.memoryKiB >= 8 * kdf.parallelism &&
    kdf.memoryKiB <= KDF_LIMITS.maxMemoryKiB;
  if (!ok) throw new RangeError(`${what} is not a valid Argon2id cost`);
  return { memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism };
}

function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string') throw invalid('Master password must be a string');
  // Count code points, not UTF-16 units, so an emoji is one character as the user sees it.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw invalid(`Master password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw invalid(`Master password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  return password;
}

function checkGivenPassword(password: unknown): string {
  if (typeof password !== 'string') throw invalid('Master password must be a string');
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw invalid(`Master password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  return password;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 100) throw invalid('id must be a string');
  return id;
}

/** Names a stored record in a problem report, echoing only well-formed ids. */
function describeId(raw: unknown): string {
  return isRecord(raw) && isUuid(raw.id) ? raw.id : '(record without a valid id)';
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort key: case- and accent-folded, by code point, so the order does not depend on the user's locale. */
function nameKey(name: string): string {
  // NFKD splits accented letters into base letter + combining mark; dropping the marks folds accents.
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/**
 * How often a catalog write is retried after a compare-and-swap conflict (another service instance on the
 * same database wrote in between). Each retry reloads the stored catalog first.
 */
const CATALOG_WRITE_ATTEMPTS = 3;

/** The decrypted catalog a write starts from; see {@link VaultService.catalog}. */
interface CatalogState {
  vaultId: string;
  key: Uint8Array;
  /** Nonce of the stored catalog box these items are (null: none stored, or one without a nonce). */
  nonce: string | null;
  items: Map<string, CatalogItem>;
}

/** True when `items` has exactly one item per stored box, each with that box's current nonce. */
function namesStoredBoxes(items: ReadonlyMap<string, CatalogItem>, boxes: readonly unknown[]): boolean {
  if (boxes.length !== items.size) return false;
  return boxes.every(
    (raw) => isRecord(raw) && typeof raw.id === 'string' && items.get(raw.id)?.boxNonce === raw.nonce,
  );
}

/**
 * The encrypted vault. One instance per background; the data key itself is held only by the
 * {@link SessionKeyStorage}, so a restarted service worker stays unlocked until Lock, idle or browser
 * restart.
 */
export class VaultService {
  private readonly store: VaultStore;
  private readonly session: SessionKeyStorage;
  private readonly now: () => number;
  private readonly kdf: KdfCost;
  private readonly minKdf: KdfCost;
  private readonly migrations: readonly Migration[];
  /** Tail of the write queue; see {@link exclusive}. */
  private tail: Promise<unknown> = Promise.resolve();
  private migrating: Promise<void> | null = null;
  /**
   * The decrypted entry catalog while unlocked, so a write re-seals it without reading and opening it
   * again. Summaries and box nonces only, no secret. Used only for the same vault and key, and only while
   * the stored catalog is still the one named by `nonce`: each catalog write checks that in its own
   * transaction ({@link CatalogWrite}), so a copy gone stale (another instance wrote, the data was replaced
   * or migrated) is reloaded, never written back. Dropped on lock. `list()` does not use it: it opens the
   * stored catalog, so what it shows is always what is on disk.
   */
  private catalog: CatalogState | null = null;

  constructor(options: VaultServiceOptions) {
    this.store = options.store;
    this.session = options.session;
    this.now = options.now ?? Date.now;
    this.kdf = checkKdfCost(options.kdf ?? DEFAULT_KDF, 'kdf');
    // Choosing a weak `kdf` is itself the explicit opt-in (tests); otherwise the floor is MIN_KDF.
    this.minKdf = checkKdfCost(
      options.minKdf ?? {
        memoryKiB: Math.min(MIN_KDF.memoryKiB, this.kdf.memoryKiB),
        iterations: Math.min(MIN_KDF.iterations, this.kdf.iterations),
        parallelism: Math.min(MIN_KDF.parallelism, this.kdf.parallelism),
      },
      'minKdf',
    );
    if (!meetsKdfFloor(this.kdf, this.minKdf)) throw new RangeError('kdf is weaker than minKdf');
    this.migrations = options.migrations ?? defaultMigrations;
  }

  /**
   * Runs `fn` after every earlier exclusive operation has settled. The service worker handles messages
   * concurrently; read-modify-write (update), check-then-act (create, remove) and the unlock backoff
   * (read failures, derive, write failures) would otherwise interleave and lose writes or let parallel
   * guesses past the backoff.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Migrates old stored data once, however many callers notice it at the same time. */
  private migrate(): Promise<void> {
    this.migrating ??= (async () => {
      try {
        const dumped = await this.store.dump();
        // Another caller may have finished migrating between our header read and this dump.
        if (storedVersion(dumped) >= FORMAT_VERSION) return;
        const migrated = await migrateStored(dumped, this.migrations);
        await this.store.replaceAll(migrated);
      } finally {
        this.migrating = null;
      }
    })();
    return this.migrating;
  }

  /** The parsed header (migrating old data first), or null when there is no vault. */
  private async header(): Promise<VaultHeader | null> {
    try {
      let raw = await this.store.getHeader();
      if (raw === undefined) return null;
      if (isRecord(raw) && typeof raw.format === 'number' && raw.format < FORMAT_VERSION) {
        await this.migrate();
        raw = await this.store.getHeader();
      }
      return parseHeader(raw);
    } catch (e) {
      if (e instanceof FormatError) throw new VaultError('corrupt', e.message);
      throw e;
    }
  }

  private async requireHeader(): Promise<VaultHeader> {
    const header = await this.header();
    if (!header) throw new VaultError('no-vault', 'There is no vault yet');
    return header;
  }

  private async requireKey(): Promise<{ vaultId: string; key: Uint8Array }> {
    const header = await this.requireHeader();
    const s = await this.session.get();
    if (!s || s.vaultId !== header.vaultId) throw new VaultError('locked', 'The vault is locked');
    return { vaultId: header.vaultId, key: s.key };
  }

  private async readBackoff(): Promise<BackoffState> {
    const v = await this.store.getMeta(BACKOFF_META_KEY);
    if (
      isRecord(v) &&
      typeof v.failures === 'number' &&
      Number.isInteger(v.failures) &&
      v.failures >= 0 &&
      typeof v.lastFailureAt === 'number' &&
      Number.isFinite(v.lastFailureAt)
    ) {
      return { failures: v.failures, lastFailureAt: v.lastFailureAt };
    }
    return { failures: 0, lastFailureAt: 0 };
  }

  private retryAfterMs(state: BackoffState): number {
    const wait = backoffDelayMs(state.failures);
    if (wait === 0) return 0;
    const elapsed = this.now() - state.lastFailureAt;
    // The clock went backwards: report one full period (tryPassword re-anchors the period at now).
    if (elapsed < 0) return wait;
    return Math.max(0, wait - elapsed);
  }

  /**
   * Checks `password` against the header, honouring and updating the backoff. Must run inside
   * {@link exclusive}.
   *
   * @returns the data key.
   */
  private async tryPassword(header: VaultHeader, password: string): Promise<Uint8Array> {
    const state = await this.readBackoff();
    const wait = this.retryAfterMs(state);
    if (wait > 0 && state.lastFailureAt > this.now()) {
      // Without re-anchoring, a clock set back by an hour would refuse every attempt for an hour.
      await this.store.putMeta(BACKOFF_META_KEY, {
        failures: state.failures,
        lastFailureAt: this.now(),
      } satisfies BackoffState);
    }
    if (wait > 0) {
      throw new VaultError(
        'backoff',
        `Too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`,
        wait,
      );
    }
    if (!meetsKdfFloor(header.kdf, this.minKdf)) {
      throw new VaultError('corrupt', 'The vault header asks for a key derivation weaker than allowed');
    }
    const kek = await deriveKey(password, kdfParamsOf(header));
    let dataKey: Uint8Array;
    try {
      dataKey = unwrapDataKey(header, kek);
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      // Count the failure; never delete anything because of a wrong password.
      await this.store.putMeta(BACKOFF_META_KEY, {
        failures: state.failures + 1,
        lastFailureAt: this.now(),
      } satisfies BackoffState);
      throw new VaultError('bad-password', 'Wrong master password');
    } finally {
      kek.fill(0);
    }
    if (state.failures > 0) await this.store.deleteMeta(BACKOFF_META_KEY);
    return dataKey;
  }

  private async newHeader(vaultId: string, password: string, dataKey: Uint8Array): Promise<VaultHeader> {
    const kdf: KdfParams = { alg: 'argon2id', ...this.kdf, salt: randomBytes(16) };
    const kek = await deriveKey(password, kdf);
    try {
      return makeHeader(vaultId, kdf, kek, dataKey);
    } finally {
      kek.fill(0);
    }
  }

  /** Parses a stored box; any failure is the one generic 'corrupt' error. */
  private parseBox(raw: unknown): EntryBox {
    try {
      return parseEntryBox(raw);
    } catch {
      throw new VaultError('corrupt', CORRUPT_MESSAGE);
    }
  }

  /** Opens a parsed box; any failure is the one generic 'corrupt' error. */
  private openParsed(key: Uint8Array, vaultId: string, box: EntryBox): Entry {
    try {
      return openEntry(key, vaultId, box);
    } catch {
      throw new VaultError('corrupt', CORRUPT_MESSAGE);
    }
  }

  /** Parses and opens a stored box; any failure is the one generic 'corrupt' error. */
  private openBox(key: Uint8Array, vaultId: string, raw: unknown): Entry {
    return this.openParsed(key, vaultId, this.parseBox(raw));
  }

  /** Parses and opens a raw stored catalog; any failure is the one generic 'corrupt' error. */
  private openStoredCatalog(key: Uint8Array, vaultId: string, raw: unknown): CatalogItem[] {
    try {
      return openCatalog(key, vaultId, parseCatalogBox(raw));
    } catch {
      throw new VaultError('corrupt', CORRUPT_MESSAGE);
    }
  }

  /**
   * The catalog rebuilt from the stored boxes (each decrypted), leaving out entry `except`. Any box that
   * fails to open fails it with 'corrupt'.
   */
  private async catalogFromBoxes(
    key: Uint8Array,
    vaultId: string,
    except?: string,
  ): Promise<Map<string, CatalogItem>> {
    const items = new Map<string, CatalogItem>();
    for (const raw of await this.store.listEntries()) {
      if (except !== undefined && isRecord(raw) && raw.id === except) continue;
      const box = this.parseBox(raw);
      items.set(box.id, catalogItemOf(this.openParsed(key, vaultId, box), box.nonce));
    }
    return items;
  }

  /**
   * The catalog a write starts from: the in-memory one; else the stored one, if it opens and names exactly
   * the stored boxes (ids and nonces, no decryption); else one rebuilt from the boxes. A write must leave
   * a correct catalog behind and the boxes are the source of truth, so a write never carries a damaged or
   * stale catalog (replayed, or left behind by a build without the catalog) forward; list() and verify()
   * are where those are reported. `except` is the entry being removed: it is left out of a rebuild, so
   * removing a damaged box still works. Must run inside {@link exclusive}.
   */
  private async writableCatalog(key: Uint8Array, vaultId: string, except?: string): Promise<CatalogState> {
    const mem = this.catalog;
    if (mem && mem.vaultId === vaultId && equalBytes(mem.key, key)) return mem;
    const raw = await this.store.getCatalog();
    const nonce = storedCatalogNonce(raw);
    if (raw !== undefined) {
      let items: Map<string, CatalogItem> | null = null;
      try {
        items = new Map(openCatalog(key, vaultId, parseCatalogBox(raw)).map((i) => [i.summary.id, i]));
      } catch {
        // Rebuilt below.
      }
      if (items && namesStoredBoxes(items, await this.store.listEntries())) {
        return { vaultId, key, nonce, items };
      }
    }
    return { vaultId, key, nonce, items: await this.catalogFromBoxes(key, vaultId, except) };
  }

  /**
   * Re-seals the catalog after `edit` and hands it to `commit`, which writes it in the same transaction as
   * the entry change (compare-and-swap on the stored catalog: on a conflict the stored catalog is reloaded
   * and the catalog re-sealed). The in-memory catalog changes only once the transaction has committed.
   * Must run inside {@link exclusive}.
   */
  private async writeWithCatalog(
    key: Uint8Array,
    vaultId: string,
    edit: (items: Map<string, CatalogItem>) => void,
    commit: (catalog: CatalogWrite) => Promise<void>,
    except?: string,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const base = await this.writableCatalog(key, vaultId, except);
      const items = new Map(base.items);
      edit(items);
      const sealed = sealCatalog(key, vaultId, items.values());
      try {
        await commit({ box: sealed, replaces: base.nonce });
      } catch (e) {
        this.catalog = null;
        if (e instanceof CatalogConflictError && attempt < CATALOG_WRITE_ATTEMPTS) continue;
        throw e;
      }
      this.catalog = { vaultId, key, nonce: sealed.nonce, items };
      return;
    }
  }

  /** Writes an entry's box, index record and catalog item together. Must run inside {@link exclusive}. */
  private async write(key: Uint8Array, vaultId: string, entry: Entry): Promise<void> {
    const box = sealEntry(key, vaultId, entry);
    const record = indexRecordOf(entry);
    // What the DocBits page last showed belongs to the index only; an entry write keeps it.
    const observed = await this.observedOf(entry.id);
    if (observed) record.observed = observed;
    await this.writeWithCatalog(
      key,
      vaultId,
      (items) => items.set(entry.id, catalogItemOf(entry, box.nonce)),
      (catalog) => this.store.putEntry(box, record, catalog),
    );
  }

  /** Deletes an entry's box, index record and catalog item together. Must run inside {@link exclusive}. */
  private async erase(key: Uint8Array, vaultId: string, id: string): Promise<void> {
    await this.writeWithCatalog(
      key,
      vaultId,
      (items) => items.delete(id),
      (catalog) => this.store.deleteEntry(id, catalog),
      id,
    );
  }

  /**
   * The stored catalog, opened; when there is none (a vault from before the catalog, or just migrated),
   * rebuilds it from the boxes and stores it. Must run inside {@link exclusive}.
   */
  private async storedOrRebuiltCatalog(key: Uint8Array, vaultId: string): Promise<CatalogItem[]> {
    for (let attempt = 1; ; attempt++) {
      const raw = await this.store.getCatalog();
      if (raw !== undefined) return this.openStoredCatalog(key, vaultId, raw);
      const items = await this.catalogFromBoxes(key, vaultId);
      const sealed = sealCatalog(key, vaultId, items.values());
      try {
        await this.store.putCatalog({ box: sealed, replaces: null });
      } catch (e) {
        if (e instanceof CatalogConflictError && attempt < CATALOG_WRITE_ATTEMPTS) continue;
        throw e;
      }
      this.catalog = { vaultId, key, nonce: sealed.nonce, items };
      return [...items.values()];
    }
  }

  /** Whether a vault exists (however damaged). */
  async hasVault(): Promise<boolean> {
    return (await this.store.getHeader()) !== undefined;
  }

  /**
   * Creates a new vault protected by `password` and leaves it unlocked.
   *
   * @throws VaultError 'exists' | 'invalid'
   */
  async create(password: string): Promise<void> {
    return this.exclusive(async () => {
      if (await this.hasVault()) throw new VaultError('exists', 'A vault already exists');
      checkNewPassword(password);
      const vaultId = crypto.randomUUID();
      const dataKey = randomBytes(KEY_BYTES);
      const header = await this.newHeader(vaultId, password, dataKey);
      this.catalog = null;
      await this.store.initVault(header, sealCatalog(dataKey, vaultId, []));
      await this.store.deleteMeta(BACKOFF_META_KEY);
      await this.session.set({ vaultId, key: dataKey });
    });
  }

  /**
   * Unlocks with the master password. Wrong passwords back off exponentially (persisted); an attempt
   * during the backoff is refused without deriving anything.
   *
   * @throws VaultError 'no-vault' | 'bad-password' | 'backoff' | 'invalid' | 'corrupt'
   */
  async unlock(password: string): Promise<void> {
    return this.exclusive(async () => {
      const header = await this.requireHeader();
      checkGivenPassword(password);
      const dataKey = await this.tryPassword(header, password);
      await this.session.set({ vaultId: header.vaultId, key: dataKey });
    });
  }

  /** Drops the data key. */
  async lock(): Promise<void> {
    this.catalog = null;
    await this.session.clear();
  }

  /** True when the session holds the key of this vault (false when the header is unreadable). */
  async isUnlocked(): Promise<boolean> {
    let header: VaultHeader | null;
    try {
      header = await this.header();
    } catch (e) {
      // A vault whose header cannot be read cannot be unlocked; status() reports why.
      if (e instanceof VaultError && e.code === 'corrupt') return false;
      throw e;
    }
    if (!header) return false;
    const s = await this.session.get();
    return s !== null && s.vaultId === header.vaultId;
  }

  /** Whether a vault exists, whether it is unlocked, and how long until an unlock attempt is accepted. */
  async status(): Promise<VaultStatus> {
    const header = await this.header();
    if (!header) return { exists: false, unlocked: false, retryAfterMs: 0 };
    const s = await this.session.get();
    return {
      exists: true,
      unlocked: s !== null && s.vaultId === header.vaultId,
      retryAfterMs: this.retryAfterMs(await this.readBackoff()),
    };
  }

  /**
   * Re-wraps the same data key under `newPassword` with a fresh salt and the configured KDF cost. Entries
   * are not touched. A wrong old password counts towards the backoff like a failed unlock.
   *
   * @throws VaultError 'no-vault' | 'bad-password' | 'backoff' | 'invalid' | 'corrupt'
   */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    return this.exclusive(async () => {
      const header = await this.requireHeader();
      checkGivenPassword(oldPassword);
      checkNewPassword(newPassword);
      const dataKey = await this.tryPassword(header, oldPassword);
      await this.store.putHeader(await this.newHeader(header.vaultId, newPassword, dataKey));
    });
  }

  /**
   * Checks the master password without changing the lock state (e.g. before exporting with it). A wrong
   * password counts towards the backoff like a failed unlock.
   *
   * @throws VaultError 'no-vault' | 'invalid' | 'bad-password' | 'backoff' | 'corrupt'
   */
  async checkPassword(password: string): Promise<void> {
    return this.exclusive(async () => {
      const header = await this.requireHeader();
      checkGivenPassword(password);
      await this.tryPassword(header, password);
    });
  }

  /**
   * Every entry, whole (secrets and history included), for an export. Callers decide who may see it.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'corrupt'
   */
  async exportEntries(): Promise<Entry[]> {
    const { vaultId, key } = await this.requireKey();
    const out: Entry[] = [];
    for (const raw of await this.store.listEntries()) out.push(this.openBox(key, vaultId, raw));
    return out;
  }

  /**
   * Writes imported entries as they are (ids, history and all) in ONE transaction: `add` entries must have
   * new ids, `replace` entries existing ones. Every entry is validated like everything the vault stores;
   * on any problem nothing is written.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'invalid' | 'exists' | 'not-found' | 'corrupt'
   */
  async importEntries(add: Entry[], replace: Entry[]): Promise<void> {
    return this.exclusive(async () => {
      const { vaultId, key } = await this.requireKey();
      const ids = new Set<string>();
      for (const [mode, list] of [
        ['add', add],
        ['replace', replace],
      ] as const) {
        for (const entry of list) {
          const problem = entryProblem(entry);
          if (problem) throw invalid(problem);
          if (ids.has(entry.id)) throw invalid('an entry id appears twice in the import');
          ids.add(entry.id);
          const exists = (await this.store.getEntry(entry.id)) !== undefined;
          if (mode === 'add' && exists) throw new VaultError('exists', 'An entry with this id exists');
          if (mode === 'replace' && !exists) throw new VaultError('not-found', 'No such entry');
        }
      }
      const all = [...add, ...replace];
      if (all.length === 0) return;
      const items: Array<{ entry: Entry; box: EntryBox; record: IndexRecord }> = [];
      for (const entry of all) {
        const box = sealEntry(key, vaultId, entry);
        const record = indexRecordOf(entry);
        const observed = await this.observedOf(entry.id);
        if (observed) record.observed = observed;
        items.push({ entry, box, record });
      }
      await this.writeWithCatalog(
        key,
        vaultId,
        (catalog) => {
          for (const { entry, box } of items) catalog.set(entry.id, catalogItemOf(entry, box.nonce));
        },
        (catalog) => this.store.putEntries(items, catalog),
      );
    });
  }

  /**
   * Adds an entry. The vault assigns id, state 'active' and the 'created' history event.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'invalid' | 'corrupt' (only when the catalog has to be
   *   rebuilt and a box does not open)
   */
  async add(newEntry: NewEntry): Promise<Entry> {
    return this.exclusive(async () => {
      const { vaultId, key } = await this.requireKey();
      const input: unknown = newEntry;
      if (!isRecord(input)) throw invalid('entry must be an object');
      for (const k of Object.keys(input)) {
        if (!(NEW_ENTRY_KEYS as readonly string[]).includes(k)) throw invalid(`entry has an unknown field`);
      }
      const now = this.now();
      // Defaults apply only to absent fields; an explicit null or wrong type is validated, not replaced.
      const pick = (k: keyof NewEntry, fallback: unknown): unknown =>
        input[k] === undefined ? fallback : input[k];
      const name = input.name;
      const host = input.host;
      const entry = {
        id: crypto.randomUUID(),
        name: typeof name === 'string' ? name.trim() : name,
        secret: input.secret,
        notes: pick('notes', ''),
        host: typeof host === 'string' ? host.toLowerCase() : host,
        orgId: pick('orgId', null),
        environment: input.environment,
        prefix: pick('prefix', ''),
        createdAt: pick('createdAt', now),
        expiresAt: pick('expiresAt', null),
        rotateAfterDays: pick('rotateAfterDays', null),
        state: 'active',
        source: input.source,
        successorId: null,
        predecessorId: pick('predecessorId', null),
        history: [{ at: now, event: 'created', detail: input.source }],
      };
      const problem = entryProblem(entry);
      if (problem) throw invalid(problem);
      // entryProblem has just checked every field.
      const valid = entry as Entry;
      await this.write(key, vaultId, valid);
      return valid;
    });
  }

  /**
   * Changes fields of an entry and records what changed in its history: 'updated' with the changed field
   * names, and `state:<new>` when the state changes (with `reason` as its detail, e.g. "revoked on
   * DocBits"). A patch that changes nothing writes nothing.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'not-found' | 'invalid' | 'corrupt'
   */
  async update(id: string, patch: EntryPatch, reason?: string): Promise<Entry> {
    return this.exclusive(async () => {
      const { vaultId, key } = await this.requireKey();
      checkId(id);
      const input: unknown = patch;
      if (!isRecord(input)) throw invalid('patch must be an object');
      for (const k of Object.keys(input)) {
        if (!(PATCH_KEYS as readonly string[]).includes(k))
          throw invalid('patch has an unknown or read-only field');
      }
      const raw = await this.store.getEntry(id);
      if (raw === undefined) throw new VaultError('not-found', 'No such entry');
      const entry = this.openBox(key, vaultId, raw);
      const next: Entry = { ...entry };
      const changed: string[] = [];
      for (const k of PATCH_KEYS) {
        let v = input[k];
        if (v === undefined) continue;
        if (k === 'name' && typeof v === 'string') v = v.trim();
        const problem = ENTRY_CHECKS[k](v);
        if (problem) throw invalid(problem);
        if ((k === 'successorId' || k === 'predecessorId') && v === id) {
          throw invalid(`${k} must not point to the entry itself`);
        }
        if (v !== entry[k]) {
          // ENTRY_CHECKS[k] has just validated v for field k.
          (next as unknown as Record<string, unknown>)[k] = v;
          changed.push(k);
        }
      }
      if (changed.length === 0) return entry;
      const at = this.now();
      const events: HistoryEvent[] = [];
      const fields = changed.filter((k) => k !== 'state');
      if (fields.length > 0) events.push({ at, event: 'updated', detail: fields.join(',') });
      if (changed.includes('state')) {
        const event: HistoryEvent = { at, event: `state:${next.state}` };
        if (reason) event.detail = reason.slice(0, ENTRY_LIMITS.historyDetailMax);
        events.push(event);
      }
      next.history = [...entry.history, ...events];
      await this.write(key, vaultId, next);
      return next;
    });
  }

  /**
   * Deletes an entry (box, index record and catalog item together). Works on a box that no longer opens.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'not-found' | 'invalid' | 'corrupt' (only when the catalog
   *   has to be rebuilt and another box does not open)
   */
  async remove(id: string): Promise<void> {
    return this.exclusive(async () => {
      const { vaultId, key } = await this.requireKey();
      checkId(id);
      if ((await this.store.getEntry(id)) === undefined) throw new VaultError('not-found', 'No such entry');
      await this.erase(key, vaultId, id);
    });
  }

  /**
   * Records what the DocBits key table showed for an entry (status, expiry, last use) in its clear index
   * record only. Needs no key, so it works while the vault is locked; nothing secret is involved.
   *
   * @throws VaultError 'no-vault' | 'not-found' | 'invalid'
   */
  async observe(id: string, observed: Observed): Promise<void> {
    return this.exclusive(async () => {
      if (!(await this.header())) throw new VaultError('no-vault', 'No vault yet');
      checkId(id);
      let checked: Observed;
      try {
        checked = parseObserved(observed);
      } catch (e) {
        throw invalid(e instanceof Error ? e.message : 'observed is malformed');
      }
      const raw = await this.store.getIndexRecord(id);
      if (raw === undefined) throw new VaultError('not-found', 'No such entry');
      let record: IndexRecord;
      try {
        record = parseIndexRecord(raw);
      } catch {
        throw new VaultError('corrupt', CORRUPT_MESSAGE);
      }
      if (JSON.stringify(record.observed) === JSON.stringify(checked)) return;
      await this.store.putIndexRecord({ ...record, observed: checked });
    });
  }

  /** The stored `observed` facts of an entry's index record, if any (a damaged record has none). */
  private async observedOf(id: string): Promise<Observed | undefined> {
    const raw = await this.store.getIndexRecord(id);
    if (raw === undefined) return undefined;
    try {
      return parseIndexRecord(raw).observed;
    } catch {
      return undefined;
    }
  }

  /**
   * One whole entry, secret and history included. Callers decide who may see it.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'not-found' | 'invalid' | 'corrupt'
   */
  async get(id: string): Promise<Entry> {
    const { vaultId, key } = await this.requireKey();
    checkId(id);
    const raw = await this.store.getEntry(id);
    if (raw === undefined) throw new VaultError('not-found', 'No such entry');
    return this.openBox(key, vaultId, raw);
  }

  /**
   * All entries without secrets or history, sorted by name (case- and accent-insensitive, independent of
   * the locale), then id. Reads and opens the one encrypted catalog instead of every entry box; a catalog
   * that fails to open fails the list with 'corrupt' (tampering should be loud; `verify()` says more).
   * When there is no catalog yet (older vaults, after a migration) it is rebuilt from the boxes once,
   * and then one box that fails to open fails the list the same way.
   *
   * The catalog is authenticated but, like every record, could be replaced by an older authentic copy by
   * someone with write access to the profile (format.ts, "Limit"); `get()` always opens the entry's own
   * box, and `verify()` reports such a stale catalog.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'corrupt'
   */
  async list(): Promise<EntrySummary[]> {
    const { vaultId, key } = await this.requireKey();
    const raw = await this.store.getCatalog();
    const mem = this.catalog;
    const nonce = raw === undefined ? null : storedCatalogNonce(raw);
    let items: CatalogItem[];
    if (mem && nonce !== null && mem.nonce === nonce && mem.vaultId === vaultId && equalBytes(mem.key, key)) {
      // The stored catalog is the very box this service wrote or opened last: no need to decrypt it again.
      items = [...mem.items.values()];
    } else if (raw === undefined) {
      items = await this.exclusive(() => this.storedOrRebuiltCatalog(key, vaultId));
    } else {
      items = this.openStoredCatalog(key, vaultId, raw);
      this.catalog = { vaultId, key, nonce, items: new Map(items.map((it) => [it.summary.id, it])) };
    }
    // Copies, so callers never hold the in-memory catalog's objects.
    const keyed = items.map((it) => ({ s: summaryOf(it.summary), k: nameKey(it.summary.name) }));
    keyed.sort((a, b) => cmp(a.k, b.k) || cmp(a.s.name, b.s.name) || cmp(a.s.id, b.s.id));
    return keyed.map((x) => x.s);
  }

  /**
   * The clear-text index (works while locked): what reminders and page matching need. Malformed records
   * are left out here and reported by `verify()`.
   */
  async listIndex(): Promise<IndexRecord[]> {
    if (!(await this.header())) return [];
    const out: IndexRecord[] = [];
    for (const raw of await this.store.listIndex()) {
      try {
        out.push(parseIndexRecord(raw));
      } catch {
        // Skipped; verify() reports it.
      }
    }
    return out;
  }

  /**
   * Decrypts every box and checks the clear index and the encrypted catalog against the entries: a
   * catalog that does not open, and one that is stale or inconsistent (an entry missing from it, an item
   * without an entry, a box nonce or summary field that differs) are reported by entry id or as
   * `catalog`, never by content. A missing catalog is not a problem: it is derived and rebuilt on use.
   *
   * @throws VaultError 'no-vault' | 'locked'
   */
  async verify(): Promise<VerifyReport> {
    const { vaultId, key } = await this.requireKey();
    const [boxes, records, rawCatalog] = await Promise.all([
      this.store.listEntries(),
      this.store.listIndex(),
      this.store.getCatalog(),
    ]);
    const problems: string[] = [];
    const index = new Map<string, IndexRecord>();
    for (const raw of records) {
      try {
        const rec = parseIndexRecord(raw);
        index.set(rec.id, rec);
      } catch {
        problems.push(`${describeId(raw)}: malformed index record`);
      }
    }
    let catalog: Map<string, CatalogItem> | null = null;
    if (rawCatalog !== undefined) {
      try {
        const items = openCatalog(key, vaultId, parseCatalogBox(rawCatalog));
        catalog = new Map(items.map((i) => [i.summary.id, i]));
      } catch (e) {
        problems.push(`catalog: ${e instanceof FormatError ? 'malformed' : 'does not decrypt'}`);
      }
    }
    const boxIds = new Set<string>();
    for (const raw of boxes) {
      const id = describeId(raw);
      boxIds.add(id);
      let box: EntryBox;
      let entry: Entry;
      try {
        box = parseEntryBox(raw);
        entry = openEntry(key, vaultId, box);
      } catch (e) {
        problems.push(`${id}: ${e instanceof FormatError ? 'malformed box' : 'does not decrypt'}`);
        continue;
      }
      if (catalog) {
        const item = catalog.get(entry.id);
        if (!item) {
          problems.push(`${entry.id}: missing from the catalog`);
        } else {
          const expected = summaryOf(entry);
          const off: string[] = item.boxNonce === box.nonce ? [] : ['box'];
          for (const f of SUMMARY_KEYS) if (expected[f] !== item.summary[f]) off.push(f);
          if (off.length > 0) problems.push(`${entry.id}: catalog out of step (${off.join(', ')})`);
        }
      }
      const rec = index.get(entry.id);
      if (!rec) {
        problems.push(`${entry.id}: no index record`);
        continue;
      }
      const expected = indexRecordOf(entry);
      const off = INDEX_FIELDS.filter((f) => expected[f] !== rec[f]);
      if (off.length > 0) problems.push(`${entry.id}: index out of step (${off.join(', ')})`);
    }
    for (const id of index.keys()) {
      if (!boxIds.has(id)) problems.push(`${id}: index record without an entry`);
    }
    for (const id of catalog?.keys() ?? []) {
      if (!boxIds.has(id)) problems.push(`${id}: in the catalog without an entry`);
    }
    return { ok: problems.length === 0, entries: boxes.length, problems };
  }
}

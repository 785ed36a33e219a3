/**
 * The vault service: the only code that combines the store, the session key and the crypto. The
 * background creates one and routes messages to it; everything here is plain async methods that throw
 * {@link VaultError}.
 *
 * This file is the composition and the public face; the work is done in rooms that share one explicit
 * {@link VaultContext}: lifecycle.ts (create, unlock, lock, password, back-off), entries.ts (add, update,
 * remove, get, export/import), catalog.ts (the encrypted summary catalog), clear-index.ts (the clear-text
 * index) and verify.ts. context.ts holds the shared state, errors.ts the error type.
 *
 * The `lib/vault/` area: the vault's format, crypto, store, this service and its rooms, export files, the
 * session key and the password estimate. It imports only itself and the shared files at `lib/` root
 * (docs/architecture.md).
 */
import { listSummaries } from './catalog';
import { listIndex, observe } from './clear-index';
import { createContext, type VaultContext } from './context';
import type { KdfCost } from './crypto';
import * as entries from './entries';
import { migrations as defaultMigrations, type Migration } from './format';
import * as lifecycle from './lifecycle';
import { kdfPolicy, type VaultStatus } from './lifecycle';
import type { Entry, EntryPatch, EntrySummary, IndexRecord, NewEntry, Observed } from './model';
import type { SessionKeyStorage } from './session';
import type { VaultStore } from './store';
import { type VerifyReport, verify } from './verify';

export { CORRUPT_MESSAGE, VaultError, type VaultErrorCode } from './errors';
export {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  BACKOFF_META_KEY,
  type BackoffState,
  backoffDelayMs,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type VaultStatus,
} from './lifecycle';
export type { VerifyReport } from './verify';

export interface VaultServiceOptions {
  store: VaultStore;
  session: SessionKeyStorage;
  /** Clock, epoch ms; tests inject one. */
  now?: () => number;
  /** KDF cost for new vaults and password changes. Default `DEFAULT_KDF` (crypto.ts). */
  kdf?: KdfCost;
  /**
   * The weakest KDF cost accepted for creating and for unlocking (stored headers below it are refused).
   * Default: `MIN_KDF` (crypto.ts), lowered per dimension to an explicitly given weaker `kdf`, which is how tests
   * stay fast. Production passes neither.
   */
  minKdf?: KdfCost;
  /** Migration steps to apply to old stored data. Default: the real list in format.ts; tests pass others. */
  migrations?: readonly Migration[];
}

/**
 * The encrypted vault. One instance per background; the data key itself is held only by the
 * {@link SessionKeyStorage}, so a restarted service worker stays unlocked until Lock, idle or browser
 * restart.
 */
export class VaultService {
  /** Dependencies, write queue and in-memory catalog, shared with the parts. */
  private readonly ctx: VaultContext;

  constructor(options: VaultServiceOptions) {
    const { kdf, minKdf } = kdfPolicy(options.kdf, options.minKdf);
    this.ctx = createContext({
      store: options.store,
      session: options.session,
      now: options.now ?? Date.now,
      kdf,
      minKdf,
      migrations: options.migrations ?? defaultMigrations,
    });
  }

  /** Whether a vault exists (however damaged). */
  hasVault(): Promise<boolean> {
    return lifecycle.hasVault(this.ctx);
  }

  /**
   * Creates a new vault protected by `password` and leaves it unlocked.
   *
   * @throws VaultError 'exists' | 'invalid'
   */
  create(password: string): Promise<void> {
    return lifecycle.create(this.ctx, password);
  }

  /**
   * Unlocks with the master password. Wrong passwords back off exponentially (persisted); an attempt
   * during the backoff is refused without deriving anything.
   *
   * @throws VaultError 'no-vault' | 'bad-password' | 'backoff' | 'invalid' | 'corrupt'
   */
  unlock(password: string): Promise<void> {
    return lifecycle.unlock(this.ctx, password);
  }

  /** Drops the data key. */
  lock(): Promise<void> {
    return lifecycle.lock(this.ctx);
  }

  /** True when the session holds the key of this vault (false when the header is unreadable). */
  isUnlocked(): Promise<boolean> {
    return lifecycle.isUnlocked(this.ctx);
  }

  /** Whether a vault exists, whether it is unlocked, and how long until an unlock attempt is accepted. */
  status(): Promise<VaultStatus> {
    return lifecycle.status(this.ctx);
  }

  /**
   * Re-wraps the same data key under `newPassword` with a fresh salt and the configured KDF cost. Entries
   * are not touched. A wrong old password counts towards the backoff like a failed unlock.
   *
   * @throws VaultError 'no-vault' | 'bad-password' | 'backoff' | 'invalid' | 'corrupt'
   */
  changePassword(oldPassword: string, newPassword: string): Promise<void> {
    return lifecycle.changePassword(this.ctx, oldPassword, newPassword);
  }

  /**
   * Checks the master password without changing the lock state (e.g. before exporting with it). A wrong
   * password counts towards the backoff like a failed unlock.
   *
   * @throws VaultError 'no-vault' | 'invalid' | 'bad-password' | 'backoff' | 'corrupt'
   */
  checkPassword(password: string): Promise<void> {
    return lifecycle.checkPassword(this.ctx, password);
  }

  /**
   * Every entry, whole (secrets and history included), for an export. Callers decide who may see it.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'corrupt'
   */
  exportEntries(): Promise<Entry[]> {
    return entries.exportEntries(this.ctx);
  }

  /**
   * Writes imported entries as they are (ids, history and all) in ONE transaction: `add` entries must have
   * new ids, `replace` entries existing ones. Every entry is validated like everything the vault stores;
   * on any problem nothing is written.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'invalid' | 'exists' | 'not-found' | 'corrupt'
   */
  importEntries(add: Entry[], replace: Entry[]): Promise<void> {
    return entries.importEntries(this.ctx, add, replace);
  }

  /**
   * Adds an entry. The vault assigns id, state 'active' and the 'created' history event.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'invalid' | 'corrupt' (only when the catalog has to be
   *   rebuilt and a box does not open)
   */
  add(newEntry: NewEntry): Promise<Entry> {
    return entries.add(this.ctx, newEntry);
  }

  /**
   * Changes fields of an entry and records what changed in its history: 'updated' with the changed field
   * names, and `state:<new>` when the state changes (with `reason` as its detail, e.g. "revoked on
   * DocBits"). A patch that changes nothing writes nothing.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'not-found' | 'invalid' | 'corrupt'
   */
  update(id: string, patch: EntryPatch, reason?: string): Promise<Entry> {
    return entries.update(this.ctx, id, patch, reason);
  }

  /**
   * Deletes an entry (box, index record and catalog item together). Works on a box that no longer opens.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'not-found' | 'invalid' | 'corrupt' (only when the catalog
   *   has to be rebuilt and another box does not open)
   */
  remove(id: string): Promise<void> {
    return entries.remove(this.ctx, id);
  }

  /**
   * Records what the DocBits key table showed for an entry (status, expiry, last use) in its clear index
   * record only. Needs no key, so it works while the vault is locked; nothing secret is involved.
   *
   * @throws VaultError 'no-vault' | 'not-found' | 'invalid'
   */
  observe(id: string, observed: Observed): Promise<void> {
    return observe(this.ctx, id, observed);
  }

  /**
   * One whole entry, secret and history included. Callers decide who may see it.
   *
   * @throws VaultError 'no-vault' | 'locked' | 'not-found' | 'invalid' | 'corrupt'
   */
  get(id: string): Promise<Entry> {
    return entries.get(this.ctx, id);
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
  list(): Promise<EntrySummary[]> {
    return listSummaries(this.ctx);
  }

  /**
   * The clear-text index (works while locked): what reminders and page matching need. Malformed records
   * are left out here and reported by `verify()`.
   */
  listIndex(): Promise<IndexRecord[]> {
    return listIndex(this.ctx);
  }

  /**
   * Decrypts every box and checks the clear index and the encrypted catalog against the entries: a
   * catalog that does not open, and one that is stale or inconsistent (an entry missing from it, an item
   * without an entry, a box nonce or summary field that differs) are reported by entry id or as
   * `catalog`, never by content. A missing catalog is not a problem: it is derived and rebuilt on use.
   *
   * @throws VaultError 'no-vault' | 'locked'
   */
  verify(): Promise<VerifyReport> {
    return verify(this.ctx);
  }
}

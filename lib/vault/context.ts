/**
 * The state one vault service shares between its parts (life cycle, entries, catalog, index, verify):
 * its dependencies, the write queue, the in-memory catalog; and the reads every part starts from (the
 * header, migrated first, and the session's data key).
 */
import type { KdfCost } from './crypto';
import { VaultError } from './errors';
import {
  type CatalogItem,
  FORMAT_VERSION,
  FormatError,
  type Migration,
  migrateStored,
  parseHeader,
  storedVersion,
  type VaultHeader,
} from './format';
import type { SessionKeyStorage } from './session';
import type { VaultStore } from './store';
import { isRecord } from './validate';

/** The decrypted catalog a write starts from; see {@link VaultContext.catalog}. */
export interface CatalogState {
  vaultId: string;
  key: Uint8Array;
  /** Nonce of the stored catalog box these items are (null: none stored, or one without a nonce). */
  nonce: string | null;
  items: Map<string, CatalogItem>;
}

/** What a vault service is made of, resolved: every default applied and checked. */
export interface VaultDeps {
  readonly store: VaultStore;
  readonly session: SessionKeyStorage;
  /** Clock, epoch ms. */
  readonly now: () => number;
  /** KDF cost for new vaults and password changes. */
  readonly kdf: KdfCost;
  /** The weakest KDF cost accepted for creating and for unlocking. */
  readonly minKdf: KdfCost;
  /** Migration steps to apply to old stored data. */
  readonly migrations: readonly Migration[];
}

/** One service's dependencies and mutable state, passed explicitly to every part. */
export interface VaultContext extends VaultDeps {
  /** Tail of the write queue; see {@link exclusive}. */
  tail: Promise<unknown>;
  /** The migration under way, shared by every caller that notices old data at the same time. */
  migrating: Promise<void> | null;
  /**
   * The decrypted entry catalog while unlocked, so a write re-seals it without reading and opening it
   * again. Summaries and box nonces only, no secret. Used only for the same vault and key, and only while
   * the stored catalog is still the one named by `nonce`: each catalog write checks that in its own
   * transaction (`CatalogWrite`), so a copy gone stale (another instance wrote, the data was replaced
   * or migrated) is reloaded, never written back. Dropped on lock. `list()` does not use it: it opens the
   * stored catalog, so what it shows is always what is on disk.
   */
  catalog: CatalogState | null;
}

/** A fresh context: empty write queue, no migration running, no catalog in memory. */
export function createContext(deps: VaultDeps): VaultContext {
  return { ...deps, tail: Promise.resolve(), migrating: null, catalog: null };
}

/**
 * Runs `fn` after every earlier exclusive operation has settled. The service worker handles messages
 * concurrently; read-modify-write (update), check-then-act (create, remove) and the unlock backoff
 * (read failures, derive, write failures) would otherwise interleave and lose writes or let parallel
 * guesses past the backoff.
 */
export function exclusive<T>(ctx: VaultContext, fn: () => Promise<T>): Promise<T> {
  const run = ctx.tail.then(fn);
  ctx.tail = run.catch(() => undefined);
  return run;
}

/** Migrates old stored data once, however many callers notice it at the same time. */
function migrate(ctx: VaultContext): Promise<void> {
  ctx.migrating ??= (async () => {
    try {
      const dumped = await ctx.store.dump();
      // Another caller may have finished migrating between our header read and this dump.
      if (storedVersion(dumped) >= FORMAT_VERSION) return;
      const migrated = await migrateStored(dumped, ctx.migrations);
      await ctx.store.replaceAll(migrated);
    } finally {
      ctx.migrating = null;
    }
  })();
  return ctx.migrating;
}

/** The parsed header (migrating old data first), or null when there is no vault. */
export async function readHeader(ctx: VaultContext): Promise<VaultHeader | null> {
  try {
    let raw = await ctx.store.getHeader();
    if (raw === undefined) return null;
    if (isRecord(raw) && typeof raw.format === 'number' && raw.format < FORMAT_VERSION) {
      await migrate(ctx);
      raw = await ctx.store.getHeader();
    }
    return parseHeader(raw);
  } catch (e) {
    if (e instanceof FormatError) throw new VaultError('corrupt', e.message);
    throw e;
  }
}

/** The parsed header; 'no-vault' when there is none. */
export async function requireHeader(ctx: VaultContext): Promise<VaultHeader> {
  const header = await readHeader(ctx);
  if (!header) throw new VaultError('no-vault', 'There is no vault yet');
  return header;
}

/** The session's data key when it belongs to the vault of `header`, else null (locked). */
export async function sessionKeyOf(ctx: VaultContext, header: VaultHeader): Promise<Uint8Array | null> {
  const s = await ctx.session.get();
  return s && s.vaultId === header.vaultId ? s.key : null;
}

/** The vault id and data key for an operation that needs the vault unlocked. */
export async function requireKey(ctx: VaultContext): Promise<{ vaultId: string; key: Uint8Array }> {
  const header = await requireHeader(ctx);
  const key = await sessionKeyOf(ctx, header);
  if (!key) throw new VaultError('locked', 'The vault is locked');
  return { vaultId: header.vaultId, key };
}

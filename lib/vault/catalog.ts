/**
 * The encrypted entry catalog: one box of every entry's summary (no secret, no history) so listing opens
 * one box instead of all of them. Keeps it in step with the entry boxes on every write (compare-and-swap
 * against other service instances), rebuilds it from the boxes when missing, and lists from it.
 */
import { type CatalogState, exclusive, requireKey, type VaultContext } from './context';
import { sameBytes } from './crypto';
import { orCorrupt } from './errors';
import {
  type CatalogItem,
  catalogItemOf,
  openCatalog,
  openEntry,
  parseCatalogBox,
  parseEntryBox,
  sealCatalog,
  summaryOf,
} from './format';
import type { EntrySummary } from './model';
import { CatalogConflictError, type CatalogWrite, storedCatalogNonce } from './store';
import { isRecord } from './validate';

/**
 * How often a catalog write is retried after a compare-and-swap conflict (another service instance on the
 * same database wrote in between). Each retry reloads the stored catalog first.
 */
const CATALOG_WRITE_ATTEMPTS = 3;

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

/** True when `items` has exactly one item per stored box, each with that box's current nonce. */
function namesStoredBoxes(items: ReadonlyMap<string, CatalogItem>, boxes: readonly unknown[]): boolean {
  if (boxes.length !== items.size) return false;
  return boxes.every(
    (raw) => isRecord(raw) && typeof raw.id === 'string' && items.get(raw.id)?.boxNonce === raw.nonce,
  );
}

/** Runs `attempt` again (up to {@link CATALOG_WRITE_ATTEMPTS} in all) while it fails on a catalog conflict. */
async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (e instanceof CatalogConflictError && n < CATALOG_WRITE_ATTEMPTS) continue;
      throw e;
    }
  }
}

/**
 * Parses and opens a raw stored catalog, its items by entry id. Throws FormatError (malformed) or
 * DecryptError (does not open), for callers that tell the two apart or rebuild.
 */
export function openCatalogById(key: Uint8Array, vaultId: string, raw: unknown): Map<string, CatalogItem> {
  return new Map(openCatalog(key, vaultId, parseCatalogBox(raw)).map((i) => [i.summary.id, i]));
}

/** Parses and opens a raw stored catalog; any failure is the one generic 'corrupt' error. */
function openStoredCatalog(key: Uint8Array, vaultId: string, raw: unknown): Map<string, CatalogItem> {
  return orCorrupt(() => openCatalogById(key, vaultId, raw));
}

/**
 * The catalog rebuilt from the stored boxes (each decrypted), leaving out entry `except`. Any box that
 * fails to open fails it with 'corrupt'.
 */
async function catalogFromBoxes(
  ctx: VaultContext,
  key: Uint8Array,
  vaultId: string,
  except?: string,
): Promise<Map<string, CatalogItem>> {
  const items = new Map<string, CatalogItem>();
  for (const raw of await ctx.store.listEntries()) {
    if (except !== undefined && isRecord(raw) && raw.id === except) continue;
    const box = orCorrupt(() => parseEntryBox(raw));
    items.set(
      box.id,
      catalogItemOf(
        orCorrupt(() => openEntry(key, vaultId, box)),
        box.nonce,
      ),
    );
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
async function writableCatalog(
  ctx: VaultContext,
  key: Uint8Array,
  vaultId: string,
  except?: string,
): Promise<CatalogState> {
  const mem = ctx.catalog;
  if (mem && mem.vaultId === vaultId && sameBytes(mem.key, key)) return mem;
  const raw = await ctx.store.getCatalog();
  const nonce = storedCatalogNonce(raw);
  if (raw !== undefined) {
    let items: Map<string, CatalogItem> | null = null;
    try {
      items = openCatalogById(key, vaultId, raw);
    } catch {
      // Rebuilt below.
    }
    if (items && namesStoredBoxes(items, await ctx.store.listEntries())) {
      return { vaultId, key, nonce, items };
    }
  }
  return { vaultId, key, nonce, items: await catalogFromBoxes(ctx, key, vaultId, except) };
}

/**
 * Re-seals the catalog after `edit` and hands it to `commit`, which writes it in the same transaction as
 * the entry change (compare-and-swap on the stored catalog: on a conflict the stored catalog is reloaded
 * and the catalog re-sealed). The in-memory catalog changes only once the transaction has committed.
 * `except` is as for {@link writableCatalog}. Must run inside {@link exclusive}.
 */
export function writeWithCatalog(
  ctx: VaultContext,
  key: Uint8Array,
  vaultId: string,
  edit: (items: Map<string, CatalogItem>) => void,
  commit: (catalog: CatalogWrite) => Promise<void>,
  except?: string,
): Promise<void> {
  return retryOnConflict(async () => {
    const base = await writableCatalog(ctx, key, vaultId, except);
    const items = new Map(base.items);
    edit(items);
    const sealed = sealCatalog(key, vaultId, items.values());
    try {
      await commit({ box: sealed, replaces: base.nonce });
    } catch (e) {
      ctx.catalog = null;
      throw e;
    }
    ctx.catalog = { vaultId, key, nonce: sealed.nonce, items };
  });
}

/**
 * The stored catalog, opened; when there is none (a vault from before the catalog, or just migrated),
 * rebuilds it from the boxes and stores it. Must run inside {@link exclusive}.
 */
function storedOrRebuiltCatalog(ctx: VaultContext, key: Uint8Array, vaultId: string): Promise<CatalogItem[]> {
  return retryOnConflict(async () => {
    const raw = await ctx.store.getCatalog();
    if (raw !== undefined) return [...openStoredCatalog(key, vaultId, raw).values()];
    const items = await catalogFromBoxes(ctx, key, vaultId);
    const sealed = sealCatalog(key, vaultId, items.values());
    await ctx.store.putCatalog({ box: sealed, replaces: null });
    ctx.catalog = { vaultId, key, nonce: sealed.nonce, items };
    return [...items.values()];
  });
}

/** The catalog's items: from memory while it is the stored box, else opened (or rebuilt) from the store. */
async function catalogItems(ctx: VaultContext, key: Uint8Array, vaultId: string): Promise<CatalogItem[]> {
  const raw = await ctx.store.getCatalog();
  const mem = ctx.catalog;
  const nonce = raw === undefined ? null : storedCatalogNonce(raw);
  if (mem && nonce !== null && mem.nonce === nonce && mem.vaultId === vaultId && sameBytes(mem.key, key)) {
    // The stored catalog is the very box this service wrote or opened last: no need to decrypt it again.
    return [...mem.items.values()];
  }
  if (raw === undefined) return exclusive(ctx, () => storedOrRebuiltCatalog(ctx, key, vaultId));
  const items = openStoredCatalog(key, vaultId, raw);
  ctx.catalog = { vaultId, key, nonce, items };
  return [...items.values()];
}

/** Every entry's summary, sorted by folded name, then name, then id; copies, never the catalog's objects. */
export async function listSummaries(ctx: VaultContext): Promise<EntrySummary[]> {
  const { vaultId, key } = await requireKey(ctx);
  const items = await catalogItems(ctx, key, vaultId);
  const keyed = items.map((it) => ({ s: summaryOf(it.summary), k: nameKey(it.summary.name) }));
  keyed.sort((a, b) => cmp(a.k, b.k) || cmp(a.s.name, b.s.name) || cmp(a.s.id, b.s.id));
  return keyed.map((x) => x.s);
}

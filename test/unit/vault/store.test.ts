import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../lib/vault/crypto';
import {
  type CatalogBox,
  catalogItemOf,
  type EntryBox,
  indexRecordOf,
  makeHeader,
  sealCatalog,
  sealEntry,
} from '../../../lib/vault/format';
import type { Entry, IndexRecord } from '../../../lib/vault/model';
import {
  CatalogConflictError,
  type CatalogWrite,
  openVaultStore,
  storedCatalogNonce,
  type VaultStore,
} from '../../../lib/vault/store';
import { randomSecret } from './helpers';

const VAULT = '0b4f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const key = randomBytes(32);

function entry(host = 'app.docbits.com'): Entry {
  return {
    id: crypto.randomUUID(),
    name: 'k',
    secret: randomSecret(),
    notes: '',
    host,
    orgId: null,
    environment: 'sandbox',
    prefix: '',
    createdAt: 1,
    expiresAt: null,
    rotateAfterDays: null,
    state: 'active',
    source: 'manual',
    successorId: null,
    predecessorId: null,
    history: [],
  };
}

function boxed(e: Entry): [EntryBox, IndexRecord] {
  return [sealEntry(key, VAULT, e), indexRecordOf(e)];
}

/** A catalog holding `entries`, replacing whatever catalog `store` holds now. */
async function nextCatalog(store: VaultStore, ...entries: [Entry, EntryBox][]): Promise<CatalogWrite> {
  return {
    box: sealCatalog(
      key,
      VAULT,
      entries.map(([e, b]) => catalogItemOf(e, b.nonce)),
    ),
    replaces: storedCatalogNonce(await store.getCatalog()),
  };
}

/** Writes `e` with a catalog of just `e`. */
async function put(store: VaultStore, e: Entry): Promise<EntryBox> {
  const [box, rec] = boxed(e);
  await store.putEntry(box, rec, await nextCatalog(store, [e, box]));
  return box;
}

function header() {
  return makeHeader(
    VAULT,
    { alg: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1, salt: randomBytes(16) },
    randomBytes(32),
    key,
  );
}

describe('openVaultStore', () => {
  it('writes a box, its index record and the catalog together, and deletes them together', async () => {
    const store = await openVaultStore(new IDBFactory());
    const e = entry();
    const [box, rec] = boxed(e);
    const catalog = await nextCatalog(store, [e, box]);
    expect(catalog.replaces).toBeNull();
    await store.putEntry(box, rec, catalog);
    expect(await store.getEntry(e.id)).toMatchObject({ id: e.id, format: 1 });
    expect(await store.listIndex()).toEqual([indexRecordOf(e)]);
    expect(await store.getCatalog()).toEqual(catalog.box);
    const empty = await nextCatalog(store);
    expect(empty.replaces).toBe(catalog.box.nonce);
    await store.deleteEntry(e.id, empty);
    expect(await store.getEntry(e.id)).toBeUndefined();
    expect(await store.listIndex()).toEqual([]);
    expect(await store.getCatalog()).toEqual(empty.box);
  });

  it('commits nothing when one part of an entry write fails', async () => {
    const store = await openVaultStore(new IDBFactory());
    const e = entry();
    const [box, rec] = boxed(e);
    // A function cannot be cloned into IndexedDB: the index put throws after the box put was queued.
    const unclonable = { ...rec, orgId: (() => 'x') as unknown as string };
    await expect(store.putEntry(box, unclonable, await nextCatalog(store, [e, box]))).rejects.toThrow();
    // The catalog is the last put: an unclonable one undoes the box and index puts before it.
    const badCatalog = { ...(await nextCatalog(store, [e, box])) };
    badCatalog.box = { ...badCatalog.box, ct: (() => 'x') as unknown as string };
    await expect(store.putEntry(box, rec, badCatalog)).rejects.toThrow();
    expect(await store.getEntry(e.id)).toBeUndefined();
    expect(await store.listIndex()).toEqual([]);
    expect(await store.getCatalog()).toBeUndefined();
    await expect(
      store.putEntry(box, { ...rec, id: crypto.randomUUID() }, await nextCatalog(store, [e, box])),
    ).rejects.toThrow(/ids differ/);
  });

  it('refuses a catalog write whose expected predecessor is not the stored catalog, writing nothing', async () => {
    const store = await openVaultStore(new IDBFactory());
    const a = entry();
    const boxA = await put(store, a);
    const stored = await store.getCatalog();
    const b = entry();
    const [boxB, recB] = boxed(b);
    const stale: CatalogWrite = { box: sealCatalog(key, VAULT, []), replaces: null };
    await expect(store.putEntry(boxB, recB, stale)).rejects.toBeInstanceOf(CatalogConflictError);
    await expect(store.deleteEntry(a.id, stale)).rejects.toBeInstanceOf(CatalogConflictError);
    await expect(store.putCatalog({ ...stale, replaces: 'AAAA' })).rejects.toBeInstanceOf(
      CatalogConflictError,
    );
    expect(await store.getEntry(b.id)).toBeUndefined();
    expect(await store.getEntry(a.id)).toEqual(boxA);
    expect((await store.listIndex()).map((r) => (r as IndexRecord).id)).toEqual([a.id]);
    expect(await store.getCatalog()).toEqual(stored);
    // With the right predecessor, putCatalog replaces it.
    const fresh = await nextCatalog(store, [a, boxA]);
    await store.putCatalog(fresh);
    expect(await store.getCatalog()).toEqual(fresh.box);
  });

  it('keeps header, meta, entries and index across close and reopen (same factory)', async () => {
    const factory = new IDBFactory();
    const store = await openVaultStore(factory);
    const h = header();
    const e = entry();
    await store.putHeader(h);
    await store.putMeta('backoff', { failures: 2, lastFailureAt: 5 });
    await put(store, e);
    store.close();
    const again = await openVaultStore(factory);
    expect(await again.getHeader()).toEqual(h);
    expect(await again.getMeta('backoff')).toEqual({ failures: 2, lastFailureAt: 5 });
    expect(await again.listEntries()).toHaveLength(1);
    await again.deleteMeta('backoff');
    expect(await again.getMeta('backoff')).toBeUndefined();
  });

  it('keeps separate databases apart by name', async () => {
    const factory = new IDBFactory();
    const a = await openVaultStore(factory, 'a');
    const b = await openVaultStore(factory, 'b');
    await a.putHeader(header());
    expect(await b.getHeader()).toBeUndefined();
  });

  it('initVault drops leftover entries and index records and writes the header and catalog', async () => {
    const store = await openVaultStore(new IDBFactory());
    await put(store, entry());
    const h = header();
    const empty: CatalogBox = sealCatalog(key, VAULT, []);
    await store.initVault(h, empty);
    expect(await store.getHeader()).toEqual(h);
    expect(await store.listEntries()).toEqual([]);
    expect(await store.listIndex()).toEqual([]);
    expect(await store.getCatalog()).toEqual(empty);
  });

  it('finds index records by host', async () => {
    const store = await openVaultStore(new IDBFactory());
    const a = entry('app.docbits.com');
    const b = entry('docbits.example.org');
    await put(store, a);
    await put(store, b);
    const found = (await store.listIndexByHost('docbits.example.org')) as IndexRecord[];
    expect(found.map((r) => r.id)).toEqual([b.id]);
  });

  it('appends and lists audit records', async () => {
    const store = await openVaultStore(new IDBFactory());
    const k1 = await store.appendAudit({ at: 1, event: 'unlock' });
    const k2 = await store.appendAudit({ at: 2, event: 'copy', entryId: 'x' });
    expect(k2).toBeGreaterThan(k1);
    expect(await store.listAudit()).toEqual([
      { at: 1, event: 'unlock' },
      { at: 2, event: 'copy', entryId: 'x' },
    ]);
  });

  it('dumps and replaces everything, atomically', async () => {
    const store = await openVaultStore(new IDBFactory());
    const h = header();
    const e = entry();
    await store.putHeader(h);
    const box = await put(store, e);
    const dump = await store.dump();
    expect(dump.meta).toEqual({ header: h, catalog: await store.getCatalog() });
    expect(dump.entries).toEqual([box]);
    expect(dump.entries).toHaveLength(1);
    expect(dump.index).toEqual([indexRecordOf(e)]);

    const other = await openVaultStore(new IDBFactory());
    await other.replaceAll(dump);
    expect(await other.dump()).toEqual(dump);

    // A record without its key path makes the whole replacement fail and leaves the old data alone.
    await expect(other.replaceAll({ ...dump, entries: [{ nope: true }] })).rejects.toThrow();
    expect(await other.dump()).toEqual(dump);
  });

  it('clearAll empties every store', async () => {
    const store = await openVaultStore(new IDBFactory());
    await store.putHeader(header());
    await put(store, entry());
    await store.appendAudit({ at: 1, event: 'x' });
    await store.clearAll();
    expect(await store.dump()).toEqual({ meta: {}, entries: [], index: [] });
    expect(await store.listAudit()).toEqual([]);
  });
});

import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../lib/vault/crypto';
import { type EntryBox, indexRecordOf, makeHeader, sealEntry } from '../../../lib/vault/format';
import type { Entry, IndexRecord } from '../../../lib/vault/model';
import { openVaultStore } from '../../../lib/vault/store';
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

function header() {
  return makeHeader(
    VAULT,
    { alg: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1, salt: randomBytes(16) },
    randomBytes(32),
    key,
  );
}

describe('openVaultStore', () => {
  it('writes a box and its index record together, and deletes them together', async () => {
    const store = await openVaultStore(new IDBFactory());
    const e = entry();
    await store.putEntry(...boxed(e));
    expect(await store.getEntry(e.id)).toMatchObject({ id: e.id, format: 1 });
    expect(await store.listIndex()).toEqual([indexRecordOf(e)]);
    await store.deleteEntry(e.id);
    expect(await store.getEntry(e.id)).toBeUndefined();
    expect(await store.listIndex()).toEqual([]);
  });

  it('commits neither half when one half of an entry write fails', async () => {
    const store = await openVaultStore(new IDBFactory());
    const e = entry();
    const [box, rec] = boxed(e);
    // A function cannot be cloned into IndexedDB: the index put throws after the box put was queued.
    const unclonable = { ...rec, orgId: (() => 'x') as unknown as string };
    await expect(store.putEntry(box, unclonable)).rejects.toThrow();
    expect(await store.getEntry(e.id)).toBeUndefined();
    expect(await store.listIndex()).toEqual([]);
    await expect(store.putEntry(box, { ...rec, id: crypto.randomUUID() })).rejects.toThrow(/ids differ/);
  });

  it('keeps header, meta, entries and index across close and reopen (same factory)', async () => {
    const factory = new IDBFactory();
    const store = await openVaultStore(factory);
    const h = header();
    const e = entry();
    await store.putHeader(h);
    await store.putMeta('backoff', { failures: 2, lastFailureAt: 5 });
    await store.putEntry(...boxed(e));
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

  it('initVault drops leftover entries and index records and writes the header', async () => {
    const store = await openVaultStore(new IDBFactory());
    await store.putEntry(...boxed(entry()));
    const h = header();
    await store.initVault(h);
    expect(await store.getHeader()).toEqual(h);
    expect(await store.listEntries()).toEqual([]);
    expect(await store.listIndex()).toEqual([]);
  });

  it('finds index records by host', async () => {
    const store = await openVaultStore(new IDBFactory());
    const a = entry('app.docbits.com');
    const b = entry('docbits.example.org');
    await store.putEntry(...boxed(a));
    await store.putEntry(...boxed(b));
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
    await store.putEntry(...boxed(e));
    const dump = await store.dump();
    expect(dump.meta).toEqual({ header: h });
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
    await store.putEntry(...boxed(entry()));
    await store.appendAudit({ at: 1, event: 'x' });
    await store.clearAll();
    expect(await store.dump()).toEqual({ meta: {}, entries: [], index: [] });
    expect(await store.listAudit()).toEqual([]);
  });
});

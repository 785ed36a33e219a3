/**
 * The encrypted entry catalog (format.ts, `meta`/`catalog`): what list() reads instead of every box, kept
 * in step with every write, rebuilt when absent, and checked by verify().
 */
import { describe, expect, it, vi } from 'vitest';
import { base64ToBytes, open, utf8Decode } from '../../../lib/vault/crypto';
import {
  CATALOG_META_KEY,
  type CatalogBox,
  type CatalogItem,
  catalogAad,
  type EntryBox,
  indexRecordOf,
  openCatalog,
  parseCatalogBox,
  summaryOf,
} from '../../../lib/vault/format';
import type { EntrySummary } from '../../../lib/vault/model';
import { CORRUPT_MESSAGE } from '../../../lib/vault/service';
import {
  expectVaultError,
  flipByte,
  type Harness,
  makeHarness,
  PASSWORD,
  rawPutEntry,
  sampleEntry,
} from './helpers';

async function unlockedHarness(): Promise<Harness> {
  const h = await makeHarness();
  await h.service.create(PASSWORD);
  return h;
}

async function sessionKey(h: Harness): Promise<{ vaultId: string; key: Uint8Array }> {
  const s = await h.session.get();
  if (!s) throw new Error('expected an unlocked session');
  return s;
}

async function storedCatalog(h: Harness): Promise<CatalogBox> {
  return parseCatalogBox(await h.store.getCatalog());
}

/** The stored catalog, opened with the session key, by entry id. */
async function catalogItems(h: Harness): Promise<Map<string, CatalogItem>> {
  const { vaultId, key } = await sessionKey(h);
  const items = openCatalog(key, vaultId, await storedCatalog(h));
  return new Map(items.map((i) => [i.summary.id, i]));
}

/** Summaries sorted by id, for order-independent comparison. */
function byId(list: EntrySummary[]): EntrySummary[] {
  return [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * Asserts the stored catalog names exactly the stored boxes, with their current nonces and the summaries
 * of their decrypted entries, and that verify() agrees.
 */
async function expectCatalogInStep(h: Harness): Promise<void> {
  const items = await catalogItems(h);
  const boxes = (await h.store.listEntries()) as EntryBox[];
  expect([...items.keys()].sort()).toEqual(boxes.map((b) => b.id).sort());
  for (const box of boxes) {
    const item = items.get(box.id);
    expect(item?.boxNonce).toBe(box.nonce);
    expect(item?.summary).toEqual(summaryOf(await h.service.get(box.id)));
  }
  expect(await h.service.verify()).toEqual({ ok: true, entries: boxes.length, problems: [] });
}

describe('list() from the catalog', () => {
  it('a cold service (worker restart) lists from the catalog without reading or opening a box', async () => {
    const h = await unlockedHarness();
    for (let i = 0; i < 5; i++) await h.service.add(sampleEntry({ name: `key ${i}` }));
    const warm = await h.service.list();
    const boxReads = vi.spyOn(h.store, 'listEntries');
    const boxGets = vi.spyOn(h.store, 'getEntry');
    const catalogReads = vi.spyOn(h.store, 'getCatalog');
    const cold = h.restart();
    expect(await cold.list()).toEqual(warm);
    expect(boxReads).not.toHaveBeenCalled();
    expect(boxGets).not.toHaveBeenCalled();
    expect(catalogReads).toHaveBeenCalledTimes(1);
    // Proof that no box is opened: with every box damaged, the cold list is still the same.
    boxReads.mockRestore();
    const dump = await h.store.dump();
    await h.store.replaceAll({
      ...dump,
      entries: dump.entries.map((raw) => ({ ...(raw as EntryBox), ct: flipByte((raw as EntryBox).ct, 0) })),
    });
    for (const s of warm) await expectVaultError(h.service.get(s.id), 'corrupt');
    expect(await h.restart().list()).toEqual(warm);
  });

  it('returns fresh objects every time and nothing but summary fields', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    const [first] = await h.service.list();
    expect(first).toEqual(summaryOf(e));
    (first as { name: string }).name = 'mutated';
    expect((await h.service.list())[0]).toEqual(summaryOf(e));
  });
});

describe('catalog kept in step', () => {
  it('by add, update and remove', async () => {
    const h = await unlockedHarness();
    // A new vault starts with an empty catalog.
    expect((await catalogItems(h)).size).toBe(0);
    const a = await h.service.add(sampleEntry());
    const b = await h.service.add(sampleEntry());
    await expectCatalogInStep(h);
    await h.service.update(a.id, { name: 'renamed', state: 'retired', notes: 'new notes' });
    await expectCatalogInStep(h);
    await h.service.remove(b.id);
    await expectCatalogInStep(h);
    expect((await h.restart().list()).map((s) => [s.id, s.name, s.state])).toEqual([
      [a.id, 'renamed', 'retired'],
    ]);
  });

  it('by concurrent writes on one service', async () => {
    const h = await unlockedHarness();
    const initial = await Promise.all(Array.from({ length: 8 }, () => h.service.add(sampleEntry())));
    await Promise.all([
      ...Array.from({ length: 8 }, () => h.service.add(sampleEntry())),
      ...initial.slice(0, 4).map((e, i) => h.service.update(e.id, { name: `updated ${i}` })),
      ...initial.slice(4).map((e) => h.service.remove(e.id)),
      h.service.list(),
    ]);
    await expectCatalogInStep(h);
    const listed = await h.restart().list();
    expect(listed).toHaveLength(12);
    const full = await Promise.all(listed.map((s) => h.service.get(s.id)));
    expect(byId(listed)).toEqual(byId(full.map(summaryOf)));
  });

  it('by writes from two service instances on the same database (compare-and-swap)', async () => {
    const h = await unlockedHarness();
    const one = h.service;
    const two = h.restart();
    const a = await one.add(sampleEntry());
    const b = await two.add(sampleEntry());
    // `one` still holds the catalog from before `two` wrote; its next write must not drop b.
    const c = await one.add(sampleEntry());
    await two.update(a.id, { notes: 'from two' });
    await one.remove(c.id);
    await Promise.all([one.add(sampleEntry()), two.add(sampleEntry()), one.update(b.id, { name: 'x' })]);
    await expectCatalogInStep(h);
    expect(await h.restart().list()).toHaveLength(4);
  });

  it('a write re-seals the in-memory catalog without reading it; lock drops it', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    const catalogReads = vi.spyOn(h.store, 'getCatalog');
    const before = (await storedCatalog(h)).nonce;
    catalogReads.mockClear();
    await h.service.update(e.id, { notes: 'one' });
    await h.service.update(e.id, { notes: 'two' });
    expect(catalogReads).not.toHaveBeenCalled();
    // Fresh nonce on every write.
    expect((await storedCatalog(h)).nonce).not.toBe(before);
    await h.service.lock();
    await h.service.unlock(PASSWORD);
    catalogReads.mockClear();
    await h.service.update(e.id, { notes: 'three' });
    expect(catalogReads).toHaveBeenCalledTimes(1);
    await expectCatalogInStep(h);
  });

  it('is left alone by changePassword (same data key)', async () => {
    const h = await unlockedHarness();
    await h.service.add(sampleEntry());
    const before = await h.store.getCatalog();
    await h.service.changePassword(PASSWORD, 'another master password');
    expect(await h.store.getCatalog()).toEqual(before);
    await h.service.lock();
    await h.service.unlock('another master password');
    expect(await h.restart().list()).toHaveLength(1);
  });

  it('a new vault never inherits a catalog left in the database', async () => {
    const old = await unlockedHarness();
    await old.service.add(sampleEntry());
    const h = await makeHarness();
    await h.store.putMeta(CATALOG_META_KEY, await old.store.getCatalog());
    await h.service.create(PASSWORD);
    expect(await h.service.list()).toEqual([]);
    await expectCatalogInStep(h);
  });
});

describe('catalog rebuilt when absent', () => {
  it('list() rebuilds it from the boxes once and stores it', async () => {
    const h = await unlockedHarness();
    for (let i = 0; i < 3; i++) await h.service.add(sampleEntry());
    const expected = await h.service.list();
    await h.store.deleteMeta(CATALOG_META_KEY);
    const boxReads = vi.spyOn(h.store, 'listEntries');
    expect(await h.restart().list()).toEqual(expected);
    expect(boxReads).toHaveBeenCalledTimes(1);
    await expectCatalogInStep(h);
    boxReads.mockClear();
    expect(await h.restart().list()).toEqual(expected);
    expect(boxReads).not.toHaveBeenCalled();
  });

  it('concurrent cold lists rebuild it once', async () => {
    const h = await unlockedHarness();
    for (let i = 0; i < 3; i++) await h.service.add(sampleEntry());
    await h.store.deleteMeta(CATALOG_META_KEY);
    const cold = h.restart();
    const puts = vi.spyOn(h.store, 'putCatalog');
    const lists = await Promise.all([cold.list(), cold.list(), cold.list()]);
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    expect(puts).toHaveBeenCalledTimes(1);
  });

  it('a write rebuilds it too, on a cold service and on one that held it in memory', async () => {
    const h = await unlockedHarness();
    const a = await h.service.add(sampleEntry());
    await h.service.add(sampleEntry());
    await h.store.deleteMeta(CATALOG_META_KEY);
    await h.restart().update(a.id, { notes: 'cold write' });
    await expectCatalogInStep(h);
    await h.store.deleteMeta(CATALOG_META_KEY);
    // h.service still has the catalog in memory; the stored one is gone, so it must not trust memory.
    await h.service.add(sampleEntry());
    await expectCatalogInStep(h);
    expect(await h.restart().list()).toHaveLength(3);
  });

  it('removing a damaged box works without a catalog; other writes then refuse to rebuild over it', async () => {
    const h = await unlockedHarness();
    const good = await h.service.add(sampleEntry());
    const bad = await h.service.add(sampleEntry());
    const box = (await h.store.getEntry(bad.id)) as EntryBox;
    await rawPutEntry(h.store, { ...box, ct: flipByte(box.ct, 5) }, indexRecordOf(bad));
    await h.store.deleteMeta(CATALOG_META_KEY);
    const before = await h.store.dump();
    await expectVaultError(h.restart().list(), 'corrupt');
    await expectVaultError(h.restart().add(sampleEntry()), 'corrupt');
    expect(await h.store.dump()).toEqual(before);
    await h.restart().remove(bad.id);
    expect((await h.restart().list()).map((s) => s.id)).toEqual([good.id]);
    await expectCatalogInStep(h);
  });
});

describe('catalog tampering', () => {
  it('every single-byte flip of its nonce or ciphertext: list says corrupt, verify says catalog', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry({ notes: 'n' }));
    const good = await storedCatalog(h);
    const flips: CatalogBox[] = [];
    for (let i = 0; i < base64ToBytes(good.nonce).length; i++)
      flips.push({ ...good, nonce: flipByte(good.nonce, i) });
    for (let i = 0; i < base64ToBytes(good.ct).length; i++) flips.push({ ...good, ct: flipByte(good.ct, i) });
    const messages = new Set<string>();
    for (const bad of flips) {
      await h.store.putMeta(CATALOG_META_KEY, bad);
      messages.add((await expectVaultError(h.restart().list(), 'corrupt')).message);
      expect(await h.service.verify()).toEqual({
        ok: false,
        entries: 1,
        problems: ['catalog: does not decrypt'],
      });
    }
    expect([...messages]).toEqual([CORRUPT_MESSAGE]);
    // get() reads the entry's own box and is unaffected.
    expect((await h.service.get(e.id)).id).toBe(e.id);
    await h.store.putMeta(CATALOG_META_KEY, good);
    expect(await h.restart().list()).toEqual([summaryOf(e)]);
  });

  it('a malformed catalog record: list says corrupt, verify says malformed', async () => {
    const h = await unlockedHarness();
    await h.service.add(sampleEntry());
    const good = await storedCatalog(h);
    for (const bad of [{ ...good, format: 2 }, { ...good, ct: 'AAAA' }, null, 'x']) {
      await h.store.putMeta(CATALOG_META_KEY, bad);
      const err = await expectVaultError(h.restart().list(), 'corrupt');
      expect(err.message).toBe(CORRUPT_MESSAGE);
      expect((await h.service.verify()).problems).toEqual(['catalog: malformed']);
    }
  });

  it('a write replaces a catalog that does not open with one rebuilt from the boxes', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    const good = await storedCatalog(h);
    await h.store.putMeta(CATALOG_META_KEY, { ...good, ct: flipByte(good.ct, 7) });
    await h.restart().update(e.id, { notes: 'after tampering' });
    await expectCatalogInStep(h);
  });

  it('a catalog from another vault does not open (even with the same key it would not)', async () => {
    const one = await unlockedHarness();
    const two = await unlockedHarness();
    await one.service.add(sampleEntry());
    await two.service.add(sampleEntry());
    await two.store.putMeta(CATALOG_META_KEY, await one.store.getCatalog());
    await expectVaultError(two.restart().list(), 'corrupt');
    expect((await two.service.verify()).problems).toEqual(['catalog: does not decrypt']);
  });

  it('a replayed older catalog is reported by verify; list shows it (documented limit); a write heals it', async () => {
    const h = await unlockedHarness();
    const a = await h.service.add(sampleEntry({ name: 'a' }));
    const b = await h.service.add(sampleEntry({ name: 'b' }));
    const old = await h.store.getCatalog();
    await h.service.update(a.id, { notes: 'changed' });
    await h.service.remove(b.id);
    const c = await h.service.add(sampleEntry({ name: 'c' }));
    await h.store.putMeta(CATALOG_META_KEY, old);

    const report = await h.service.verify();
    expect(report.ok).toBe(false);
    expect([...report.problems].sort()).toEqual(
      [
        `${a.id}: catalog out of step (box, notes)`,
        `${b.id}: in the catalog without an entry`,
        `${c.id}: missing from the catalog`,
      ].sort(),
    );
    // The replayed catalog is authentic, so list() shows it: rolling back the database is possible for
    // anyone who can write it (format.ts, "Limit"). get() reads the entry's own box.
    expect((await h.restart().list()).map((s) => s.name)).toEqual(['a', 'b']);
    expect((await h.service.get(a.id)).notes).toBe('changed');

    // The next write, even by the service holding the newer catalog in memory, checks the stored one
    // against the boxes and rebuilds it rather than carrying the stale one forward.
    await h.service.update(c.id, { notes: 'heal' });
    await expectCatalogInStep(h);
    expect((await h.restart().list()).map((s) => s.name)).toEqual(['a', 'c']);
  });
});

describe('catalog contents', () => {
  it('never contains a secret (current or old) or the history', async () => {
    const h = await unlockedHarness();
    const secrets: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const input = sampleEntry({ notes: `notes ${i}` });
      secrets.push(input.secret);
      ids.push((await h.service.add(input)).id);
    }
    const replacement = sampleEntry().secret;
    secrets.push(replacement);
    await h.service.update(ids[0] as string, { secret: replacement });
    const { vaultId, key } = await sessionKey(h);
    const box = await storedCatalog(h);
    const plain = utf8Decode(open(key, base64ToBytes(box.nonce), base64ToBytes(box.ct), catalogAad(vaultId)));
    expect(secrets.some((s) => plain.includes(s))).toBe(false);
    expect(plain.includes('"secret"')).toBe(false);
    expect(plain.includes('history')).toBe(false);
    expect(plain.includes('notes 3')).toBe(true);
    // And nothing of it is in the clear.
    const clear = JSON.stringify(await h.store.getCatalog());
    expect(clear.includes('notes 3')).toBe(false);
  });
});

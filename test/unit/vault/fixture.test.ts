/**
 * The committed format-1 fixture (test/fixtures/vault/v1.json, made by make-v1.ts) must keep opening:
 * load it into a fresh store, run it through migrateStored, unlock, and get the expected entries back.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { KdfCost } from '../../../lib/vault/crypto';
import {
  CATALOG_META_KEY,
  indexRecordOf,
  migrateStored,
  parseHeader,
  type StoredVault,
  storedVersion,
} from '../../../lib/vault/format';
import type { Entry } from '../../../lib/vault/model';
import { VaultService } from '../../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../../lib/vault/session';
import { expectSameEntry, expectVaultError, makeHarness, TEST_FLOOR } from './helpers';

interface Fixture {
  format: number;
  password: string;
  kdf: KdfCost;
  expected: Entry[];
  stored: StoredVault;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/vault/v1.json', import.meta.url), 'utf8'),
) as Fixture;

async function loaded() {
  const h = await makeHarness();
  await h.store.replaceAll(await migrateStored(fixture.stored));
  const session = createMemorySessionKeyStorage();
  const build = () =>
    new VaultService({ store: h.store, session, now: h.clock.now, kdf: fixture.kdf, minKdf: TEST_FLOOR });
  return { ...h, session, service: build(), restart: build };
}

describe('format 1 fixture', () => {
  it('is a format-1 dump whose header carries the documented KDF', () => {
    expect(fixture.format).toBe(1);
    expect(storedVersion(fixture.stored)).toBe(1);
    const header = parseHeader(fixture.stored.meta.header);
    expect(header.kdf).toMatchObject({ alg: 'argon2id', ...fixture.kdf });
    expect(fixture.stored.entries).toHaveLength(fixture.expected.length);
    // Nothing but the index is in the clear.
    const clear = JSON.stringify(fixture.stored);
    for (const e of fixture.expected) {
      expect(clear.includes(e.secret)).toBe(false);
      expect(clear.includes(e.name)).toBe(false);
    }
  });

  it('loads into a fresh store, migrates, unlocks and yields the expected entries', async () => {
    // The fixture predates the entry catalog, so it covers the "no catalog yet" path: keep it that way.
    expect(fixture.stored.meta[CATALOG_META_KEY]).toBeUndefined();
    const { service, store, restart } = await loaded();
    await service.unlock(fixture.password);
    const list = await service.list();
    expect(list.map((s) => s.id)).toEqual(fixture.expected.map((e) => e.id));
    // The first list rebuilt the catalog and stored it; a cold service then lists without reading a box.
    expect(await store.getCatalog()).toBeDefined();
    const boxReads = vi.spyOn(store, 'listEntries');
    expect(await restart().list()).toEqual(list);
    expect(boxReads).not.toHaveBeenCalled();
    boxReads.mockRestore();
    for (const e of fixture.expected) expectSameEntry(await service.get(e.id), e);
    expect(await service.verify()).toEqual({ ok: true, entries: fixture.expected.length, problems: [] });
    const index = await service.listIndex();
    expect(index).toHaveLength(fixture.expected.length);
    for (const e of fixture.expected) expect(index).toContainEqual(indexRecordOf(e));
  });

  it('refuses a wrong password, then opens and accepts writes', async () => {
    const { service, clock } = await loaded();
    await expectVaultError(service.unlock('not the fixture password'), 'bad-password');
    clock.t += 1000;
    await service.unlock(fixture.password);
    const first = fixture.expected[0];
    if (!first) throw new Error('fixture has no entries');
    const updated = await service.update(first.id, { notes: 'edited after loading' });
    expect(updated.notes).toBe('edited after loading');
  });
});

/**
 * The popup's names-only list cache in storage.session (issue #18, decision 3): written after every change
 * of the list, removed on every kind of lock (the Lock button, auto-lock, a removal of the data key by
 * anything else), never in storage.local, never holding a secret or a note.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { createAutoLock } from '../../lib/background/autolock';
import {
  clearingListCache,
  createListCache,
  decodeListCache,
  decodeListHead,
  encodeListCache,
  encodeListHead,
  HEAD_ROWS,
  keyRemoved,
  LIST_CACHE_KEY,
  type ListCache,
  type ListRow,
  openedWithCache,
  POPUP_WITH_CACHE,
  POPUP_WITHOUT_CACHE,
  readListCache,
  readListHead,
  refreshingAfter,
  sameRows,
} from '../../lib/vault/list-cache';
import type { NewEntry } from '../../lib/vault/model';
import { VaultService } from '../../lib/vault/service';
import { createSessionKeyStorage, SESSION_KEY_NAME } from '../../lib/vault/session';
import { openVaultStore } from '../../lib/vault/store';

const FAST_KDF = { memoryKiB: 256, iterations: 1, parallelism: 1 };
const PASSWORD = 'list cache test password';
// Made up for the test; compared as booleans only.
const SECRET = 'dbk_ListCacheTest9pLm2XcR8sWk4ZyHn6Jb';
const NOTE = 'a note that must stay in the vault';

const row = (over: Partial<ListRow> & Pick<ListRow, 'id' | 'name'>): ListRow => ({
  host: 'app.docbits.com',
  orgId: null,
  environment: 'production',
  prefix: 'dbk_Ab12',
  createdAt: 1_700_000_000_000,
  expiresAt: null,
  rotateAfterDays: null,
  state: 'active',
  ...over,
});

const newEntry = (name: string): NewEntry => ({
  name,
  secret: SECRET,
  notes: NOTE,
  host: 'app.docbits.com',
  environment: 'production',
  source: 'manual',
});

/** Everything stored in an area, as one string (to look for names and secrets in it). */
async function dump(area: typeof fakeBrowser.storage.session): Promise<string> {
  return JSON.stringify(await area.get(null));
}

/** The rotation policy the head carries (from the settings). */
const POLICY = { rotationDays: 90, reminderLeadDays: 7 };
const policy = async () => POLICY;

const cachedNames = async () =>
  (await readListCache(fakeBrowser.storage.session))?.map((r) => r.name) ?? null;

describe('the cache format', () => {
  it('round-trips the rows in order and keeps nothing else', () => {
    const rows = [
      row({ id: 'a', name: 'Zoë’s sync', orgId: 'Initech', expiresAt: 5, rotateAfterDays: 30 }),
      row({ id: 'b', name: 'Archive', environment: 'sandbox', state: 'retired' }),
    ];
    const withExtras = rows.map((r) => ({ ...r, notes: NOTE, secret: SECRET }));
    const stored = encodeListCache(withExtras);
    expect(stored.includes(NOTE)).toBe(false);
    expect(stored.includes(SECRET)).toBe(false);
    expect(decodeListCache(stored)).toEqual(rows);
    expect(sameRows(rows, decodeListCache(stored) ?? [])).toBe(true);
    expect(sameRows(rows, [rows[0] as ListRow, { ...(rows[1] as ListRow), name: 'Other' }])).toBe(false);
  });

  it("keeps a head of the first rows, the length and the rotation policy, for the popup's first screen", () => {
    const rows = Array.from({ length: HEAD_ROWS + 5 }, (_, i) => row({ id: `id${i}`, name: `Key ${i}` }));
    expect(decodeListHead(encodeListHead(rows, POLICY))).toEqual({
      rows: rows.slice(0, HEAD_ROWS),
      count: rows.length,
      policy: POLICY,
    });
    expect(decodeListHead(encodeListHead(rows.slice(0, 2), POLICY))).toEqual({
      rows: rows.slice(0, 2),
      count: 2,
      policy: POLICY,
    });
    expect(decodeListHead(encodeListCache(rows))).toBeNull();
    // Of the settings, the head keeps those two numbers only.
    const settings = {
      ...POLICY,
      docbitsHosts: ['erp.acme.example'],
      guardAllowlist: ['paste.acme.example'],
    };
    const stored = encodeListHead(rows, settings);
    expect(stored.includes('acme.example')).toBe(false);
    expect(decodeListHead(stored)?.policy).toEqual(POLICY);
  });

  it('reads a head without a usable rotation policy as no head', () => {
    const head = (policy: unknown) => JSON.stringify({ ...JSON.parse(encodeListHead([], POLICY)), policy });
    expect(decodeListHead(head(POLICY))).toEqual({ rows: [], count: 0, policy: POLICY });
    for (const bad of [undefined, null, {}, { rotationDays: 90 }, { ...POLICY, reminderLeadDays: -1 }]) {
      expect(decodeListHead(head(bad))).toBeNull();
    }
    expect(decodeListHead(head({ ...POLICY, rotationDays: '90' }))).toBeNull();
    expect(decodeListHead(head({ ...POLICY, rotationDays: 1.5 }))).toBeNull();
  });

  it('reads anything else as no cache', () => {
    for (const raw of [
      undefined,
      null,
      42,
      '',
      '{',
      '{"v":3,"rows":[]}',
      // The format before the head held the rotation policy: a popup then waits for the background.
      '{"v":1,"rows":[]}',
      '{"v":2,"rows":[[1]]}',
      '{"v":2}',
    ]) {
      expect(decodeListCache(raw)).toBeNull();
    }
    expect(decodeListCache('{"v":2,"rows":[]}')).toEqual([]);
  });
});

describe('the list cache with the vault', () => {
  let vault: VaultService;
  let cache: ListCache;

  beforeEach(async () => {
    fakeBrowser.reset();
    const area = fakeBrowser.storage.session;
    cache = createListCache({ area, list: () => vault.list(), policy });
    const session = clearingListCache(createSessionKeyStorage(area), cache);
    const store = await openVaultStore(new IDBFactory(), 'list-cache');
    vault = refreshingAfter(
      new VaultService({ store, session, kdf: FAST_KDF }),
      ['create', 'unlock', 'add', 'update', 'remove', 'importEntries'],
      cache.refresh,
    );
  });

  it('is written on every change of the list, with names but no secret or note', async () => {
    await vault.create(PASSWORD);
    expect(await cachedNames()).toEqual([]);
    const a = await vault.add(newEntry('Invoice import'));
    await vault.add(newEntry('Archive'));
    expect(await cachedNames()).toEqual(['Archive', 'Invoice import']);
    await vault.update(a.id, { name: 'ERP export' });
    expect(await cachedNames()).toEqual(['Archive', 'ERP export']);
    await vault.remove(a.id);
    expect(await cachedNames()).toEqual(['Archive']);
    const session = await dump(fakeBrowser.storage.session);
    expect(session.includes(SECRET)).toBe(false);
    expect(session.includes(NOTE)).toBe(false);
  });

  it('is removed on lock and written again on unlock', async () => {
    await vault.create(PASSWORD);
    await vault.add(newEntry('Invoice import'));
    expect(await readListHead(fakeBrowser.storage.session)).toMatchObject({ count: 1 });
    await vault.lock();
    expect(await cachedNames()).toBeNull();
    expect(await readListHead(fakeBrowser.storage.session)).toBeNull();
    expect((await dump(fakeBrowser.storage.session)).includes('Invoice import')).toBe(false);
    await vault.unlock(PASSWORD);
    expect(await cachedNames()).toEqual(['Invoice import']);
  });

  it('holds the rotation policy read at each write, so a refresh after a settings change carries the new one', async () => {
    let current = POLICY;
    const area = fakeBrowser.storage.session;
    const following = createListCache({ area, list: () => vault.list(), policy: async () => current });
    await vault.create(PASSWORD);
    await vault.add(newEntry('Invoice import'));
    await following.refresh();
    expect((await readListHead(area))?.policy).toEqual(POLICY);
    current = { rotationDays: 30, reminderLeadDays: 0 };
    await following.refresh();
    expect((await readListHead(area))?.policy).toEqual({ rotationDays: 30, reminderLeadDays: 0 });
  });

  it('leaves no cache when the policy cannot be read (an earlier one is removed, none is written)', async () => {
    const area = fakeBrowser.storage.session;
    const unreadable = createListCache({
      area,
      list: () => vault.list(),
      policy: () => Promise.reject(new Error('storage.local unavailable')),
    });
    await vault.create(PASSWORD);
    await vault.add(newEntry('Invoice import'));
    await unreadable.refresh();
    expect(await readListHead(area)).toBeNull();
    expect(await cachedNames()).toBeNull();
  });

  it('is removed by auto-lock', async () => {
    await vault.create(PASSWORD);
    await vault.add(newEntry('Invoice import'));
    const auto = createAutoLock({
      idle: { setDetectionInterval: () => undefined, queryState: async () => 'idle' },
      alarms: fakeBrowser.alarms,
      getMinutes: async () => 15,
      isUnlocked: () => vault.isUnlocked(),
      lock: () => vault.lock(),
    });
    await auto.onIdleStateChanged('locked');
    expect(await vault.isUnlocked()).toBe(false);
    expect(await cachedNames()).toBeNull();
  });

  it('is removed when the data key is removed by anything else', async () => {
    fakeBrowser.storage.onChanged.addListener((changes, areaName) => {
      if (keyRemoved(changes, areaName, SESSION_KEY_NAME)) void cache.clear();
    });
    await vault.create(PASSWORD);
    await vault.add(newEntry('Invoice import'));
    await fakeBrowser.storage.session.remove(SESSION_KEY_NAME);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await cachedNames()).toBeNull();
    expect(keyRemoved({ [SESSION_KEY_NAME]: { oldValue: 'x' } }, 'local', SESSION_KEY_NAME)).toBe(false);
    expect(keyRemoved({ other: { oldValue: 'x' } }, 'session', SESSION_KEY_NAME)).toBe(false);
  });

  it('is never written to storage.local', async () => {
    await vault.create(PASSWORD);
    await vault.add(newEntry('Invoice import'));
    await vault.lock();
    await vault.unlock(PASSWORD);
    const local = await dump(fakeBrowser.storage.local);
    expect(local.includes(LIST_CACHE_KEY)).toBe(false);
    expect(local.includes('Invoice import')).toBe(false);
  });
});

describe('the cache writer', () => {
  beforeEach(() => fakeBrowser.reset());

  it('coalesces a burst of refreshes into the one under way and one more', async () => {
    let lists = 0;
    const cache = createListCache({
      area: fakeBrowser.storage.session,
      policy,
      list: async () => {
        lists++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return [row({ id: 'a', name: `Run ${lists}` })];
      },
    });
    await Promise.all(Array.from({ length: 10 }, () => cache.refresh()));
    expect(lists).toBe(2);
    expect(await cachedNames()).toEqual(['Run 2']);
  });

  it('does not bring the names back, nor say they are there, when a lock comes while a write is under way', async () => {
    const told: boolean[] = [];
    let release: () => void = () => undefined;
    const cache = createListCache({
      area: fakeBrowser.storage.session,
      policy,
      list: () =>
        new Promise<ListRow[]>((resolve) => {
          release = () => resolve([row({ id: 'a', name: 'Invoice import' })]);
        }),
      onPresence: (present) => told.push(present),
    });
    const writing = cache.refresh();
    await cache.clear();
    release();
    await writing;
    expect(await cachedNames()).toBeNull();
    expect(told.includes(true)).toBe(false);
    expect(told.at(-1)).toBe(false);
  });

  it('says after each write and removal whether the cache is there (the toolbar popup page follows it)', async () => {
    const told: boolean[] = [];
    let locked = false;
    const cache = createListCache({
      area: fakeBrowser.storage.session,
      policy,
      list: async () => {
        if (locked) throw new Error('locked');
        return [row({ id: 'a', name: 'Invoice import' })];
      },
      onPresence: (present) => told.push(present),
    });
    await cache.refresh();
    expect(told).toEqual([true]);
    await cache.clear();
    expect(told).toEqual([true, false]);
    await cache.refresh();
    locked = true;
    await cache.refresh();
    expect(told).toEqual([true, false, true, false]);
  });

  it('says "gone", never "there", when a lock comes while the list is being stored', async () => {
    const told: boolean[] = [];
    const area = fakeBrowser.storage.session;
    let storing: (() => void) | undefined;
    const cache = createListCache({
      area: {
        get: (key) => area.get(key),
        remove: (keys) => area.remove(keys),
        set: async (items) => {
          await new Promise<void>((resolve) => (storing = resolve));
          await area.set(items);
        },
      },
      policy,
      list: async () => [row({ id: 'a', name: 'Invoice import' })],
      onPresence: (present) => told.push(present),
    });
    const writing = cache.refresh();
    await vi.waitFor(() => expect(storing).toBeDefined());
    await cache.clear();
    storing?.();
    await writing;
    expect(await cachedNames()).toBeNull();
    expect(told).toEqual([false, false]);
  });

  it('never says "there" for a write that failed', async () => {
    const told: boolean[] = [];
    const failing = createListCache({
      area: { ...fakeBrowser.storage.session, set: () => Promise.reject(new Error('quota')) },
      policy,
      list: async () => [row({ id: 'a', name: 'x' })],
      onPresence: (present) => told.push(present),
    });
    await failing.refresh();
    expect(told).toEqual([]);
  });

  it('the popup knows the page with the cache by its query', () => {
    expect(openedWithCache(new URL(POPUP_WITH_CACHE, 'chrome-extension://x').search)).toBe(true);
    expect(openedWithCache(new URL(POPUP_WITHOUT_CACHE, 'chrome-extension://x').search)).toBe(false);
    expect(openedWithCache('?window=unlock')).toBe(false);
    expect(openedWithCache('?list=other')).toBe(false);
  });

  it('removes the cache when the list cannot be read (locked)', async () => {
    await fakeBrowser.storage.session.set({
      [LIST_CACHE_KEY]: encodeListCache([row({ id: 'a', name: 'x' })]),
    });
    const cache = createListCache({
      area: fakeBrowser.storage.session,
      policy,
      list: () => Promise.reject(new Error('locked')),
    });
    await cache.refresh();
    expect(await cachedNames()).toBeNull();
  });
});

/**
 * The audit log against a flood (issue 15, finding 1) and its key material after lock (finding 9): the
 * locked-time store is capped and merges repeats; retention never drops a record younger than the retention
 * days because of the record count, dropping page-originated and merged records first and saying when the
 * log is full; the cached keys are wiped when the vault locks.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { AuditLog, type Retention } from '../../../lib/audit/log';
import { randomBytes } from '../../../lib/vault/crypto';
import { createMemorySessionKeyStorage } from '../../../lib/vault/session';
import { openVaultStore } from '../../../lib/vault/store';

const VAULT = '0b4f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const DAY_MS = 86_400_000;
/** A low cap keeps the test quick (each locked-time record is an X25519 seal). */
const PENDING_LIMIT = 40;

async function setup(retention?: Retention) {
  const store = await openVaultStore(new IDBFactory());
  const session = createMemorySessionKeyStorage();
  let t = 1_700_000_000_000;
  const log = new AuditLog({
    store,
    keys: () => session.get(),
    now: () => t,
    retention: retention ? async () => retention : undefined,
    pendingLimit: PENDING_LIMIT,
    logError: (text) => {
      throw new Error(`unexpected: ${text}`);
    },
  });
  const key = randomBytes(32);
  return {
    store,
    log,
    unlock: () => session.set({ vaultId: VAULT, key }),
    lock: () => session.clear(),
    tick: (ms: number) => {
      t += ms;
    },
  };
}

describe('the locked-time store under a flood', () => {
  it('merges repeats into one record with a count', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.locked' });
    await s.lock();
    for (let i = 0; i < 300; i++) {
      await s.log.record({ type: 'guard.warned', entryId: 'e1', origin: 'guard', host: 'paste.example.net' });
      s.tick(1000);
    }
    expect((await s.store.listAuditPending()).length).toBe(1);
    await s.unlock();
    const events = await s.log.list();
    const warned = events.filter((e) => e.type === 'guard.warned');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ count: 300, late: true, host: 'paste.example.net' });
    expect((await s.log.verify()).ok).toBe(true);
  });

  it('is capped: beyond the limit one record says how many were not kept', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.created' });
    await s.lock();
    const total = PENDING_LIMIT + 150;
    for (let i = 0; i < total; i++) await s.log.record({ type: 'guard.warned', entryId: `e${i}` });
    expect((await s.store.listAuditPending()).length).toBeLessThanOrEqual(PENDING_LIMIT + 1);
    await s.unlock();
    const events = await s.log.list();
    expect(events[0]?.type).toBe('vault.created');
    expect(events.filter((e) => e.type === 'guard.warned')).toHaveLength(PENDING_LIMIT);
    expect(events.some((e) => e.type === 'log.checkpoint' && e.detail?.startsWith('150 '))).toBe(true);
  });
});

describe('retention under a flood', () => {
  it('never drops a young record because of the count; page-originated ones go first, oldest first', async () => {
    const s = await setup({ maxRecords: 100, maxDays: 365 });
    await s.unlock();
    await s.log.record({ type: 'vault.created', origin: 'popup' });
    await s.log.record({ type: 'vault.exported', origin: 'options' });
    for (let i = 0; i < 400; i++) {
      await s.log.record({
        type: 'entry.copied',
        entryId: `p${i}`,
        origin: 'docbits-page',
        host: 'app.docbits.com',
      });
      s.tick(1000);
    }
    await s.log.record({ type: 'settings.changed', origin: 'options' });
    const events = await s.log.list();
    const types = events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['vault.created', 'vault.exported']);
    expect(types).toContain('settings.changed');
    expect(events.length).toBeLessThanOrEqual(101);
    // The newest page records are the ones kept.
    expect(events.some((e) => e.entryId === 'p399')).toBe(true);
    expect(events.some((e) => e.entryId === 'p0')).toBe(false);
    const report = await s.log.verify();
    expect(report.ok).toBe(true);
    expect(report.full).toBe(false);
  });

  it('keeps young records it may not drop and says the log is full', async () => {
    const s = await setup({ maxRecords: 100, maxDays: 365 });
    await s.unlock();
    for (let i = 0; i < 150; i++) await s.log.record({ type: 'settings.changed', origin: 'options' });
    const report = await s.log.verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBeGreaterThanOrEqual(150);
    expect(report.full).toBe(true);
    // Once old enough, they go by age as before.
    s.tick(366 * DAY_MS);
    await s.log.record({ type: 'vault.unlocked', origin: 'popup' });
    const after = await s.log.verify();
    expect(after.ok).toBe(true);
    expect(after.full).toBe(false);
    expect(after.records).toBeLessThan(5);
  });
});

describe('key material after lock (finding 9)', () => {
  /** The log's private cache, read only to prove it is gone: no API exposes it, by design. */
  const cacheOf = (log: AuditLog) =>
    (log as unknown as { cached: null | Record<string, Uint8Array | string> }).cached;

  it('forget() wipes the cached data key, derived keys and X25519 private key', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.unlocked' });
    const cached = cacheOf(s.log);
    expect(cached).not.toBeNull();
    const arrays = Object.values(cached ?? {}).filter((v): v is Uint8Array => v instanceof Uint8Array);
    expect(arrays.length).toBe(4);
    await s.lock();
    s.log.forget();
    expect(cacheOf(s.log)).toBeNull();
    expect(arrays.every((a) => a.every((b) => b === 0))).toBe(true);
  });

  it('drops the cache as soon as it sees the vault locked, even without forget()', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.unlocked' });
    await s.lock();
    await s.log.record({ type: 'vault.unlockFailed' });
    expect(cacheOf(s.log)).toBeNull();
  });
});

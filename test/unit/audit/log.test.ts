import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_CHECKPOINT_META,
  AUDIT_HEAD_META,
  AUDIT_KEYS_META,
  AuditLockedError,
  AuditLog,
  type Retention,
} from '../../../lib/audit/log';
import { randomBytes } from '../../../lib/vault/crypto';
import { createMemorySessionKeyStorage } from '../../../lib/vault/session';
import { type AuditLogRecord, openVaultStore } from '../../../lib/vault/store';

const VAULT = '0b4f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

async function setup(retention?: Retention) {
  const store = await openVaultStore(new IDBFactory());
  const session = createMemorySessionKeyStorage();
  let t = 1_700_000_000_000;
  const now = () => t;
  const seen: string[] = [];
  const log = new AuditLog({
    store,
    keys: () => session.get(),
    now,
    retention: retention ? async () => retention : undefined,
    onRecorded: (input) => {
      seen.push(input.type);
    },
    logError: (text) => {
      throw new Error(`unexpected: ${text}`);
    },
  });
  const key = randomBytes(32);
  return {
    store,
    session,
    log,
    seen,
    key,
    unlock: () => session.set({ vaultId: VAULT, key }),
    lock: () => session.clear(),
    tick: (ms: number) => {
      t += ms;
    },
  };
}

describe('audit log', () => {
  it('records, lists and verifies events without ever holding them in the clear on disk', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.created', origin: 'popup' });
    s.tick(1000);
    await s.log.record({
      type: 'entry.copied',
      entryId: 'e1',
      origin: 'docbits-page',
      host: 'app.docbits.com',
    });
    const events = await s.log.list();
    expect(events.map((e) => [e.seq, e.type, e.entryId, e.host])).toEqual([
      [1, 'vault.created', undefined, undefined],
      [2, 'entry.copied', 'e1', 'app.docbits.com'],
    ]);
    expect(events[1]?.at).toBe(1_700_000_001_000);
    expect(await s.log.verify()).toMatchObject({
      ok: true,
      records: 2,
      checked: 2,
      broken: null,
      pending: 0,
    });
    const raw = JSON.stringify(await s.store.listAuditLog());
    expect(raw.includes('entry.copied')).toBe(false);
    expect(raw.includes('app.docbits.com')).toBe(false);
    expect(s.seen).toEqual(['vault.created', 'entry.copied']);
  });

  it('keeps events made while locked sealed to the log key, and chains them at the next unlock', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.locked' });
    await s.lock();
    await s.log.record({ type: 'vault.unlockFailed', origin: 'popup', detail: 'retry in 1 s' });
    await s.log.record({ type: 'guard.warned', host: 'paste.example.net', entryId: 'e2' });
    const pending = await s.store.listAuditPending();
    expect(pending).toHaveLength(2);
    expect(JSON.stringify(pending).includes('paste.example.net')).toBe(false);
    await expect(s.log.list()).rejects.toBeInstanceOf(AuditLockedError);
    await s.unlock();
    expect(await s.log.sealPending()).toBe(2);
    expect(await s.store.listAuditPending()).toHaveLength(0);
    const events = await s.log.list();
    expect(events.map((e) => [e.type, e.late ?? false])).toEqual([
      ['vault.locked', false],
      ['vault.unlockFailed', true],
      ['guard.warned', true],
    ]);
    expect(events[2]?.host).toBe('paste.example.net');
    expect((await s.log.verify()).ok).toBe(true);
  });

  it('keeps locked-time events even before the log has a key pair, and never drops an unknown type silently', async () => {
    const s = await setup();
    await s.log.record({ type: 'vault.unlockFailed' });
    await s.unlock();
    await s.log.record({ type: 'vault.unlocked' });
    expect((await s.log.list()).map((e) => e.type)).toEqual(['vault.unlockFailed', 'vault.unlocked']);
    const errors: string[] = [];
    const strict = new AuditLog({
      store: s.store,
      keys: () => s.session.get(),
      logError: (t) => errors.push(t),
    });
    await strict.record({ type: 'nope' as never });
    expect(errors).toHaveLength(1);
  });

  it('reports the first broken link when a stored record is edited, deleted or the tail is cut', async () => {
    const s = await setup();
    await s.unlock();
    for (let i = 0; i < 20; i++) await s.log.record({ type: 'entry.copied', entryId: `e${i}` });
    const records = await s.store.listAuditLog();
    const r7 = records[6] as AuditLogRecord;
    await s.store.writeAudit({ put: [{ ...r7, at: (r7.at as number) + 1 }] });
    expect((await s.log.verify()).broken).toEqual({ seq: 7, reason: 'altered' });
    await s.store.writeAudit({ put: [r7] });
    expect((await s.log.verify()).ok).toBe(true);
    // Deleting record 12 (everything through 12, then putting 1..11 back).
    await s.store.writeAudit({ dropThrough: 12, put: records.slice(0, 11) });
    expect((await s.log.verify()).broken).toEqual({ seq: 12, reason: 'missing' });
    await s.store.writeAudit({ put: records });
    expect((await s.log.verify()).ok).toBe(true);
    // Cutting the last two records is seen through the head.
    await s.store.writeAudit({ reset: true, put: records.slice(0, 18) });
    expect((await s.log.verify()).broken).toEqual({ seq: 19, reason: 'truncated' });
  });

  it('retention drops the oldest records behind a signed checkpoint and stays verifiable', async () => {
    const s = await setup({ maxRecords: 50, maxDays: 365 });
    await s.unlock();
    // (records a page caused: young records of other kinds are never dropped because of the count)
    for (let i = 0; i < 130; i++) {
      await s.log.record({ type: 'entry.copied', entryId: `e${i}`, origin: 'docbits-page' });
    }
    const report = await s.log.verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBeLessThanOrEqual(50);
    expect(report.checkpoint?.dropped).toBeGreaterThan(79);
    const events = await s.log.list();
    expect(events.at(-1)?.type === 'entry.copied' || events.at(-1)?.type === 'log.checkpoint').toBe(true);
    expect(events.some((e) => e.type === 'log.checkpoint' && /retention dropped/.test(e.detail ?? ''))).toBe(
      true,
    );
    // A checkpoint moved forward to hide records is refused.
    const cp = (await s.store.getMeta(AUDIT_CHECKPOINT_META)) as { seq: number };
    await s.store.writeAudit({ meta: { [AUDIT_CHECKPOINT_META]: { ...cp, seq: cp.seq + 5 } } });
    expect((await s.log.verify()).broken?.reason).toBe('checkpoint');
  });

  it('retention by age drops records older than the limit', async () => {
    const s = await setup({ maxRecords: 10_000, maxDays: 1 });
    await s.unlock();
    for (let i = 0; i < 5; i++) await s.log.record({ type: 'entry.copied' });
    s.tick(2 * 86_400_000);
    await s.log.record({ type: 'vault.unlocked' });
    const events = await s.log.list();
    expect(events.map((e) => e.type)).toEqual(['vault.unlocked', 'log.checkpoint']);
    expect((await s.log.verify()).ok).toBe(true);
  });

  it('a new vault (another data key) starts a new log', async () => {
    const s = await setup();
    await s.unlock();
    await s.log.record({ type: 'vault.created' });
    expect(await s.store.getMeta(AUDIT_HEAD_META)).toBeDefined();
    await s.session.set({ vaultId: VAULT, key: randomBytes(32) });
    await s.log.record({ type: 'vault.created' });
    const events = await s.log.list();
    expect(events.map((e) => e.type)).toEqual(['log.checkpoint', 'vault.created']);
    expect((await s.log.verify()).ok).toBe(true);
    expect(await s.store.getMeta(AUDIT_KEYS_META)).toBeDefined();
  });
});

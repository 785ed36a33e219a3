/**
 * The guided rotation through the real router, handlers and vault: start (names only for extension pages
 * and, vault open, the page), capture links the successor, the page's table moves it on, a locked vault
 * still advances it and learns no name, a retired key used again is an anomaly (once per movement).
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { noticeOf } from '../../lib/audit/anomaly';
import type { AuditInput } from '../../lib/audit/events';
import type { createRouter, Sender } from '../../lib/background/router';
import { setMessageSource, sourceFromJson } from '../../lib/i18n';
import type { RotationView, RowsReply } from '../../lib/messages';
import { DAY_MS } from '../../lib/rotation/schedule';
import { VaultService } from '../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../lib/vault/session';
import { openVaultStore } from '../../lib/vault/store';
import en from '../../public/_locales/en/messages.json';
import { DOCBITS, handlersFor, ONPREM, POPUP, routerFor } from './senders';

const PAGE = POPUP;
const OTHER = ONPREM;

const OLD_KEY = 'dbk_OLDa9pLm2XcR8sWk4ZyHn6JbFd1GaE5u';
const NEW_KEY = 'dbk_NEWb7qWe3RtY6uIo9PaSd2FgHj4KlZ8x';
const PASSWORD = 'correct horse battery';

let now = Date.UTC(2026, 10, 27, 12);
let vault: VaultService;
let route: ReturnType<typeof createRouter>;
let audit: AuditInput[];
let notes: Array<{ id: string; title: string; message: string }>;
let local: Record<string, unknown>;

async function call<T>(type: string, payload: unknown, sender: Sender = DOCBITS): Promise<T> {
  const reply = (await route({ type, payload }, sender)) as {
    ok: boolean;
    data?: T;
    error?: { code: string };
  };
  if (!reply.ok) throw new Error(`${type}: ${reply.error?.code}`);
  return reply.data as T;
}

const fmt = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
};
const table = (oldRow: { status: 'active' | 'revoked'; used: number | null }, newUsed?: number | null) => ({
  orgId: null,
  lang: 'en',
  rows: [
    {
      prefix: 'dbk_OLDa',
      name: 'ERP',
      status: oldRow.status,
      expires: 'Never expires',
      lastUsed: oldRow.used === null ? 'Never used' : fmt(oldRow.used),
    },
    ...(newUsed === undefined
      ? []
      : [
          {
            prefix: 'dbk_NEWb',
            name: 'ERP (rotated)',
            status: 'active' as const,
            expires: 'Never expires',
            lastUsed: newUsed === null ? 'Never used' : fmt(newUsed),
          },
        ]),
  ],
});

beforeEach(async () => {
  setMessageSource(sourceFromJson(en));
  now = Date.UTC(2026, 10, 27, 12);
  const store = await openVaultStore(new IDBFactory(), 'rotation-handlers');
  vault = new VaultService({
    store,
    session: createMemorySessionKeyStorage(),
    kdf: { memoryKiB: 256, iterations: 1, parallelism: 1 },
    now: () => now,
  });
  audit = [];
  notes = [];
  local = {};
  route = routerFor(
    handlersFor({
      vault,
      settingsArea: {
        get: async (k) => ({ [k]: local[k] }),
        set: async (o) => void Object.assign(local, structuredClone(o)),
      },
      // As the background wires it: every recorded event, and the notification it raises (lib/audit/anomaly.ts).
      audit: {
        record: async (x) => {
          audit.push(x);
          const notice = noticeOf(x);
          if (notice) notes.push({ id: notice.id, title: notice.title, message: notice.message });
        },
      },
      now: () => now,
    }),
  );
  await vault.create(PASSWORD);
});

async function oldEntry(): Promise<string> {
  const e = await vault.add({
    name: 'ERP',
    secret: OLD_KEY,
    host: 'app.docbits.com',
    environment: 'production',
    source: 'manual',
    prefix: 'dbk_OLDa',
    createdAt: now - 100 * DAY_MS,
  });
  return e.id;
}

describe('guided rotation through the handlers', () => {
  it('start → capture → new key used → old key revoked: successor linked, old entry retired, audited', async () => {
    const oldId = await oldEntry();
    const started = await call<RotationView>('rotation.start', { id: oldId }, PAGE);
    expect(started).toMatchObject({
      step: 'create',
      name: 'ERP',
      suggestedName: 'ERP (rotated 2026-11-27)',
      expiryDays: null,
    });
    // Another host's page may neither start nor cancel it.
    await expect(call('rotation.start', { id: oldId }, OTHER)).rejects.toThrow('forbidden');
    await expect(call('rotation.cancel', { id: oldId }, OTHER)).rejects.toThrow('forbidden');

    const { entry } = await call<{ entry: { id: string } }>('entry.capture', {
      entry: { secret: NEW_KEY, name: 'ERP (rotated 2026-11-27)' },
    });
    expect((await vault.get(oldId)).state).toBe('rotating');
    expect((await vault.get(oldId)).successorId).toBe(entry.id);
    expect((await vault.get(entry.id)).predecessorId).toBe(oldId);

    const oldUsed = now - 2 * DAY_MS;
    let reply = await call<RowsReply>('page.rows', table({ status: 'active', used: oldUsed }, null));
    expect(reply.rotations?.map((r) => r.step)).toEqual(['use']);
    now += 3_600_000;
    reply = await call<RowsReply>('page.rows', table({ status: 'active', used: oldUsed }, now - 60_000));
    expect(reply.rotations?.map((r) => [r.step, r.warning])).toEqual([['revoke', false]]);
    now += 3_600_000;
    reply = await call<RowsReply>('page.rows', table({ status: 'revoked', used: oldUsed }, now - 60_000));
    expect(reply.rotations?.map((r) => r.step)).toEqual(['done']);
    expect((await vault.get(oldId)).state).toBe('retired');
    expect(reply.rows.find((r) => r.prefix === 'dbk_OLDa')?.entry?.state).toBe('retired');
    expect(audit.map((a) => a.type)).toEqual([
      'rotation.started',
      'entry.captured',
      'rotation.captured',
      'rotation.newKeyUsed',
      'rotation.completed',
    ]);
    expect(
      JSON.stringify([reply, audit]).includes(OLD_KEY) || JSON.stringify([reply, audit]).includes(NEW_KEY),
    ).toBe(false);
  });

  it('the old key used after the switch: a warning, notified once per movement', async () => {
    const oldId = await oldEntry();
    await call('rotation.start', { id: oldId }, DOCBITS);
    await call('entry.capture', { entry: { secret: NEW_KEY, name: 'New' } });
    const used = now - 2 * DAY_MS;
    await call('page.rows', table({ status: 'active', used }, now - 60_000));
    now += 10 * 60_000;
    let reply = await call<RowsReply>(
      'page.rows',
      table({ status: 'active', used: now - 60_000 }, now - 120_000),
    );
    expect(reply.rotations?.[0]?.warning).toBe(true);
    reply = await call<RowsReply>(
      'page.rows',
      table({ status: 'active', used: now - 60_000 }, now - 120_000),
    );
    expect(notes.map((n) => n.id)).toEqual([`kg-rotation:${oldId}`]);
    now += 10 * 60_000;
    await call('page.rows', table({ status: 'active', used: now - 60_000 }, now - 120_000));
    expect(notes).toHaveLength(2);
    expect(audit.filter((a) => a.type === 'rotation.oldKeyStillUsed')).toHaveLength(2);
  });

  it('while locked the page advances the rotation but learns no name; cancel restores the entry', async () => {
    const oldId = await oldEntry();
    await call('rotation.start', { id: oldId }, PAGE);
    await call('entry.capture', { entry: { secret: NEW_KEY, name: 'New' } });
    // The new key's row is seen once with the vault open (KeyGuard learns its prefix), then DocBits shows it used.
    await call('page.rows', table({ status: 'active', used: null }, null));
    await vault.lock();
    const reply = await call<RowsReply>('page.rows', table({ status: 'active', used: null }, now - 60_000));
    expect(reply.unlocked).toBe(false);
    expect(reply.rotations).toMatchObject([{ step: 'revoke', name: null, suggestedName: null }]);
    await vault.unlock(PASSWORD);
    await call('rotation.cancel', { id: oldId }, PAGE);
    expect((await vault.get(oldId)).state).toBe('active');
    expect(await call<RotationView[]>('rotation.list', {}, PAGE)).toEqual([]);
    expect(audit.at(-1)?.type).toBe('rotation.cancelled');
  });

  it('a retired key whose "Last used" moves is an anomaly, once per movement', async () => {
    const oldId = await oldEntry();
    await vault.update(oldId, { state: 'retired' }, 'test');
    await call('page.rows', table({ status: 'revoked', used: now - 5 * DAY_MS }));
    expect(notes).toEqual([]);
    await call('page.rows', table({ status: 'revoked', used: now - 60_000 }));
    await call('page.rows', table({ status: 'revoked', used: now - 60_000 }));
    // Recorded once, and so notified once.
    expect(notes.map((n) => n.id)).toEqual([`kg-anomaly:${oldId}`]);
    expect(audit).toEqual([
      { type: 'anomaly.retiredKeyUsed', entryId: oldId, origin: 'docbits-page', host: 'app.docbits.com' },
    ]);
  });

  it('hygiene.report names the findings for the popup and needs the vault open', async () => {
    await oldEntry();
    const report = await call<Array<{ kind: string; name: string; action: string }>>(
      'hygiene.report',
      {},
      PAGE,
    );
    expect(report.map((f) => [f.kind, f.name, f.action])).toEqual([
      ['past-age', 'ERP', 'rotate'],
      ['no-expiry', 'ERP', 'rotate'],
    ]);
    await vault.lock();
    await expect(call('hygiene.report', {}, PAGE)).rejects.toThrow('locked');
  });
});

describe('reminder.status for the popup', () => {
  it('lists entries with a reminder, leaving out snoozed ones until their snooze ends', async () => {
    const oldId = await oldEntry();
    await vault.add({
      name: 'New',
      secret: NEW_KEY,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
    });
    expect(await call<{ ids: string[] }>('reminder.status', {}, PAGE)).toEqual({ ids: [oldId] });
    await expect(call('reminder.status', {}, DOCBITS)).rejects.toThrow('forbidden');
    // What the reminder runner stores on a snooze (clear facts keyed by entry id).
    local.reminders = { notified: {}, snoozed: { [oldId]: now + DAY_MS }, lastRun: now };
    expect(await call<{ ids: string[] }>('reminder.status', {}, PAGE)).toEqual({ ids: [] });
    now += DAY_MS;
    expect(await call<{ ids: string[] }>('reminder.status', {}, PAGE)).toEqual({ ids: [oldId] });
  });
});

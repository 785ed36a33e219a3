import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAnomalyDetector } from '../../../lib/audit/anomaly';
import type { AuditInput } from '../../../lib/audit/events';
import { AuditLog } from '../../../lib/audit/log';
import { GUARD_RECORD_REPEATS } from '../../../lib/background/handlers/index';
import type { createRouter, Sender } from '../../../lib/background/router';
import { createGuardPrintStore } from '../../../lib/guard/fingerprint';
import { loadSettings } from '../../../lib/settings';
import { VaultService } from '../../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../../lib/vault/session';
import { openVaultStore } from '../../../lib/vault/store';
import { CHAT, DOCBITS, handlersFor, ONPREM, OPTIONS, PLAIN, POPUP, routerFor } from '../senders';

const KEY = 'dbk_Q3vT9pLm2XcR8sWk4ZyHn6JbFd1GaE5u';
const PASSWORD = 'correct horse battery';

let route: ReturnType<typeof createRouter>;
let area: ReturnType<typeof memoryArea>;
let recorded: AuditInput[];
let log: AuditLog;
let t: number;

const call = (type: string, payload: unknown, sender: Sender) => route({ type, payload }, sender);
const types = () => recorded.map((r) => r.type);

function memoryArea() {
  const data: Record<string, unknown> = {};
  return {
    get: async (k: string) => (k in data ? { [k]: structuredClone(data[k]) } : {}),
    set: async (items: Record<string, unknown>) => void Object.assign(data, structuredClone(items)),
    remove: async (keys: string[]) => {
      for (const k of keys) delete data[k];
    },
    has: (k: string) => k in data,
  };
}

beforeEach(async () => {
  const store = await openVaultStore(new IDBFactory(), 'audit-handlers');
  const session = createMemorySessionKeyStorage();
  t = Date.UTC(2026, 10, 27, 12);
  const now = () => t;
  const vault = new VaultService({
    store,
    session,
    kdf: { memoryKiB: 256, iterations: 1, parallelism: 1 },
    now,
  });
  const settingsArea = memoryArea();
  area = settingsArea;
  await settingsArea.set({ settings: { docbitsHosts: ['app.docbits.com', 'docbits.example.test'] } });
  const anomalies = createAnomalyDetector({ area: memoryArea(), settings: () => loadSettings(settingsArea) });
  recorded = [];
  log = new AuditLog({
    store,
    keys: () => session.get(),
    now,
    onRecorded: async (input, at) => {
      recorded.push(input);
      for (const a of await anomalies.observe(input, at)) await log.record(a);
    },
  });
  route = routerFor(
    handlersFor({
      vault,
      settingsArea,
      now,
      audit: log,
      auditLog: log,
      guardPrints: createGuardPrintStore(settingsArea),
    }),
  );
  expect((await call('vault.create', { password: PASSWORD }, POPUP)).ok).toBe(true);
});

async function addKey(host = 'app.docbits.com', secret = KEY): Promise<string> {
  const reply = await call(
    'entry.add',
    { entry: { name: 'ERP', secret, host, environment: 'production', source: 'manual' } },
    OPTIONS,
  );
  return (reply as { data: { id: string } }).data.id;
}

describe('handlers record audit events', () => {
  it('records the vault and entry lifecycle with origin and entry id, never a secret', async () => {
    const id = await addKey();
    await call('entry.copy', { id }, POPUP);
    await call('entry.copy', { id }, DOCBITS);
    await call('entry.get', { id }, OPTIONS);
    await call('entry.update', { id, patch: { name: 'ERP 2', state: 'retired' } }, OPTIONS);
    await call('settings.set', { patch: { copyBurstCount: 10 } }, OPTIONS);
    await call('vault.lock', {}, POPUP);
    expect((await call('vault.unlock', { password: 'wrong password!' }, POPUP)).ok).toBe(false);
    t += 5000;
    expect((await call('vault.unlock', { password: PASSWORD }, POPUP)).ok).toBe(true);
    await call('entry.remove', { id }, OPTIONS);
    expect(types()).toEqual([
      'vault.created',
      'entry.added',
      'entry.copied',
      'entry.copied',
      'entry.revealed',
      'entry.edited',
      'entry.retired',
      'settings.changed',
      'vault.locked',
      'vault.unlockFailed',
      'vault.unlocked',
      'entry.deleted',
    ]);
    expect(recorded[2]).toMatchObject({ origin: 'popup', entryId: id, host: 'app.docbits.com' });
    expect(recorded[3]).toMatchObject({ origin: 'docbits-page', host: 'app.docbits.com' });
    expect(recorded[5]?.detail).toBe('changed: name, state');
    expect(recorded[9]?.detail).toMatch(/^wrong password; next attempt in \d+ s$/);
    const listed = await call('audit.list', { filter: {} }, OPTIONS);
    expect(JSON.stringify(listed).includes(KEY)).toBe(false);
    const events = (listed as { data: Array<{ type: string; late?: true }> }).data;
    // Newest first; the failed unlock was recorded while locked and sealed at the unlock.
    expect(events[0]?.type).toBe('entry.deleted');
    expect(events.find((e) => e.type === 'vault.unlockFailed')?.late).toBe(true);
    const filtered = await call('audit.list', { filter: { entryId: id, type: 'entry.copied' } }, OPTIONS);
    expect((filtered as { data: unknown[] }).data).toHaveLength(2);
    expect(await call('audit.verify', {}, OPTIONS)).toMatchObject({
      ok: true,
      data: { ok: true, pending: 0 },
    });
  });

  it('refuses the log to content scripts and while locked', async () => {
    expect(await call('audit.list', { filter: {} }, DOCBITS)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await call('vault.lock', {}, POPUP);
    expect(await call('audit.verify', {}, OPTIONS)).toMatchObject({ ok: false, error: { code: 'locked' } });
  });

  it('raises a copy-burst alert at the threshold, once per burst', async () => {
    const id = await addKey();
    for (let i = 0; i < 7; i++) {
      await call('entry.copy', { id }, POPUP);
      t += 1000;
    }
    expect(types().filter((x) => x === 'anomaly.copyBurst')).toHaveLength(1);
    expect(types().indexOf('anomaly.copyBurst')).toBe(types().lastIndexOf('entry.copied') - 2);
    t += 120_000;
    for (let i = 0; i < 4; i++) await call('entry.copy', { id }, POPUP);
    expect(types().filter((x) => x === 'anomaly.copyBurst')).toHaveLength(1);
  });

  it('raises a failed-unlock alert after 5 wrong passwords within 10 minutes (not for back-off refusals)', async () => {
    await call('vault.lock', {}, POPUP);
    for (let i = 0; i < 5; i++) {
      t += 70_000; // past the back-off each time
      await call('vault.unlock', { password: 'wrong password!' }, POPUP);
      // A refused attempt during the back-off is recorded but is not a guess.
      await call('vault.unlock', { password: 'wrong password!' }, POPUP);
    }
    expect(types().filter((x) => x === 'vault.unlockFailed')).toHaveLength(10);
    expect(types().filter((x) => x === 'anomaly.unlockFailures')).toHaveLength(1);
    const at = types().indexOf('anomaly.unlockFailures');
    const before = recorded.slice(0, at).filter((r) => r.detail?.startsWith('wrong password'));
    expect(before).toHaveLength(5);
    expect(recorded[at - 1]?.detail).toMatch(/^wrong password/);
  });

  it('records a copy asked for from another DocBits host as an anomaly', async () => {
    const id = await addKey();
    expect(await call('entry.copy', { id }, ONPREM)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(recorded.at(-1)).toMatchObject({
      type: 'anomaly.foreignHostCopy',
      entryId: id,
      host: 'docbits.example.test',
    });
  });

  it('gives the guard fingerprints, never secrets, only for keys foreign to the page, and only when on', async () => {
    const id = await addKey();
    expect(await call('guard.prints', {}, CHAT)).toMatchObject({ ok: true, data: { prints: [] } });
    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    const chat = (await call('guard.prints', {}, CHAT)) as {
      data: { prints: Array<{ id: string }>; insecure: boolean };
    };
    expect(chat.data.prints.map((p) => p.id)).toEqual([id]);
    expect(chat.data.insecure).toBe(false);
    expect(JSON.stringify(chat).includes(KEY)).toBe(false);
    const own = (await call('guard.prints', {}, DOCBITS)) as { data: { prints: unknown[] } };
    expect(own.data.prints).toEqual([]);
    const plain = (await call('guard.prints', {}, PLAIN)) as {
      data: { insecure: boolean; prints: unknown[] };
    };
    expect(plain.data).toMatchObject({ insecure: true });
    expect(plain.data.prints).toHaveLength(1);
    const report = await call('guard.report', { entryId: id, action: 'warned', insecure: false }, CHAT);
    // Never the key's name: the page around the warning can read it (issue 15, finding 3).
    expect(report).toMatchObject({ ok: true, data: { name: null, host: 'app.docbits.com' } });
    expect(recorded.at(-1)).toMatchObject({
      type: 'guard.warned',
      entryId: id,
      host: 'chat.example.org',
      origin: 'guard',
    });
    await call('vault.lock', {}, POPUP);
    expect(
      await call('guard.report', { entryId: id, action: 'pastedAnyway', insecure: false }, CHAT),
    ).toMatchObject({
      ok: true,
      data: { name: null, host: 'app.docbits.com' },
    });
    await call('settings.set', { patch: { guardAllowlist: ['chat.example.org'] } }, OPTIONS);
    expect(((await call('guard.prints', {}, CHAT)) as { data: { prints: unknown[] } }).data.prints).toEqual(
      [],
    );
  });
});

describe('the guard in frames a page writes itself', () => {
  it('speaks for the origin of an about:srcdoc or about:blank frame: its prints, its report, its host', async () => {
    const id = await addKey();
    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    const srcdoc: Sender = { ...CHAT, url: 'about:srcdoc', origin: 'https://chat.example.org', frameId: 5 };
    const view = (await call('guard.prints', {}, srcdoc)) as { data: { prints: Array<{ id: string }> } };
    expect(view.data.prints.map((p) => p.id)).toEqual([id]);
    expect(
      await call('guard.report', { entryId: id, action: 'warned', insecure: false }, srcdoc),
    ).toMatchObject({
      ok: true,
    });
    expect(recorded.at(-1)).toMatchObject({ type: 'guard.warned', host: 'chat.example.org' });
    const blank: Sender = { ...PLAIN, url: 'about:blank', origin: 'http://intranet.example.org', frameId: 2 };
    expect(
      await call('guard.report', { entryId: id, action: 'cancelled', insecure: false }, blank),
    ).toMatchObject({
      ok: true,
    });
    expect(recorded.at(-1)).toMatchObject({
      type: 'guard.cancelled',
      host: 'intranet.example.org',
      detail: 'insecure (http) page',
    });
    // A sandboxed frame (opaque origin) is a page of no site: watched for every key, as a foreign page,
    // and its report named by the tab's page.
    const sandboxed: Sender = {
      ...CHAT,
      url: 'about:srcdoc',
      origin: 'null',
      frameId: 6,
      tab: { id: 9, url: 'https://chat.example.org/room' },
    };
    const opaque = (await call('guard.prints', {}, sandboxed)) as {
      data: { prints: Array<{ id: string }>; insecure: boolean };
    };
    expect(opaque.data.prints.map((p) => p.id)).toEqual([id]);
    expect(opaque.data.insecure).toBe(false);
    await call('guard.report', { entryId: id, action: 'warned', insecure: false }, sandboxed);
    expect(recorded.at(-1)).toMatchObject({
      type: 'guard.warned',
      host: 'chat.example.org',
      detail: 'sandboxed frame',
    });
  });
});

describe('guard reports and page reveals are checked against the sender', () => {
  const report = (entryId: string, sender: Sender, insecure = false) =>
    call('guard.report', { entryId, action: 'warned', insecure }, sender);
  const FORBIDDEN = { ok: false, error: { code: 'forbidden' } };
  const guardEvents = () => types().filter((x) => x.startsWith('guard.'));

  it('refuses a guard report for a key the page is not watching for, and records nothing', async () => {
    const id = await addKey();
    // Guard off: no page watches for anything.
    expect(await report(id, CHAT)).toMatchObject(FORBIDDEN);
    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    // The key's own host is not given its fingerprint; an unknown id is nobody's.
    expect(await report(id, DOCBITS)).toMatchObject(FORBIDDEN);
    expect(await report('no-such-key', CHAT)).toMatchObject(FORBIDDEN);
    // An allowlisted page is given nothing.
    await call('settings.set', { patch: { guardAllowlist: ['chat.example.org'] } }, OPTIONS);
    expect(await report(id, CHAT)).toMatchObject(FORBIDDEN);
    expect(guardEvents()).toEqual([]);
    // Not a refusal to anyone: the page that does watch for the key may report it.
    expect(await report(id, PLAIN)).toMatchObject({ ok: true, data: { host: 'app.docbits.com' } });
    expect(guardEvents()).toEqual(['guard.warned']);
  });

  it('takes "insecure" from the sender URL, never from the payload', async () => {
    const id = await addKey();
    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    expect((await report(id, CHAT, true)).ok).toBe(true);
    expect(recorded.at(-1)).toMatchObject({ type: 'guard.warned', detail: 'foreign page' });
    expect((await report(id, PLAIN, false)).ok).toBe(true);
    expect(recorded.at(-1)).toMatchObject({
      type: 'guard.warned',
      host: 'intranet.example.org',
      detail: 'insecure (http) page',
    });
  });

  it('refuses more than 20 guard reports a minute from one tab, and records a repeat a bounded number of times', async () => {
    const id = await addKey();
    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    for (let i = 0; i < 20; i++) expect((await report(id, CHAT)).ok).toBe(true);
    expect(await report(id, CHAT)).toMatchObject(FORBIDDEN);
    expect(await report(id, PLAIN)).toMatchObject(FORBIDDEN); // same tab
    // The same warning for the same key on the same site: a few records per window (issue 15, finding 3).
    expect(guardEvents()).toHaveLength(GUARD_RECORD_REPEATS);
    // Another tab has its own budget; another site is another record.
    expect((await report(id, { ...CHAT, tab: { id: 10 } })).ok).toBe(true);
    expect(guardEvents()).toHaveLength(GUARD_RECORD_REPEATS);
    expect((await report(id, { ...PLAIN, tab: { id: 11 } })).ok).toBe(true);
    expect(guardEvents()).toHaveLength(GUARD_RECORD_REPEATS + 1);
    t += 60 * 60_000;
    expect((await report(id, CHAT)).ok).toBe(true);
    expect(guardEvents()).toHaveLength(GUARD_RECORD_REPEATS + 2);
  });

  it("refuses to record a page reveal of another host's key", async () => {
    const own = await addKey();
    const foreign = await addKey('docbits.example.test', 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
    const before = recorded.length;
    expect(await call('audit.pageReveal', { entryId: foreign }, DOCBITS)).toMatchObject(FORBIDDEN);
    expect(await call('audit.pageReveal', { entryId: 'no-such-key' }, DOCBITS)).toMatchObject(FORBIDDEN);
    expect(recorded.length).toBe(before);
    expect(await call('audit.pageReveal', { entryId: own }, DOCBITS)).toMatchObject({ ok: true });
    expect(await call('audit.pageReveal', { entryId: foreign }, ONPREM)).toMatchObject({ ok: true });
    expect(await call('audit.pageReveal', { entryId: null }, DOCBITS)).toMatchObject({ ok: true });
    expect(recorded.slice(before)).toEqual([
      expect.objectContaining({ type: 'entry.revealed', entryId: own, host: 'app.docbits.com' }),
      expect.objectContaining({ type: 'entry.revealed', entryId: foreign, host: 'docbits.example.test' }),
      expect.objectContaining({ type: 'entry.revealed', host: 'app.docbits.com' }),
    ]);
  });
});

describe('leak guard fingerprints are kept only while the guard is on', () => {
  const stored = () => ({ prints: area.has('guard.prints'), salt: area.has('guard.salt') });
  const saltOf = async () => (await area.get('guard.salt'))['guard.salt'];

  it('stores nothing while off, makes prints and salt when turned on, forgets both when turned off', async () => {
    const id = await addKey();
    await call('vault.lock', {}, POPUP);
    expect((await call('vault.unlock', { password: PASSWORD }, POPUP)).ok).toBe(true);
    expect(await call('guard.prints', {}, CHAT)).toMatchObject({ ok: true, data: { prints: [] } });
    expect(stored()).toEqual({ prints: false, salt: false });

    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    expect(stored()).toEqual({ prints: true, salt: true });
    const chat = (await call('guard.prints', {}, CHAT)) as { data: { prints: Array<{ id: string }> } };
    expect(chat.data.prints.map((p) => p.id)).toEqual([id]);
    const firstSalt = await saltOf();

    await call('settings.set', { patch: { guardEnabled: false } }, OPTIONS);
    expect(stored()).toEqual({ prints: false, salt: false });
    await addKey('docbits.example.test', 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect(stored()).toEqual({ prints: false, salt: false });

    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    expect(stored()).toEqual({ prints: true, salt: true });
    const secondSalt = await saltOf();
    expect(typeof secondSalt === 'string' && secondSalt.length > 0).toBe(true);
    expect(secondSalt === firstSalt).toBe(false);
  });

  it('turned on while locked, makes the prints at the next unlock', async () => {
    await addKey();
    await call('vault.lock', {}, POPUP);
    await call('settings.set', { patch: { guardEnabled: true } }, OPTIONS);
    expect(stored().prints).toBe(false);
    expect((await call('vault.unlock', { password: PASSWORD }, POPUP)).ok).toBe(true);
    expect(stored()).toEqual({ prints: true, salt: true });
  });
});

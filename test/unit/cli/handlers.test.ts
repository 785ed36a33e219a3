import { describe, expect, it } from 'vitest';
import type { AuditInput } from '../../../lib/audit/events';
import {
  CliError,
  type CliVaultApi,
  createCliHandlers,
  MAX_PER_MINUTE,
  MAX_WAITING,
} from '../../../lib/background/handlers/cli';
import {
  createNativeDispatcher,
  createPageDoor,
  type PagePort,
} from '../../../lib/background/native/dispatch';
import { CLI_PAGE_PORT, NATIVE_MESSAGES } from '../../../lib/messages';
import type { KeyValueArea } from '../../../lib/settings';
import type { Entry } from '../../../lib/vault/model';
import { VaultError } from '../../../lib/vault/service';

const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;
const SECRET = 'dbk_unit-test-secret-value-0001';

function memoryArea(): KeyValueArea & { remove(keys: string[]): Promise<void>; keys(): string[] } {
  const data: Record<string, unknown> = {};
  return {
    get: async (key) => (key in data ? { [key]: structuredClone(data[key]) } : {}),
    set: async (items) => void Object.assign(data, structuredClone(items)),
    remove: async (keys) => {
      for (const k of keys) delete data[k];
    },
    keys: () => Object.keys(data),
  };
}

function entry(id: string, name: string, secret: string, state: Entry['state'] = 'active'): Entry {
  return {
    id,
    name,
    secret,
    notes: '',
    host: 'app.docbits.com',
    orgId: null,
    environment: 'production',
    prefix: '',
    createdAt: 0,
    expiresAt: null,
    rotateAfterDays: null,
    state,
    source: 'manual',
    successorId: null,
    predecessorId: null,
    history: [],
  };
}

function setup(exists = true) {
  const entries = [
    entry('e1', 'Invoice sync', SECRET),
    entry('e2', 'Twice', 'x'.repeat(20)),
    entry('e3', 'Twice', 'y'.repeat(20)),
  ];
  let unlocked = true;
  const vault: CliVaultApi = {
    status: async () => ({ exists, unlocked, retryAfterMs: 0 }),
    isUnlocked: async () => unlocked,
    get: async (id) => {
      if (!unlocked) throw new VaultError('locked', 'The vault is locked');
      const e = entries.find((x) => x.id === id);
      if (!e) throw new VaultError('not-found', 'No such entry');
      return e;
    },
    list: async () => {
      if (!unlocked) throw new VaultError('locked', 'The vault is locked');
      return entries.map(({ secret: _s, history: _h, ...rest }) => rest);
    },
    listIndex: async () =>
      entries.map((e) => ({
        id: e.id,
        host: e.host,
        orgId: null,
        prefix: '',
        createdAt: 0,
        expiresAt: null,
        rotateBy: null,
        state: e.state,
      })),
    exportEntries: async () => entries,
  };
  const audit: AuditInput[] = [];
  const opened: string[] = [];
  const closed: number[] = [];
  let floods = 0;
  let cliEnabled = true;
  const area = memoryArea();
  const windowListeners: Array<(windowId: number) => void> = [];
  const cli = createCliHandlers({
    vault,
    audit: { record: async (i) => void audit.push(i) },
    area,
    gateArea: memoryArea(),
    enabled: async () => cliEnabled,
    openWindow: async (id) => {
      opened.push(id);
      return opened.length;
    },
    closeWindow: async (id) => void closed.push(id),
    onWindowRemoved: (fn) => void windowListeners.push(fn),
    notifyFlood: async () => void floods++,
    bridgeState: async () => ({ enabled: true, permission: true, connected: true, error: null }),
    approvalTimeoutMs: 5_000,
  });
  const waitOpened = async (n: number) => {
    for (let i = 0; i < 100 && opened.length < n; i++) await new Promise((r) => setTimeout(r, 2));
    return opened[n - 1] as string;
  };
  return {
    cli,
    audit,
    opened,
    closed,
    waitOpened,
    floods: () => floods,
    area,
    setEnabled: (on: boolean) => {
      cliEnabled = on;
    },
    /** The browser reports a closed window (its id). */
    removeWindow: (windowId: number) => {
      for (const fn of windowListeners) fn(windowId);
    },
    lock: () => {
      unlocked = false;
    },
    unlock: () => {
      unlocked = true;
    },
  };
}

const REQ: { refs: string[]; purpose: 'run' | 'get'; command: string[]; cwd: string } = {
  refs: ['Invoice sync'],
  purpose: 'run',
  command: ['npm', 'start'],
  cwd: '/work/app',
};

describe('command line key requests', () => {
  it('hands the key out only after Allow, to that request, and records request and approval', async () => {
    const t = setup();
    const port = {};
    const pending = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    const id = await t.waitOpened(1);
    const view = await t.cli.page['approval.open']({ request: id }, { port });
    expect(view).toMatchObject({ command: ['npm', 'start'], cwd: '/work/app', locked: false, ended: null });
    expect(view.entries).toEqual([
      { id: 'e1', name: 'Invoice sync', host: 'app.docbits.com', environment: 'production' },
    ]);
    // Another window cannot answer it.
    await expect(
      t.cli.page['approval.decide']({ request: id, decision: 'once' }, { port: {} }),
    ).rejects.toThrow();
    await t.cli.page['approval.decide']({ request: id, decision: 'once' }, { port });
    expect((await pending).keys.map((k) => k.secret === SECRET)).toEqual([true]);
    expect(t.closed).toEqual([1]);
    expect(t.audit.map((a) => a.type)).toEqual(['cli.requested', 'cli.approved']);
    expect(t.audit.every((a) => a.origin === 'cli' && !JSON.stringify(a).includes(SECRET))).toBe(true);
  });

  it('Deny, a closed window, a timeout and a cancelled command all end without a key, recorded', async () => {
    const t = setup();
    const deny = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    const id1 = await t.waitOpened(1);
    await t.cli.page['approval.decide']({ request: id1, decision: 'deny' }, { port: {} });
    await expect(deny).rejects.toMatchObject({ code: 'denied' });

    const closedWin = t.cli.native['cli.request'](REQ, { conn: 1, rid: 2 });
    const id2 = await t.waitOpened(2);
    const port = {};
    await t.cli.page['approval.open']({ request: id2 }, { port });
    t.cli.portClosed(port);
    await expect(closedWin).rejects.toMatchObject({ code: 'denied' });

    const cancelled = t.cli.native['cli.request'](REQ, { conn: 1, rid: 3 });
    await t.waitOpened(3);
    await t.cli.native['cli.cancel']({}, { conn: 1, rid: 3 });
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect(t.audit.filter((a) => a.type === 'cli.denied')).toHaveLength(3);
    expect(t.closed).toEqual([1, 2, 3]);
  });

  it('a locked vault is unlocked in the window first; names stay hidden until then', async () => {
    const t = setup();
    t.lock();
    const pending = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    const id = await t.waitOpened(1);
    const port = {};
    expect(await t.cli.page['approval.open']({ request: id }, { port })).toMatchObject({
      locked: true,
      entries: null,
    });
    await expect(t.cli.page['approval.decide']({ request: id, decision: 'once' }, { port })).rejects.toThrow(
      /Unlock/,
    );
    t.unlock();
    expect((await t.cli.page['approval.unlocked']({ request: id }, { port })).entries?.[0]?.name).toBe(
      'Invoice sync',
    );
    await t.cli.page['approval.decide']({ request: id, decision: 'once' }, { port });
    expect((await pending).keys).toHaveLength(1);
  });

  it('15 minutes: the same command, directory and keys pass without a window; another directory asks again', async () => {
    const t = setup();
    const first = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    await t.cli.page['approval.decide'](
      { request: await t.waitOpened(1), decision: 'fifteen' },
      { port: {} },
    );
    await first;
    expect((await t.cli.native['cli.request'](REQ, { conn: 1, rid: 2 })).keys).toHaveLength(1);
    expect(t.opened).toHaveLength(1);
    const other = t.cli.native['cli.request']({ ...REQ, cwd: '/elsewhere' }, { conn: 1, rid: 3 });
    await t.waitOpened(2);
    await t.cli.native['cli.cancel']({}, { conn: 1, rid: 3 });
    await expect(other).rejects.toBeInstanceOf(CliError);
  });

  it('without a vault a request is refused at once (no window)', async () => {
    const t = setup(false);
    await expect(t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 })).rejects.toMatchObject({
      code: 'no-vault',
    });
    expect(t.opened).toEqual([]);
  });

  it('unknown and ambiguous names are refused before any window; list has no secrets', async () => {
    const t = setup();
    await expect(
      t.cli.native['cli.request']({ ...REQ, refs: ['Nope'] }, { conn: 1, rid: 1 }),
    ).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(
      t.cli.native['cli.request']({ ...REQ, refs: ['Twice'] }, { conn: 1, rid: 2 }),
    ).rejects.toMatchObject({
      code: 'ambiguous',
      ids: ['e2', 'e3'],
    });
    expect(t.opened).toEqual([]);
    expect(JSON.stringify(await t.cli.native['cli.list']({}, { conn: 1, rid: 3 }))).not.toContain(SECRET);
  });

  it('a flood is refused, recorded and notified once', async () => {
    const t = setup();
    for (let i = 0; i < MAX_PER_MINUTE; i++) await t.cli.native['cli.list']({}, { conn: 1, rid: i });
    for (let i = 0; i < 5; i++) {
      await expect(t.cli.native['cli.list']({}, { conn: 1, rid: 100 + i })).rejects.toMatchObject({
        code: 'flood',
      });
    }
    expect(t.floods()).toBe(1);
    expect(t.audit.filter((a) => a.type === 'anomaly.messageFlood')).toHaveLength(1);
  });

  it('scan fingerprints work while locked (names only while open) and say when stale; hits are recorded', async () => {
    const t = setup();
    const open = await t.cli.native['cli.prints']({}, { conn: 1, rid: 1 });
    expect(open.prints.map((p) => p.name)).toEqual(['Invoice sync', 'Twice', 'Twice']);
    expect(JSON.stringify(open)).not.toContain(SECRET);
    t.lock();
    const locked = await t.cli.native['cli.prints']({}, { conn: 1, rid: 2 });
    expect(locked).toMatchObject({ salt: open.salt, stale: false });
    expect(locked.prints.every((p) => p.name === null)).toBe(true);
    await t.cli.native['cli.scanReport'](
      {
        hits: [
          { id: 'e1', places: 2 },
          { id: 'unknown', places: 1 },
        ],
      },
      { conn: 1, rid: 3 },
    );
    expect(t.audit.filter((a) => a.type === 'cli.scanHit').map((a) => a.entryId)).toEqual(['e1']);
  });
});

describe('review of the command line (issue 17 findings)', () => {
  const fifteen = async (t: ReturnType<typeof setup>, req: typeof REQ, rid: number, n: number) => {
    const pending = t.cli.native['cli.request'](req, { conn: 1, rid });
    await t.cli.page['approval.decide'](
      { request: await t.waitOpened(n), decision: 'fifteen' },
      { port: {} },
    );
    await pending;
  };
  /**
   * Asks again with `req` and checks that no grant serves it: the `n`th approval window opens. The request
   * is then cancelled; its outcome is returned for the test's own check.
   */
  const askAgain = async (t: ReturnType<typeof setup>, req: typeof REQ, rid: number, n: number) => {
    const again = t.cli.native['cli.request'](req, { conn: 1, rid });
    await t.waitOpened(n);
    expect(t.opened).toHaveLength(n);
    await t.cli.native['cli.cancel']({}, { conn: 1, rid });
    return { outcome: again };
  };

  it('1. a 15-minute grant ends when the vault locks (lock, then unlock: a window again)', async () => {
    const t = setup();
    await fifteen(t, REQ, 1, 1);
    t.lock();
    t.cli.locked();
    t.unlock();
    const { outcome } = await askAgain(t, REQ, 2, 2);
    await expect(outcome).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('1. a "15 minutes" decided before a lock gives no grant after it', async () => {
    const t = setup();
    const pending = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    const id = await t.waitOpened(1);
    const decided = t.cli.page['approval.decide']({ request: id, decision: 'fifteen' }, { port: {} });
    // The lock lands between the decision and the hand-out.
    t.cli.locked();
    await decided;
    await pending.catch(() => undefined);
    const { outcome } = await askAgain(t, REQ, 2, 2);
    await expect(outcome).rejects.toBeInstanceOf(CliError);
  });

  it('1. a grant for run does not serve get for the same command', async () => {
    const t = setup();
    await fifteen(t, REQ, 1, 1);
    const { outcome } = await askAgain(t, { ...REQ, purpose: 'get' }, 2, 2);
    await expect(outcome).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('2. simultaneous requests open at most MAX_WAITING windows; the rest are a flood', async () => {
    const t = setup();
    const all = Array.from({ length: 10 }, (_, i) =>
      t.cli.native['cli.request'](REQ, { conn: 1, rid: i + 1 }).then(
        () => 'handed',
        (e: { code?: string }) => e.code,
      ),
    );
    await t.waitOpened(MAX_WAITING);
    await new Promise((r) => setTimeout(r, 50));
    expect(t.opened.length).toBeLessThanOrEqual(MAX_WAITING);
    for (let i = 1; i <= 10; i++) await t.cli.native['cli.cancel']({}, { conn: 1, rid: i });
    const codes = await Promise.all(all);
    expect(codes.filter((c) => c === 'flood')).toHaveLength(10 - MAX_WAITING);
    expect(codes.filter((c) => c === 'cancelled')).toHaveLength(MAX_WAITING);
    // The slots are given back: a new request opens a window again.
    const later = t.cli.native['cli.request'](REQ, { conn: 1, rid: 20 });
    await t.waitOpened(MAX_WAITING + 1);
    await t.cli.native['cli.cancel']({}, { conn: 1, rid: 20 });
    await expect(later).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('3. scan fingerprints are stored only while the command line is on, and removed when it is turned off', async () => {
    const t = setup();
    t.setEnabled(false);
    await t.cli.refreshPrints();
    expect(t.area.keys()).not.toContain('cli.prints');
    t.setEnabled(true);
    await t.cli.refreshPrints();
    expect(t.area.keys()).toContain('cli.prints');
    t.setEnabled(false);
    await t.cli.refreshPrints();
    expect(t.area.keys()).not.toContain('cli.prints');
  });

  it('4. a lost native port ends its waiting requests as cancelled and closes their windows', async () => {
    const t = setup();
    const pending = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    await t.waitOpened(1);
    t.cli.portLost(1);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(t.closed).toEqual([1]);
    expect(t.audit.filter((a) => a.type === 'cli.denied')).toHaveLength(1);
  });

  it("4. a new host's relay ids do not reach an older connection's request", async () => {
    const t = setup();
    const pending = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    const id = await t.waitOpened(1);
    await t.cli.native['cli.cancel']({}, { conn: 2, rid: 1 });
    const port = {};
    expect((await t.cli.page['approval.open']({ request: id }, { port })).ended).toBeNull();
    await t.cli.page['approval.decide']({ request: id, decision: 'once' }, { port });
    expect((await pending).keys).toHaveLength(1);
  });

  it('5. scan fingerprint requests count towards the rate limit', async () => {
    const t = setup();
    for (let i = 0; i < MAX_PER_MINUTE; i++) await t.cli.native['cli.list']({}, { conn: 1, rid: i });
    await expect(t.cli.native['cli.prints']({}, { conn: 1, rid: 99 })).rejects.toMatchObject({
      code: 'flood',
    });
  });

  it('6. closing the approval window before it loaded denies at once', async () => {
    const t = setup();
    const pending = t.cli.native['cli.request'](REQ, { conn: 1, rid: 1 });
    await t.waitOpened(1);
    const started = Date.now();
    t.removeWindow(99); // another window: nothing happens
    t.removeWindow(1);
    await expect(pending).rejects.toMatchObject({ code: 'denied' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(t.audit.at(-1)).toMatchObject({ type: 'cli.denied' });
  });
});

describe('the native door (fuzz)', () => {
  it('answers every malformed message with an error and no effect, never throws', async () => {
    const t = setup();
    const dispatch = createNativeDispatcher(t.cli.native, () => {});
    const junk: unknown[] = [
      null,
      42,
      'cli.status',
      [],
      { rid: 1 },
      { rid: -1, type: 'cli.status', payload: {} },
      { rid: 1.5, type: 'cli.status', payload: {} },
      { rid: 1, type: 'entry.get', payload: { id: 'e1' } },
      { rid: 1, type: '__proto__', payload: {} },
      { rid: 1, type: 'cli.status', payload: { extra: 1 } },
      { rid: 1, type: 'cli.status', payload: {}, extra: true },
      { rid: 1, type: 'cli.request', payload: { ...REQ, refs: 'Invoice sync' } },
      { rid: 1, type: 'cli.request', payload: { ...REQ, purpose: 'steal' } },
      { rid: 1, type: 'cli.request', payload: { ...REQ, refs: Array(51).fill('a') } },
      { rid: 1, type: 'cli.scanReport', payload: { hits: [{ id: 'e1', places: -1 }] } },
    ];
    for (let i = 0; i < 200; i++) {
      const types = Object.keys(NATIVE_MESSAGES);
      junk.push({ rid: i, type: types[i % types.length], payload: { [`k${i}`]: i % 2 ? 'x' : [i] } });
    }
    for (const m of junk) {
      const reply = await dispatch(m);
      if (reply !== null) expect(reply.reply.ok).toBe(false);
    }
    expect(t.opened).toEqual([]);
    expect(t.audit).toEqual([]);
  });

  it('the page door takes ports only from KeyGuard pages', async () => {
    const t = setup();
    const door = createPageDoor({
      extensionId: EXT_ID,
      extensionOrigin: ORIGIN,
      handlers: t.cli.page,
      onClosed: () => {},
    });
    const port = (sender: PagePort['sender'], name = CLI_PAGE_PORT) => {
      const posted: unknown[] = [];
      let disconnected = false;
      const p: PagePort = {
        name,
        ...(sender ? { sender } : {}),
        postMessage: (m) => void posted.push(m),
        disconnect: () => {
          disconnected = true;
        },
        onMessage: { addListener: () => {} },
        onDisconnect: { addListener: () => {} },
      };
      return { p, posted, disconnected: () => disconnected };
    };
    const page = port({ id: EXT_ID, url: `${ORIGIN}approve.html?request=x` });
    expect(await door(page.p)).toBe(true);
    expect(page.disconnected()).toBe(false);
    for (const sender of [
      { id: EXT_ID, url: 'https://app.docbits.com/settings', frameId: 0, tab: { id: 1 } },
      {
        id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
        url: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/x.html',
      },
      undefined,
    ]) {
      const other = port(sender);
      await door(other.p);
      expect(other.disconnected()).toBe(true);
    }
    expect(await door(port({ id: EXT_ID, url: `${ORIGIN}popup.html` }, 'other-port').p)).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import type { AuditInput } from '../../lib/audit/events';
import { setMessageSource, sourceFromJson, t } from '../../lib/i18n';
import {
  assess,
  badgeOf,
  createReminders,
  normaliseState,
  planReminders,
  REMINDER_ALARM,
  REMINDER_STATE_KEY,
  type ReminderRunner,
} from '../../lib/rotation/reminders';
import { addDays, DAY_MS } from '../../lib/rotation/schedule';
import type { IndexRecord } from '../../lib/vault/model';
import en from '../../public/_locales/en/messages.json';

const HOST = 'app.docbits.com';
const policy = { rotationDays: 90, reminderLeadDays: 14 };

function record(id: string, createdAt: number, extra: Partial<IndexRecord> = {}): IndexRecord {
  return {
    id,
    host: HOST,
    orgId: null,
    prefix: `p${id}`,
    createdAt,
    expiresAt: null,
    rotateBy: null,
    state: 'active',
    ...extra,
  };
}

describe('reminder policy (pure)', () => {
  const now = Date.UTC(2026, 5, 15, 12);
  it('assesses live entries only; rotating entries are not told to rotate, their expiry still counts', () => {
    const a = assess(
      [
        record('a', addDays(now, -100)),
        record('b', addDays(now, -100), { state: 'retired' }),
        record('c', addDays(now, -100), { state: 'rotating', expiresAt: addDays(now, 3) }),
        record('d', addDays(now, -10)),
      ],
      policy,
      now,
    );
    expect(a.map((x) => [x.id, x.stage, x.attention, x.counted])).toEqual([
      ['a', 'due/none', true, true],
      ['c', 'ok/in7', true, true],
      ['d', 'ok/none', false, false],
    ]);
  });

  it('uses the expiry DocBits shows when the entry has none of its own', () => {
    const [a] = assess(
      [record('a', now, { observed: { status: 'active', expiresAt: addDays(now, 1) - 1, at: now } })],
      policy,
      now,
    );
    expect(a?.expiry).toBe('in1');
  });

  it('plans one notification per stage change, forgets entries back at ok, keeps snoozes', () => {
    const state = normaliseState({
      notified: { a: 'due/none', gone: 'due/none' },
      snoozed: { s: now + DAY_MS },
      lastRun: 1,
    });
    const items = assess(
      [
        record('a', addDays(now, -100)),
        record('b', addDays(now, -120)),
        record('s', addDays(now, -120)),
        record('o', now),
      ],
      policy,
      now,
    );
    const plan = planReminders(items, state, now);
    expect(plan.notify.map((x) => x.id)).toEqual(['b']);
    expect(plan.next).toEqual({
      notified: { a: 'due/none', b: 'overdue/none' },
      snoozed: { s: now + DAY_MS },
      lastRun: now,
    });
  });

  it('drops damaged stored state instead of failing', () => {
    expect(
      normaliseState({ notified: { 'bad id!': 'x', ok: 3 }, snoozed: { a: 'soon' }, lastRun: 'x' }),
    ).toEqual({
      notified: {},
      snoozed: {},
      lastRun: 0,
    });
    expect(normaliseState(null)).toEqual({ notified: {}, snoozed: {}, lastRun: 0 });
  });

  it('badge: due + overdue count, red only when something expires within 7 days', () => {
    const due = assess([record('a', addDays(now, -95)), record('b', addDays(now, -200))], policy, now);
    expect(badgeOf(due)).toEqual({ text: '2', color: '#8a5300' });
    const soon = assess(
      [record('a', addDays(now, -95)), record('c', now, { expiresAt: addDays(now, 5) })],
      policy,
      now,
    );
    expect(badgeOf(soon)).toEqual({ text: '2', color: '#b3261e' });
    expect(badgeOf(assess([record('d', now, { expiresAt: addDays(now, 10) })], policy, now))).toEqual({
      text: '',
      color: '#8a5300',
    });
  });
});

describe('reminder runner (fakeBrowser alarms, notifications, badge)', () => {
  let records: IndexRecord[];
  let names: Map<string, string> | null;
  let opened: string[];
  let audit: AuditInput[];
  let created: Array<{ id: string; title: string; message: string }>;
  /** Runs before each notifications.create: throw or hang here to model a notification that never shows. */
  let beforeCreate: (id: string) => Promise<void>;

  beforeEach(() => {
    fakeBrowser.reset();
    setMessageSource(sourceFromJson(en));
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2026, 5, 15, 9, 0));
    records = [];
    names = null;
    opened = [];
    audit = [];
    created = [];
    beforeCreate = async () => {};
  });
  afterEach(() => vi.useRealTimers());

  /** One background worker's reminders; calling it again is a worker restart on the same storage. */
  function worker({ getAll = true }: { getAll?: boolean } = {}): ReminderRunner {
    const runner = createReminders({
      storage: fakeBrowser.storage.local,
      alarms: fakeBrowser.alarms,
      notifications: {
        create: async (id, o) => {
          await beforeCreate(id);
          created.push({ id, title: o.title, message: o.message });
          return fakeBrowser.notifications.create(id, o);
        },
        clear: (id) => fakeBrowser.notifications.clear(id),
        ...(getAll ? { getAll: () => fakeBrowser.notifications.getAll() } : {}),
      },
      action: fakeBrowser.action,
      listIndex: async () => records,
      names: async () => names,
      policy: async () => policy,
      openList: async () => void opened.push('list'),
      openUrl: async (url) => void opened.push(url),
      text: (key, ...subs) => t(key, ...subs),
      iconUrl: 'icon.png',
      buttons: true,
      audit: { record: async (x) => void audit.push(x) },
    });
    fakeBrowser.alarms.onAlarm.addListener((a) => void runner.onAlarm(a.name));
    return runner;
  }

  const shown = async () => Object.keys(await fakeBrowser.notifications.getAll());

  it('at start-up, while locked: alarm, badge and one notification that names no key', async () => {
    records = [record('old', addDays(Date.now(), -100))];
    await worker().start();
    const alarm = await fakeBrowser.alarms.get(REMINDER_ALARM);
    expect(alarm?.periodInMinutes).toBeGreaterThanOrEqual(60);
    expect(await fakeBrowser.action.getBadgeText({})).toBe('1');
    expect(created).toEqual([
      {
        id: 'kg-reminder:host:app.docbits.com',
        title: 'KeyGuard: API keys need attention',
        message: '1 DocBits API keys on app.docbits.com need attention',
      },
    ]);
    expect(audit).toEqual([
      { type: 'reminder.notified', entryId: 'old', origin: 'background', host: HOST, detail: 'due/none' },
    ]);
  });

  it('never shows the same stage twice, also across worker restarts; a new stage notifies again', async () => {
    records = [record('old', addDays(Date.now(), -100))];
    await worker().start();
    await fakeBrowser.notifications.clear('kg-reminder:host:app.docbits.com');
    // Restart (a fresh runner over the same storage), then the periodic alarm fires twice.
    const second = worker();
    await second.start();
    await fakeBrowser.alarms.onAlarm.trigger({ name: REMINDER_ALARM, scheduledTime: Date.now() });
    await second.run();
    expect(created).toHaveLength(1);
    expect(await shown()).toEqual([]);
    // Fourteen days later the key is overdue: a new stage, one more notification.
    vi.setSystemTime(addDays(Date.now(), 14));
    await worker().run();
    expect(created).toHaveLength(2);
    await worker().run();
    expect(created).toHaveLength(2);
  });

  it('names the key while the vault is open', async () => {
    records = [record('old', addDays(Date.now(), -100))];
    names = new Map([['old', 'ERP nightly upload']]);
    await worker().run();
    expect(created).toEqual([
      {
        id: 'kg-reminder:entry:old',
        title: 'KeyGuard: ERP nightly upload',
        message: 'Rotation is due for this API key.',
      },
    ]);
  });

  it('expiry reminders at 14, 7 and 1 day(s), one each', async () => {
    const expires = addDays(Date.now(), 20);
    records = [record('k', Date.now(), { expiresAt: expires })];
    names = new Map([['k', 'K']]);
    const r = worker();
    const messages: string[] = [];
    for (let d = 0; d <= 21; d++) {
      vi.setSystemTime(addDays(new Date(2026, 5, 15, 9, 0).getTime(), d));
      await r.run();
      await r.run();
    }
    for (const c of created) messages.push(c.message);
    expect(messages).toEqual([
      'This API key expires within 14 days.',
      'This API key expires within 7 days.',
      'This API key expires within a day.',
      'This API key has expired. Rotate it to a new key.',
    ]);
  });

  it('respects a snooze: quiet for a day, then the pending stage is shown once', async () => {
    records = [record('old', addDays(Date.now(), -100))];
    const r = worker();
    await r.run();
    await r.onButtonClicked('kg-reminder:host:app.docbits.com', 0);
    expect(await shown()).toEqual([]);
    // The stage changes while snoozed: nothing.
    records = [record('old', addDays(new Date(2026, 5, 15, 9, 0).getTime(), -114))];
    vi.setSystemTime(new Date(2026, 5, 15, 20, 0));
    await r.run();
    expect(created).toHaveLength(1);
    vi.setSystemTime(new Date(2026, 5, 16, 9, 0));
    await r.run();
    expect(created).toHaveLength(2);
    const stored = (await fakeBrowser.storage.local.get(REMINDER_STATE_KEY))[REMINDER_STATE_KEY] as {
      snoozed: object;
    };
    expect(stored.snoozed).toEqual({});
  });

  it('snoozes for a week from the second button', async () => {
    records = [record('old', addDays(Date.now(), -80))];
    const r = worker();
    await r.run();
    await r.onButtonClicked('kg-reminder:host:app.docbits.com', 1);
    records = [record('old', addDays(Date.now(), -90))];
    for (let d = 1; d < 7; d++) {
      vi.setSystemTime(addDays(new Date(2026, 5, 15, 9, 0).getTime(), d));
      await r.run();
    }
    expect(created).toHaveLength(1);
    vi.setSystemTime(addDays(new Date(2026, 5, 15, 9, 0).getTime(), 7));
    await r.run();
    expect(created).toHaveLength(2);
  });

  it('runs after the machine wakes (idle locked → active), not on every idle event', async () => {
    const r = worker();
    await r.start();
    records = [record('old', addDays(Date.now(), -100))];
    await r.onIdleStateChanged('active');
    expect(created).toHaveLength(0);
    await r.onIdleStateChanged('locked');
    await r.onIdleStateChanged('active');
    expect(created).toHaveLength(1);
  });

  it('a click opens the DocBits page (locked, by host) or the popup list (named key)', async () => {
    records = [record('old', addDays(Date.now(), -100))];
    await worker().run();
    // After a worker restart the notification id alone is enough.
    await worker().onClicked('kg-reminder:host:app.docbits.com');
    await worker().onClicked('kg-reminder:entry:old');
    await worker().onClicked('someone-else');
    expect(opened).toEqual(['https://app.docbits.com/settings/integration', 'list']);
  });

  it('the badge is red when a key expires within 7 days, and empties when nothing is due', async () => {
    records = [record('k', Date.now(), { expiresAt: addDays(Date.now(), 6) })];
    await worker().run();
    expect(await fakeBrowser.action.getBadgeText({})).toBe('1');
    expect(await fakeBrowser.action.getBadgeBackgroundColor({})).toEqual([179, 38, 30, 255]);
    records = [];
    await worker().run();
    expect(await fakeBrowser.action.getBadgeText({})).toBe('');
  });

  describe('when the vault locks', () => {
    const HOST_ID = 'kg-reminder:host:app.docbits.com';

    it('replaces the notifications naming a key by the host one, keeps the others, shows no stage twice', async () => {
      // Locked: one host notification. Then, unlocked, another key's stage: a named notification.
      records = [record('a', addDays(Date.now(), -100))];
      const r = worker();
      await r.run();
      records = [...records, record('b', addDays(Date.now(), -120))];
      names = new Map([
        ['a', 'ERP nightly upload'],
        ['b', 'Invoice export'],
      ]);
      await r.run();
      // Someone else's notification (not a reminder) is none of this service's business.
      await fakeBrowser.notifications.create('other', {
        type: 'basic',
        iconUrl: '',
        title: 'x',
        message: 'y',
      });
      expect((await shown()).sort()).toEqual(['kg-reminder:entry:b', HOST_ID, 'other']);
      expect(created).toHaveLength(2);

      names = null;
      await r.onLocked();
      expect((await shown()).sort()).toEqual([HOST_ID, 'other']);
      // 'b' was still on screen under its name: the host notification now counts it too, without names.
      expect(created).toHaveLength(3);
      expect(created[2]).toEqual({
        id: HOST_ID,
        title: 'KeyGuard: API keys need attention',
        message: '2 DocBits API keys on app.docbits.com need attention',
      });
      // Closed by the user, then locked again: a stage dealt with is not shown again.
      await fakeBrowser.notifications.clear(HOST_ID);
      await r.onLocked();
      await worker().start();
      expect(created).toHaveLength(3);
    });

    it('also after a worker restart, and then shows a stage not yet notified by host, without names', async () => {
      const start = Date.now();
      records = [record('a', addDays(start, -89)), record('b', addDays(start, -120))];
      names = new Map([
        ['a', 'ERP nightly upload'],
        ['b', 'Invoice export'],
      ]);
      await worker().run();
      expect((await shown()).sort()).toEqual(['kg-reminder:entry:a', 'kg-reminder:entry:b']);
      // A day later 'a' is due (a new stage) and the vault locks, in a worker that has not shown anything.
      vi.setSystemTime(addDays(start, 1));
      names = null;
      await worker().onLocked();
      expect(await shown()).toEqual([HOST_ID]);
      expect(created.slice(2)).toEqual([
        {
          id: HOST_ID,
          title: 'KeyGuard: API keys need attention',
          message: '2 DocBits API keys on app.docbits.com need attention',
        },
      ]);
    });

    it('without notifications.getAll: clears the ids of every entry it may have named', async () => {
      records = [record('a', addDays(Date.now(), -100))];
      names = new Map([['a', 'ERP nightly upload']]);
      await worker({ getAll: false }).run();
      expect(await shown()).toEqual(['kg-reminder:entry:a']);
      names = null;
      await worker({ getAll: false }).onLocked();
      // The named one goes; it was still on screen, so the host one (no names) takes its place.
      expect(await shown()).toEqual(['kg-reminder:host:app.docbits.com']);
      expect(created).toHaveLength(2);
    });
  });
  describe('a reminder is never lost at start-up (issue 13)', () => {
    const HOST_ID = 'kg-reminder:host:app.docbits.com';

    it('a notification the browser refused is not recorded as shown: the next run shows it', async () => {
      records = [record('old', addDays(Date.now(), -100))];
      beforeCreate = async () => {
        throw new Error('Unable to download all specified images.');
      };
      await expect(worker().start()).rejects.toThrow();
      expect(await shown()).toEqual([]);
      expect(await fakeBrowser.action.getBadgeText({})).toBe('1');
      // The periodic alarm (or the next start) tries again, and this time it shows.
      beforeCreate = async () => {};
      await worker().run();
      expect(await shown()).toEqual([HOST_ID]);
      expect(audit.map((a) => a.detail)).toEqual(['due/none']);
    });

    it('a worker stopped between deciding and showing (browser start-up): the next worker shows it', async () => {
      records = [record('old', addDays(Date.now(), -100))];
      // The first worker decides to notify, then never gets to show it (stopped while create is pending).
      let attempts = 0;
      beforeCreate = () => {
        attempts += 1;
        return new Promise<void>(() => {});
      };
      void worker().start();
      await vi.waitFor(() => expect(attempts).toBe(1));
      expect(await fakeBrowser.action.getBadgeText({})).toBe('1');
      beforeCreate = async () => {};
      await worker().start();
      expect(await shown()).toEqual([HOST_ID]);
    });

    it('the start-up lock right after a start-up run that named a key: the host reminder replaces it', async () => {
      // The start-up run still saw the vault open (names), then runtime.onStartup locked it.
      records = [record('old', addDays(Date.now(), -100))];
      names = new Map([['old', 'ERP nightly upload']]);
      const w = worker();
      await w.start();
      expect(await shown()).toEqual(['kg-reminder:entry:old']);
      names = null;
      await w.onLocked();
      expect(await shown()).toEqual([HOST_ID]);
      expect(created.at(-1)).toEqual({
        id: HOST_ID,
        title: 'KeyGuard: API keys need attention',
        message: '1 DocBits API keys on app.docbits.com need attention',
      });
      // And it stays shown once: more runs add nothing.
      await w.run();
      await worker().start();
      expect(created).toHaveLength(2);
    });

    it('start-up run and start-up lock in either order: the host reminder shows exactly once', async () => {
      records = [record('old', addDays(Date.now(), -100))];
      const w = worker();
      // The lock reaches the chain first, the start-up run after it (what the background serialises to).
      await Promise.all([w.onLocked(), w.start()]);
      expect(await shown()).toEqual([HOST_ID]);
      expect(created).toHaveLength(1);
    });

    it('a later stage is shown again after a restart, also when the earlier one was lost', async () => {
      records = [record('old', addDays(Date.now(), -100))];
      beforeCreate = () => new Promise<void>(() => {});
      void worker().start();
      await vi.waitFor(() => expect(fakeBrowser.action.getBadgeText({})).resolves.toBe('1'));
      beforeCreate = async () => {};
      // Thirty days later (the browser started again): overdue, a new stage.
      vi.setSystemTime(addDays(Date.now(), 30));
      await worker().start();
      expect(await shown()).toEqual([HOST_ID]);
      const state = (await fakeBrowser.storage.local.get(REMINDER_STATE_KEY))[REMINDER_STATE_KEY];
      expect(state).toMatchObject({ notified: { old: 'overdue/none' } });
    });
  });
});

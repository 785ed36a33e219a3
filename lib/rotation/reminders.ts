/**
 * Rotation and expiry reminders that work while the vault is locked: they read only the clear-text reminder
 * index (ids, hosts, dates, states and what DocBits' table last showed), never a name or a secret, unless
 * the vault is open and the caller hands names in.
 *
 * The policy half is pure (assess → plan → badge); the runner below wires it to alarms, notifications and
 * the toolbar badge, all passed in so unit tests drive it with a fake browser.
 *
 * Reminder state (which stage of which entry was already notified, snoozes, the last run) is kept in
 * `storage.local` as clear-text facts keyed by entry id. Not in the vault: reminders must be written while
 * the vault is locked, and these facts say nothing an attacker with the disk does not already read from
 * the clear index (dates and states). No name, note or secret is ever stored there.
 */
import type { AuditSink } from '../audit/events';
import { errorKind } from '../errors';
import type { KeyValueArea } from '../settings';
import type { IndexRecord } from '../vault/model';
import {
  type ExpiryStage,
  expiryStage,
  type RotationPolicy,
  type RotationStatus,
  rotationStatus,
  type SnoozeLength,
  snoozeUntil,
} from './schedule';

export const REMINDER_ALARM = 'keyguard-reminders';
/** "Every few hours". Chrome also fires a missed alarm once when the machine wakes. */
export const REMINDER_PERIOD_MINUTES = 180;
export const REMINDER_STATE_KEY = 'reminders';
export const NOTIFICATION_PREFIX = 'kg-reminder:';

/** One live entry as reminders see it. */
export interface Assessment {
  id: string;
  host: string;
  rotation: RotationStatus;
  expiry: ExpiryStage;
  /** `rotation/expiry`: a change of this is a new stage worth one notification. */
  stage: string;
  /** Anything other than ok/ok: the entry needs the user's attention. */
  attention: boolean;
  /** Counted on the badge: rotation due or overdue, or expiring within 7 days / expired. */
  counted: boolean;
  /** Expires within 7 days (or has expired): the badge turns red. */
  urgent: boolean;
}

/** The expiry date reminders use: the entry's own, else what DocBits' table showed. */
export function expiresAtOf(r: IndexRecord): number | null {
  if (r.expiresAt !== null) return r.expiresAt;
  return typeof r.observed?.expiresAt === 'number' ? r.observed.expiresAt : null;
}

/**
 * The reminder view of every live entry. Retired entries are skipped (a retired key needs no rotation);
 * an entry being rotated is not reminded to rotate again, but its expiry still counts.
 */
export function assess(records: readonly IndexRecord[], policy: RotationPolicy, now: number): Assessment[] {
  const out: Assessment[] = [];
  for (const r of records) {
    if (r.state === 'retired') continue;
    const expiresAt = expiresAtOf(r);
    const rotation =
      r.state === 'rotating'
        ? 'ok'
        : rotationStatus({ createdAt: r.createdAt, expiresAt, rotateBy: r.rotateBy }, policy, now);
    const expiry = expiryStage(expiresAt, now);
    const attention = rotation !== 'ok' || (expiry !== 'ok' && expiry !== 'none');
    out.push({
      id: r.id,
      host: r.host,
      rotation,
      expiry,
      stage: `${rotation}/${expiry}`,
      attention,
      counted:
        rotation === 'due' ||
        rotation === 'overdue' ||
        expiry === 'in7' ||
        expiry === 'in1' ||
        expiry === 'expired',
      urgent: expiry === 'in7' || expiry === 'in1' || expiry === 'expired',
    });
  }
  return out;
}

export interface ReminderState {
  /** Entry id → the stage last notified. */
  notified: Record<string, string>;
  /** Entry id → snoozed until (epoch ms). */
  snoozed: Record<string, number>;
  /** When the reminders last ran (epoch ms), 0 = never. */
  lastRun: number;
}

export const EMPTY_STATE: Readonly<ReminderState> = Object.freeze({ notified: {}, snoozed: {}, lastRun: 0 });

const isId = (k: string) => /^[A-Za-z0-9-]{1,64}$/.test(k);

/** Whatever is stored, as a valid state (damaged parts are dropped, never thrown at start-up). */
export function normaliseState(raw: unknown): ReminderState {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const notified: Record<string, string> = {};
  const snoozed: Record<string, number> = {};
  if (typeof r.notified === 'object' && r.notified !== null) {
    for (const [k, v] of Object.entries(r.notified)) {
      if (isId(k) && typeof v === 'string' && v.length <= 40) notified[k] = v;
    }
  }
  if (typeof r.snoozed === 'object' && r.snoozed !== null) {
    for (const [k, v] of Object.entries(r.snoozed)) {
      if (isId(k) && typeof v === 'number' && Number.isFinite(v)) snoozed[k] = v;
    }
  }
  const lastRun = typeof r.lastRun === 'number' && Number.isFinite(r.lastRun) ? r.lastRun : 0;
  return { notified, snoozed, lastRun };
}

export interface ReminderPlan {
  /** Entries whose stage changed into one needing attention, not snoozed: notify each once. */
  notify: Assessment[];
  next: ReminderState;
}

/**
 * Which entries to notify now: one notification per stage change, never the same stage twice, nothing
 * while snoozed. An entry back at ok/ok forgets its notified stage (so a later change notifies again);
 * an expired snooze is dropped and the stage, not notified while snoozed, is notified then.
 */
export function planReminders(
  assessments: readonly Assessment[],
  state: ReminderState,
  now: number,
): ReminderPlan {
  const notified: Record<string, string> = {};
  const snoozed: Record<string, number> = {};
  const notify: Assessment[] = [];
  for (const a of assessments) {
    const until = state.snoozed[a.id];
    if (until !== undefined && until > now) {
      snoozed[a.id] = until;
      // Keep what was notified before the snooze, so a stage shown already is not shown again after it.
      const before = state.notified[a.id];
      if (before !== undefined) notified[a.id] = before;
      continue;
    }
    if (!a.attention) continue;
    if (state.notified[a.id] !== a.stage) notify.push(a);
    notified[a.id] = a.stage;
  }
  return { notify, next: { notified, snoozed, lastRun: now } };
}

/** The toolbar badge: how many keys are due, overdue or expired; red when one expires within 7 days. */
export function badgeOf(assessments: readonly Assessment[]): { text: string; color: string } {
  const count = assessments.filter((a) => a.counted).length;
  const urgent = assessments.some((a) => a.urgent);
  // Red only when something expires within a week; amber otherwise (both AA with white text).
  return { text: count > 0 ? String(count) : '', color: urgent ? '#b3261e' : '#8a5300' };
}

/** What a notification says about one entry's stage, as a message key. */
export function stageMessage(a: Assessment): ReminderText {
  switch (a.expiry) {
    case 'expired':
      return 'remExpired';
    case 'in1':
      return 'remExpires1';
    case 'in7':
      return 'remExpires7';
    case 'in14':
      return 'remExpires14';
    default:
      break;
  }
  switch (a.rotation) {
    case 'overdue':
      return 'remRotationOverdue';
    case 'due':
      return 'remRotationDue';
    default:
      return 'remRotationDueSoon';
  }
}

/** Message keys the runner uses (kept local so lib/ does not depend on the generated locale types here). */
export type ReminderText =
  | 'remTitle'
  | 'remHostMessage'
  | 'remEntryTitle'
  | 'remExpired'
  | 'remExpires1'
  | 'remExpires7'
  | 'remExpires14'
  | 'remRotationOverdue'
  | 'remRotationDue'
  | 'remRotationDueSoon'
  | 'remSnoozeDay'
  | 'remSnoozeWeek';

// ------------------------------------------------------------------------------------------- runner

type IdleState = 'active' | 'idle' | 'locked';

export interface NotificationOptions {
  type: 'basic';
  iconUrl: string;
  title: string;
  message: string;
  buttons?: Array<{ title: string }>;
  priority?: number;
}

export interface ReminderDeps {
  storage: KeyValueArea;
  alarms: {
    create(name: string, info: { periodInMinutes?: number; delayInMinutes?: number }): void | Promise<void>;
    get(name: string): Promise<unknown>;
  };
  notifications: {
    create(id: string, options: NotificationOptions): Promise<string>;
    clear(id: string): Promise<boolean>;
    /** Every notification this extension shows, by id (where the browser has it). */
    getAll?(): Promise<Record<string, unknown>>;
  };
  action: {
    setBadgeText(details: { text: string }): void | Promise<void>;
    setBadgeBackgroundColor(details: { color: string }): void | Promise<void>;
  };
  listIndex(): Promise<IndexRecord[]>;
  /** Entry names by id while the vault is open; null while it is locked. */
  names(): Promise<Map<string, string> | null>;
  policy(): Promise<RotationPolicy>;
  /** Opens the popup's key list (an extension window of popup.html). */
  openList(): Promise<void>;
  /** Opens a URL in a tab (the DocBits page of a host). */
  openUrl(url: string): Promise<void>;
  text(key: ReminderText, ...subs: Array<string | number>): string;
  iconUrl: string;
  /** Notification buttons (Chrome); Firefox has none, snoozing is then in the popup. */
  buttons: boolean;
  audit?: AuditSink | undefined;
  now?: () => number;
}

export interface ReminderRunner {
  /** Ensures the periodic alarm exists and runs once ("an alarm at start-up"). */
  start(): Promise<void>;
  /** Re-reads the index and notifies stage changes; serialised, so overlapping triggers cannot double-notify. */
  run(): Promise<void>;
  onAlarm(name: string): Promise<void>;
  onIdleStateChanged(state: IdleState): Promise<void>;
  onClicked(notificationId: string): Promise<void>;
  onButtonClicked(notificationId: string, index: number): Promise<void>;
  snooze(ids: readonly string[], length: SnoozeLength): Promise<void>;
  /**
   * The vault locked: clears every notification that names a key, then runs again, so a stage not yet
   * notified — or notified by name and still on screen — is shown by host, without names. Stages whose
   * notification the user already closed are not shown again.
   */
  onLocked(): Promise<void>;
  /** The reminder facts of every live entry (for the popup, also while locked). */
  current(): Promise<Assessment[]>;
}

const hostId = (host: string) => `${NOTIFICATION_PREFIX}host:${host}`;
const ENTRY_PREFIX = `${NOTIFICATION_PREFIX}entry:`;
const entryId = (id: string) => `${ENTRY_PREFIX}${id}`;

/** `https://HOST/settings/integration`: DocBits' API-key page. */
export const integrationUrl = (host: string) => `https://${host}/settings/integration`;

export function createReminders(deps: ReminderDeps): ReminderRunner {
  const now = deps.now ?? Date.now;
  let chain: Promise<void> = Promise.resolve();
  let lastIdle: IdleState = 'active';
  /** What each notification id stands for, so a click or a snooze knows its entries (rebuilt on run). */
  const targets = new Map<string, { host: string; ids: string[] }>();

  const loadState = async () =>
    normaliseState((await deps.storage.get(REMINDER_STATE_KEY))[REMINDER_STATE_KEY]);
  const saveState = (s: ReminderState) => deps.storage.set({ [REMINDER_STATE_KEY]: s });

  async function current(): Promise<Assessment[]> {
    return assess(await deps.listIndex(), await deps.policy(), now());
  }

  async function runOnce(): Promise<void> {
    const at = now();
    const all = await current();
    const badge = badgeOf(all);
    await deps.action.setBadgeText({ text: badge.text });
    await deps.action.setBadgeBackgroundColor({ color: badge.color });

    const state = await loadState();
    const plan = planReminders(all, state, at);
    // A stage counts as notified only once its notification is on screen. Recorded earlier, a notification
    // that never showed — the worker stopped at browser start-up before notifications.create resolved, or
    // the browser refused it — was never shown again for that stage (issue 13). Until then the entry keeps
    // what was notified before, so the next run (alarm, wake or worker start) tries again; a repeat uses the
    // same notification id, so it replaces rather than duplicates.
    const next: ReminderState = { ...plan.next, notified: { ...plan.next.notified } };
    for (const a of plan.notify) {
      const before = state.notified[a.id];
      if (before === undefined) delete next.notified[a.id];
      else next.notified[a.id] = before;
    }
    await saveState(next);
    if (plan.notify.length === 0) return;

    const names = await deps.names();
    const buttons = deps.buttons
      ? { buttons: [{ title: deps.text('remSnoozeDay') }, { title: deps.text('remSnoozeWeek') }] }
      : {};
    const byHost = new Map<string, Assessment[]>();
    for (const a of plan.notify) byHost.set(a.host, [...(byHost.get(a.host) ?? []), a]);
    /** Marks stages as notified as soon as shown, so a worker stopped right after does not show them twice. */
    const shown = async (changed: readonly Assessment[]) => {
      for (const a of changed) next.notified[a.id] = a.stage;
      await saveState(next);
    };
    let failure: unknown = null;
    for (const [host, changed] of byHost) {
      try {
        if (names) {
          for (const a of changed) {
            const id = entryId(a.id);
            targets.set(id, { host, ids: [a.id] });
            await deps.notifications.create(id, {
              type: 'basic',
              iconUrl: deps.iconUrl,
              title: deps.text('remEntryTitle', names.get(a.id) ?? host),
              message: deps.text(stageMessage(a)),
              ...buttons,
            });
            await shown([a]);
          }
        } else {
          // Locked: no names. Count every key of the host needing attention, not only the changed ones.
          const attention = all.filter((a) => a.host === host && a.attention);
          const id = hostId(host);
          targets.set(id, { host, ids: attention.map((a) => a.id) });
          await deps.notifications.create(id, {
            type: 'basic',
            iconUrl: deps.iconUrl,
            title: deps.text('remTitle'),
            message: deps.text('remHostMessage', attention.length, host),
            ...buttons,
          });
          await shown(changed);
        }
      } catch (e) {
        // One host's refused notification must not keep the other hosts' reminders off screen.
        failure ??= e;
        continue;
      }
      for (const a of changed) {
        await deps.audit?.record({
          type: 'reminder.notified',
          entryId: a.id,
          origin: 'background',
          host,
          detail: a.stage,
        });
      }
    }
    if (failure !== null) throw failure;
  }

  function run(): Promise<void> {
    const next = chain.then(runOnce);
    chain = next.catch((e: unknown) => console.warn('KeyGuard: reminders failed', errorKind(e)));
    return next;
  }

  /** The entries and host of a notification id: from this worker's memory, else from the id itself. */
  async function targetOf(notificationId: string): Promise<{ host: string; ids: string[] } | null> {
    const known = targets.get(notificationId);
    if (known) return known;
    if (!notificationId.startsWith(NOTIFICATION_PREFIX)) return null;
    // The worker may have restarted since the notification was shown.
    const rest = notificationId.slice(NOTIFICATION_PREFIX.length);
    const all = await current();
    if (rest.startsWith('host:')) {
      const host = rest.slice(5);
      return { host, ids: all.filter((a) => a.host === host && a.attention).map((a) => a.id) };
    }
    const id = rest.slice(6);
    const a = all.find((x) => x.id === id);
    return a ? { host: a.host, ids: [id] } : null;
  }

  async function snooze(ids: readonly string[], length: SnoozeLength): Promise<void> {
    const task = chain.then(async () => {
      const state = await loadState();
      const until = snoozeUntil(now(), length);
      for (const id of ids) state.snoozed[id] = until;
      await saveState(state);
    });
    chain = task.catch(() => undefined);
    await task;
  }

  /**
   * Clears every notification naming a key. The browser's list when it has one; otherwise every id this
   * service may have named (shown by this worker, notified per the stored state, or any entry in the index).
   *
   * A named reminder still on screen is a reminder the user has not dealt with: its stage is forgotten, so
   * the run after the lock shows it again by host, without the name. Otherwise a lock right after a run
   * that named a key — the start-up lock after the start-up run, or the user locking at once — would take
   * the reminder off screen for good (issue 13).
   */
  async function clearNamed(): Promise<void> {
    const ids = new Set<string>([...targets.keys()].filter((id) => id.startsWith(ENTRY_PREFIX)));
    if (deps.notifications.getAll) {
      for (const id of Object.keys(await deps.notifications.getAll())) {
        if (id.startsWith(ENTRY_PREFIX)) ids.add(id);
      }
    } else {
      for (const id of Object.keys((await loadState()).notified)) ids.add(entryId(id));
      for (const r of await deps.listIndex()) ids.add(entryId(r.id));
    }
    const withdrawn: string[] = [];
    for (const id of ids) {
      targets.delete(id);
      // One failing clear must not leave the other names on screen. `true`: it was still shown.
      if (await deps.notifications.clear(id).catch(() => false))
        withdrawn.push(id.slice(ENTRY_PREFIX.length));
    }
    if (withdrawn.length === 0) return;
    const state = await loadState();
    for (const id of withdrawn) delete state.notified[id];
    await saveState(state);
  }

  async function onLocked(): Promise<void> {
    // On the chain: a run that read the names before the lock finishes (and shows them) before they are cleared.
    const task = chain.then(clearNamed);
    chain = task.catch((e: unknown) => console.warn('KeyGuard: reminders failed', errorKind(e)));
    await task;
    await run();
  }

  return {
    async start() {
      if (!(await deps.alarms.get(REMINDER_ALARM))) {
        await deps.alarms.create(REMINDER_ALARM, {
          periodInMinutes: REMINDER_PERIOD_MINUTES,
          delayInMinutes: 1,
        });
      }
      await run();
    },
    run,
    async onAlarm(name) {
      if (name === REMINDER_ALARM) await run();
    },
    async onIdleStateChanged(state) {
      // Back at the machine after it slept or its screen was locked: alarms due meanwhile may not have run.
      const wake = state === 'active' && lastIdle !== 'active';
      lastIdle = state;
      if (wake) await run();
    },
    async onClicked(notificationId) {
      const target = await targetOf(notificationId);
      if (!target) return;
      await deps.notifications.clear(notificationId);
      // Locked, grouped by host: the DocBits page lists those keys. One named key: the popup's list.
      if (notificationId.includes(':host:')) await deps.openUrl(integrationUrl(target.host));
      else await deps.openList();
    },
    async onButtonClicked(notificationId, index) {
      const target = await targetOf(notificationId);
      if (!target) return;
      await snooze(target.ids, index === 0 ? 'day' : 'week');
      await deps.notifications.clear(notificationId);
    },
    snooze,
    onLocked,
    current,
  };
}

/**
 * Anomaly alerts on audit events: a burst of copies, a run of wrong master passwords. The detector sees
 * every recorded event and answers with the anomaly events to record (the background records them, which
 * also raises the notification, see {@link noticeOf}). A key copied for a foreign host is recorded
 * directly by the copy handler; a retired key in use by the DocBits page handler.
 *
 * The recent timestamps live in a small key-value area (`storage.session` in the extension), so a
 * restarted service worker does not forget a burst in progress, and nothing about them is written to disk.
 */

import type { KeyValueArea, Settings } from '../settings';
import type { AuditInput } from './events';

/** The `detail` a wrong master password is recorded with (a back-off refusal is not a guess). */
export const WRONG_PASSWORD_DETAIL = 'wrong password';

const STATE_KEY = 'keyguard.anomaly';

interface Window {
  times: number[];
  /** When the last alert for this window was raised (one alert per burst). */
  alertedAt: number;
}

interface State {
  copies: Window;
  failures: Window;
}

function readWindow(v: unknown): Window {
  const w = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const times = Array.isArray(w.times)
    ? w.times.filter((t): t is number => typeof t === 'number').slice(-200)
    : [];
  return { times, alertedAt: typeof w.alertedAt === 'number' ? w.alertedAt : 0 };
}

export interface AnomalyDetectorOptions {
  area: KeyValueArea;
  settings: () => Promise<Settings>;
}

/**
 * Adds `at` to a window of `spanMs`; returns the number of events in it when that reaches `threshold`
 * and no alert was raised for the events still in the window, else null.
 */
function push(w: Window, at: number, spanMs: number, threshold: number): number | null {
  w.times = w.times.filter((t) => t > at - spanMs && t <= at);
  w.times.push(at);
  if (w.times.length < threshold) return null;
  // One alert per burst: not again until the events the last alert counted have left the window.
  if (w.alertedAt > at - spanMs && w.alertedAt <= at) return null;
  w.alertedAt = at;
  return w.times.length;
}

export function createAnomalyDetector(options: AnomalyDetectorOptions) {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    /** The anomaly events `input` (recorded at `at`) raises; empty for most events. */
    observe(input: AuditInput, at: number): Promise<AuditInput[]> {
      const copy = input.type === 'entry.copied';
      const failure =
        input.type === 'vault.unlockFailed' && input.detail?.startsWith(WRONG_PASSWORD_DETAIL) === true;
      if (!copy && !failure) return Promise.resolve([]);
      const run = queue.then(async () => {
        const s = await options.settings();
        const raw = (await options.area.get(STATE_KEY))[STATE_KEY] as Record<string, unknown> | undefined;
        const state: State = { copies: readWindow(raw?.copies), failures: readWindow(raw?.failures) };
        const out: AuditInput[] = [];
        if (copy) {
          const n = push(state.copies, at, s.copyBurstSeconds * 1000, s.copyBurstCount);
          if (n !== null) {
            out.push({
              type: 'anomaly.copyBurst',
              origin: 'background',
              detail: `${n} copies within ${s.copyBurstSeconds} s`,
            });
          }
        } else {
          const n = push(state.failures, at, s.unlockFailMinutes * 60_000, s.unlockFailCount);
          if (n !== null) {
            out.push({
              type: 'anomaly.unlockFailures',
              origin: 'background',
              detail: `${n} wrong master passwords within ${s.unlockFailMinutes} min`,
            });
          }
        }
        await options.area.set({ [STATE_KEY]: state });
        return out;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * The notification a recorded event raises, or null: every anomaly (one id per key, or per kind when no key
 * is involved, so a repeat replaces it rather than piling up) and a rotated key still in use. One place, so
 * whatever records the event — a handler, the detector — the user hears of it the same way.
 */
export function noticeOf(
  input: AuditInput,
): { id: string; title: 'anomalyTitle' | 'extName'; message: NoticeMessageKey } | null {
  if (input.type === 'rotation.oldKeyStillUsed') {
    return { id: `kg-rotation:${input.entryId ?? ''}`, title: 'extName', message: 'rotWarnOldUsed' };
  }
  const message = ANOMALY_MESSAGES[input.type as keyof typeof ANOMALY_MESSAGES];
  return message ? { id: `kg-anomaly:${input.entryId ?? input.type}`, title: 'anomalyTitle', message } : null;
}

const ANOMALY_MESSAGES = {
  'anomaly.copyBurst': 'anomalyCopyBurst',
  'anomaly.unlockFailures': 'anomalyUnlockFailures',
  'anomaly.retiredKeyUsed': 'anomalyRetiredKeyUsed',
  'anomaly.foreignHostCopy': 'anomalyForeignHostCopy',
} as const;
export type NoticeMessageKey = (typeof ANOMALY_MESSAGES)[keyof typeof ANOMALY_MESSAGES] | 'rotWarnOldUsed';

const REPEAT_KEY = 'keyguard.anomalyRepeats';
/** Subjects remembered at most (the oldest are forgotten first; a page cannot grow the state without end). */
const REPEAT_SUBJECTS = 1000;

export interface RepeatGateOptions {
  area: KeyValueArea;
  /** The window: at most `limit` records per subject within it (the `anomalyRepeatMinutes` setting). */
  windowMs: () => Promise<number>;
}

/**
 * At most `limit` times per subject per window (once, by default). A page can repeat what makes an
 * anomaly (a retired key's "Last used" moving, a fake leak-guard warning) as often as it likes; the user
 * needs to hear of it once, and the audit log must not fill up with it (issue 15, finding 1). The times
 * live in the given area so a restarted service worker does not start afresh; checks run one at a time so
 * concurrent messages cannot both pass.
 */
export function createRepeatGate(options: RepeatGateOptions) {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    /** True when `subject` was let through fewer than `limit` times within the window (and counts `at`). */
    allow(subject: string, at: number, limit = 1): Promise<boolean> {
      const run = queue.then(async () => {
        const windowMs = await options.windowMs();
        const raw = (await options.area.get(REPEAT_KEY))[REPEAT_KEY];
        const seen = new Map<string, number[]>();
        if (typeof raw === 'object' && raw !== null) {
          for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
            const times = Array.isArray(v)
              ? v.filter((x): x is number => typeof x === 'number' && x > at - windowMs && x <= at)
              : [];
            if (times.length > 0) seen.set(k, times.slice(-100));
          }
        }
        const times = seen.get(subject) ?? [];
        if (times.length >= limit) return false;
        seen.set(subject, [...times, at]);
        const kept = [...seen]
          .sort((a, b) => (a[1].at(-1) ?? 0) - (b[1].at(-1) ?? 0))
          .slice(-REPEAT_SUBJECTS);
        await options.area.set({ [REPEAT_KEY]: Object.fromEntries(kept) });
        return true;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

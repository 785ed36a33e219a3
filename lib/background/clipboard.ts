/**
 * Copy, then clear after the configured seconds (0 = never), in the background (Firefox's event page, or
 * Chrome's service worker writing through the offscreen document).
 *
 * Neither background lives for sure until the clear is due: Firefox suspends its event page after
 * `extensions.background.idle.timeout` without events, Chrome stops an idle service worker, and a pending
 * `setTimeout` dies with either. So the deadline is also kept in `storage.session` and an `alarms` alarm is
 * set for it, which wakes the background; at every start the background clears at once if the deadline
 * passed while it was not running. The timer still does the clear when the background lives that long
 * (alarms may fire later than asked: Chrome rounds short ones up to 30 s).
 *
 * A newer copy replaces the pending clear, so a clear never wipes a later copy early. Where the extension
 * may read the clipboard (`clipboardRead`, which KeyGuard does not ask for today), the clear first checks
 * that the clipboard still holds what KeyGuard put there — by a salted hash kept in `storage.session`, never
 * the text — and leaves the user's own later copy alone. Without read access it clears unconditionally,
 * which is why the delay is configurable.
 */

/** The alarm that wakes the background to clear the clipboard. */
export const CLIPBOARD_ALARM = 'keyguard.clipboard.clear';
/** The `storage.session` key of the pending clear. */
export const PENDING_CLEAR_KEY = 'keyguard.clipboard.pendingClear';

/** What survives a suspended background: when to clear, and how to recognise KeyGuard's own copy. */
export interface PendingClear {
  /** Epoch ms. */
  deadline: number;
  /** Random per copy (base64), so the digest of a low-entropy text cannot be looked up. */
  salt: string;
  /** SHA-256 (hex) of salt, NUL, text. */
  digest: string;
}

/** The slice of `storage.session` used here. */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

/** The slice of `browser.alarms` used here. */
export interface ClipboardAlarms {
  create(name: string, info: { when: number }): unknown;
  clear(name: string): Promise<unknown>;
}

export interface ClipboardDeps {
  /** Puts `text` on the system clipboard ('' clears it). */
  write(text: string): Promise<void>;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * Reads the clipboard where the browser allows it; a rejection means "cannot check" (then the clear is
   * unconditional). Omit when the extension cannot read it.
   */
  read?: () => Promise<string>;
  /** Keeps the deadline across a suspended background (omit in a document that owns its own timer). */
  session?: SessionArea;
  /** Wakes the background when the deadline comes (with `session`). */
  alarms?: ClipboardAlarms;
  now?: () => number;
  /** Random salt; defaults to 16 bytes from `crypto.getRandomValues`. */
  salt?: () => string;
}

/** SHA-256 (hex) of `salt`, NUL, `text`. */
export async function clipboardDigest(salt: string, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${salt}\u0000${text}`);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomSalt(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

function isPendingClear(v: unknown): v is PendingClear {
  const p = v as Partial<PendingClear> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.deadline === 'number' &&
    typeof p.salt === 'string' &&
    typeof p.digest === 'string'
  );
}

export function createClipboard(deps: ClipboardDeps) {
  const now = deps.now ?? (() => Date.now());
  const makeSalt = deps.salt ?? randomSalt;
  let timer: unknown = null;
  /** The pending clear when there is no session area to keep it in. */
  let inMemory: PendingClear | null = null;
  // One operation at a time: a wake-up's clear, the alarm's and a new copy must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const run = queue.then(op, op);
    queue = run.catch(() => undefined);
    return run;
  };

  const stopTimer = () => {
    if (timer !== null) deps.clearTimer(timer);
    timer = null;
  };
  const startTimer = (ms: number) => {
    stopTimer();
    timer = deps.setTimer(
      () => {
        timer = null;
        void clearDue().catch(() => undefined);
      },
      Math.max(0, ms),
    );
  };

  async function loadPending(): Promise<PendingClear | null> {
    if (!deps.session) return inMemory;
    const v = (await deps.session.get(PENDING_CLEAR_KEY))[PENDING_CLEAR_KEY];
    return isPendingClear(v) ? v : null;
  }
  async function savePending(p: PendingClear | null): Promise<void> {
    inMemory = p;
    if (!deps.session) return;
    if (p) await deps.session.set({ [PENDING_CLEAR_KEY]: p });
    else await deps.session.remove(PENDING_CLEAR_KEY);
  }
  async function setAlarm(when: number | null): Promise<void> {
    if (!deps.alarms || !deps.session) return;
    if (when === null) await deps.alarms.clear(CLIPBOARD_ALARM);
    else await deps.alarms.create(CLIPBOARD_ALARM, { when });
  }

  /** Whether the clipboard no longer holds KeyGuard's copy (false when that cannot be checked). */
  async function replacedByUser(p: PendingClear): Promise<boolean> {
    if (!deps.read) return false;
    try {
      return (await clipboardDigest(p.salt, await deps.read())) !== p.digest;
    } catch {
      return false;
    }
  }

  /** Clears the clipboard if a clear is due now; re-arms the timer if it is due later. */
  function clearDue(): Promise<void> {
    return serial(async () => {
      const p = await loadPending();
      if (!p) return;
      const left = p.deadline - now();
      if (left > 0) {
        startTimer(left);
        return;
      }
      stopTimer();
      if (!(await replacedByUser(p))) await deps.write('');
      await savePending(null);
      await setAlarm(null);
    });
  }

  /** Writes `text`; clears the clipboard `clearAfterMs` later when > 0. */
  function copy(text: string, clearAfterMs: number): Promise<void> {
    return serial(async () => {
      stopTimer();
      await deps.write(text);
      if (clearAfterMs > 0) {
        const deadline = now() + clearAfterMs;
        const salt = makeSalt();
        await savePending({ deadline, salt, digest: await clipboardDigest(salt, text) });
        await setAlarm(deadline);
        startTimer(clearAfterMs);
      } else {
        await savePending(null);
        await setAlarm(null);
      }
    });
  }

  return {
    copy,
    /** Call with every alarm: acts on {@link CLIPBOARD_ALARM} only. */
    onAlarm: async (name: string): Promise<void> => {
      if (name === CLIPBOARD_ALARM) await clearDue();
    },
    /**
     * Call at every background start: clears at once if the deadline passed while the background was
     * suspended or stopped, else arms the timer for what is left.
     */
    resume: (): Promise<void> => clearDue(),
    hasPendingClear: () => timer !== null,
  };
}

/**
 * Writes the clipboard from a document that cannot take focus (an offscreen document): a `copy` event
 * handler supplies the data, which also works for the empty string used to clear.
 */
export function execCommandWriter(doc: Document): (text: string) => Promise<void> {
  return async (text) => {
    const onCopy = (e: ClipboardEvent) => {
      e.clipboardData?.setData('text/plain', text);
      e.preventDefault();
    };
    doc.addEventListener('copy', onCopy, { once: true });
    try {
      if (!doc.execCommand('copy')) throw new Error('The clipboard refused the copy');
    } finally {
      doc.removeEventListener('copy', onCopy);
    }
  };
}

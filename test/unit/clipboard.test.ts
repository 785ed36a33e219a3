import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import {
  CLIPBOARD_ALARM,
  clipboardDigest,
  createClipboard,
  PENDING_CLEAR_KEY,
  type PendingClear,
} from '../../lib/background/clipboard';
import { createOffscreenClipboard } from '../../lib/background/offscreen';

describe('clipboard: copy then clear', () => {
  let board: string[];
  beforeEach(() => {
    vi.useFakeTimers();
    board = [];
  });
  afterEach(() => vi.useRealTimers());

  const make = () =>
    createClipboard({
      write: async (text) => void board.push(text),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    });

  it('clears after the configured time', async () => {
    const c = make();
    await c.copy('first', 30_000);
    expect(board).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(board).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(1);
    expect(board).toEqual(['first', '']);
    expect(c.hasPendingClear()).toBe(false);
  });

  it('a newer copy replaces the pending clear', async () => {
    const c = make();
    await c.copy('first', 10_000);
    await vi.advanceTimersByTimeAsync(8_000);
    await c.copy('second', 10_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(board).toEqual(['first', 'second']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(board).toEqual(['first', 'second', '']);
  });

  it('0 means never clear', async () => {
    const c = make();
    await c.copy('kept', 0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(board).toEqual(['kept']);
  });
});

describe('clipboard: the clear survives a suspended background', () => {
  let board: string[];
  beforeEach(() => {
    fakeBrowser.reset();
    vi.useFakeTimers();
    board = [];
  });
  afterEach(() => vi.useRealTimers());

  /** One background instance: its timers die with it, storage.session and alarms do not. */
  const background = (read?: () => Promise<string>) => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const clip = createClipboard({
      write: async (text) => void board.push(text),
      ...(read ? { read } : {}),
      setTimer: (fn, ms) => {
        const h = setTimeout(() => {
          timers.delete(h);
          fn();
        }, ms);
        timers.add(h);
        return h;
      },
      clearTimer: (h) => {
        clearTimeout(h as ReturnType<typeof setTimeout>);
        timers.delete(h as ReturnType<typeof setTimeout>);
      },
      session: fakeBrowser.storage.session,
      alarms: fakeBrowser.alarms,
    });
    const onAlarm = (a: { name: string }) => void clip.onAlarm(a.name);
    fakeBrowser.alarms.onAlarm.addListener(onAlarm);
    return {
      clip,
      /** The background is suspended: pending timers and listeners die with it. */
      suspend() {
        for (const h of timers) clearTimeout(h);
        timers.clear();
        fakeBrowser.alarms.onAlarm.removeListener(onAlarm);
      },
    };
  };
  const pending = async () =>
    (await fakeBrowser.storage.session.get(PENDING_CLEAR_KEY))[PENDING_CLEAR_KEY] as PendingClear | undefined;

  it('keeps the deadline in storage.session (a salted hash, never the text) and sets an alarm for it', async () => {
    const { clip } = background();
    const before = Date.now();
    await clip.copy('secret-key', 60_000);
    const p = await pending();
    expect(p?.deadline).toBe(before + 60_000);
    expect(JSON.stringify(await fakeBrowser.storage.session.get())).not.toContain('secret-key');
    expect(p?.digest).toBe(await clipboardDigest(p?.salt ?? '', 'secret-key'));
    expect((await fakeBrowser.alarms.get(CLIPBOARD_ALARM))?.scheduledTime).toBe(before + 60_000);
  });

  it('the alarm clears after the background was suspended (its timer died)', async () => {
    const first = background();
    await first.clip.copy('secret-key', 60_000);
    first.suspend();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(board).toEqual(['secret-key']); // the timer is gone: without the alarm nothing would clear
    // The alarm wakes a new background instance, which registers its listeners and resumes.
    const woken = background();
    await woken.clip.resume();
    expect(board).toEqual(['secret-key', '']);
    await fakeBrowser.alarms.onAlarm.trigger({ name: CLIPBOARD_ALARM, scheduledTime: Date.now() });
    expect(board).toEqual(['secret-key', '']); // cleared once, not twice
    expect(await pending()).toBeUndefined();
    expect(await fakeBrowser.alarms.get(CLIPBOARD_ALARM)).toBeUndefined();
  });

  it('an alarm that wakes the background clears when it fires, even before resume ran', async () => {
    const first = background();
    await first.clip.copy('secret-key', 30_000);
    first.suspend();
    vi.setSystemTime(Date.now() + 30_000);
    background();
    await fakeBrowser.alarms.onAlarm.trigger({ name: CLIPBOARD_ALARM, scheduledTime: Date.now() });
    await vi.advanceTimersByTimeAsync(0);
    expect(board).toEqual(['secret-key', '']);
  });

  it('a wake before the deadline re-arms the timer and clears on time, not early', async () => {
    const first = background();
    await first.clip.copy('secret-key', 60_000);
    await vi.advanceTimersByTimeAsync(20_000);
    first.suspend();
    const woken = background();
    await woken.clip.resume();
    expect(board).toEqual(['secret-key']);
    await vi.advanceTimersByTimeAsync(39_999);
    expect(board).toEqual(['secret-key']);
    await vi.advanceTimersByTimeAsync(1);
    expect(board).toEqual(['secret-key', '']);
  });

  it('the timer clears while the background lives, and removes the alarm so it cannot clear a later copy', async () => {
    const { clip } = background();
    await clip.copy('secret-key', 10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(board).toEqual(['secret-key', '']);
    expect(await fakeBrowser.alarms.get(CLIPBOARD_ALARM)).toBeUndefined();
    // A late alarm (Chrome rounds short ones up to 30 s) finds nothing pending.
    await fakeBrowser.alarms.onAlarm.trigger({ name: CLIPBOARD_ALARM, scheduledTime: Date.now() });
    expect(board).toEqual(['secret-key', '']);
  });

  it('a newer copy moves the deadline; a copy with 0 cancels it', async () => {
    const { clip, suspend } = background();
    await clip.copy('first', 30_000);
    await vi.advanceTimersByTimeAsync(20_000);
    await clip.copy('second', 30_000);
    suspend();
    vi.setSystemTime(Date.now() + 15_000);
    const woken = background();
    await woken.clip.resume();
    expect(board).toEqual(['first', 'second']);
    await woken.clip.copy('kept', 0);
    expect(await pending()).toBeUndefined();
    expect(await fakeBrowser.alarms.get(CLIPBOARD_ALARM)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(board).toEqual(['first', 'second', 'kept']);
  });

  it('other alarms are not the clipboard’s', async () => {
    const { clip } = background();
    await clip.copy('secret-key', 30_000);
    vi.setSystemTime(Date.now() + 30_000);
    await clip.onAlarm('keyguard.autolock');
    expect(board).toEqual(['secret-key']);
  });

  it('where it can read the clipboard, it leaves the user’s own later copy alone', async () => {
    let current = '';
    const first = background(async () => current);
    await first.clip.copy('secret-key', 30_000);
    current = 'the user copied this';
    await vi.advanceTimersByTimeAsync(30_000);
    // The check hashes with WebCrypto, which settles outside the fake clock.
    await vi.waitFor(async () => expect(await pending()).toBeUndefined());
    expect(board).toEqual(['secret-key']);
  });

  it('where it can read and the clipboard still holds the copy, it clears', async () => {
    const first = background(async () => 'secret-key');
    await first.clip.copy('secret-key', 30_000);
    await vi.advanceTimersByTimeAsync(30_000);
    await vi.waitFor(() => expect(board).toEqual(['secret-key', '']));
  });

  it('when reading fails (no permission), it clears unconditionally', async () => {
    const first = background(async () => {
      throw new Error('no clipboardRead permission');
    });
    await first.clip.copy('secret-key', 30_000);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(board).toEqual(['secret-key', '']);
  });
});

describe('offscreen clipboard (Chrome)', () => {
  it('creates the document once, even for concurrent copies, then messages it', async () => {
    let docs = 0;
    const sent: unknown[] = [];
    const clip = createOffscreenClipboard({
      url: 'chrome-extension://x/offscreen.html',
      offscreen: {
        createDocument: async (p) => {
          expect(p.reasons).toEqual(['CLIPBOARD']);
          await new Promise((r) => setTimeout(r, 5));
          docs++;
        },
      },
      runtime: {
        getContexts: async () => (docs > 0 ? [{}] : []),
        sendMessage: async (m) => {
          sent.push(m);
          return { ok: true };
        },
      },
    });
    await Promise.all([clip.copy('a', 1000), clip.copy('b', 0)]);
    await clip.copy('c', 5);
    expect(docs).toBe(1);
    expect(sent).toEqual([
      { type: 'offscreen.copy', payload: { text: 'a', clearAfterMs: 1000 } },
      { type: 'offscreen.copy', payload: { text: 'b', clearAfterMs: 0 } },
      { type: 'offscreen.copy', payload: { text: 'c', clearAfterMs: 5 } },
    ]);
  });

  it('fails loudly when the document does not confirm', async () => {
    const clip = createOffscreenClipboard({
      url: 'u',
      offscreen: { createDocument: async () => {} },
      runtime: { getContexts: async () => [{}], sendMessage: async () => undefined },
    });
    await expect(clip.copy('a', 0)).rejects.toThrow('could not be written');
  });
});

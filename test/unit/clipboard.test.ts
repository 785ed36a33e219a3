import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClipboard } from '../../lib/clipboard';
import { createOffscreenClipboard } from '../../lib/offscreen';

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

/**
 * Measurements made by a script inside a DocBits page, shared by the e2e tests and `npm run bench`:
 * whether freshly inserted keys are masked before the next frame, and how long a burst of DOM mutations
 * takes. The functions passed to `page.evaluate` are sent as source text, so they close over nothing.
 */
import type { Page } from 'playwright-core';

/** What {@link maskBeforeFrame} found. Never holds a key. */
export interface MaskProbeResult {
  /** Keys inserted. */
  inserted: number;
  /** Keys whose `<code>` had `-webkit-text-security: disc` in the first animation frame after insertion. */
  masked: number;
  /** Frames the insertions spread over (how often a paint could have shown a key). */
  frames: number;
}

/**
 * Inserts `count` show-once style keys (`<div class="key-display"><code>KEY</code></div>`) one at a time,
 * each in its own task, alternately into `body` and into a dialog-shaped container at the end of `body`
 * (where DocBits' teleported dialogs live), and checks each in the next `requestAnimationFrame` callback —
 * which runs before that frame is painted — that its computed `-webkit-text-security` is `disc`. Each key
 * is removed after its check. Key formats vary (hex, base64url, UUID-like, prefixed), as DocBits' may.
 */
export function maskBeforeFrame(page: Page, count = 1000): Promise<MaskProbeResult> {
  return page.evaluate(async (n) => {
    const random = (len: number, alphabet: string) => {
      const bytes = crypto.getRandomValues(new Uint8Array(len));
      return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
    };
    const HEX = '0123456789abcdef';
    const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const makers = [
      () => random(32, HEX),
      () => random(43, B64U),
      () => `${random(8, HEX)}-${random(4, HEX)}-4${random(3, HEX)}-a${random(3, HEX)}-${random(12, HEX)}`,
      () => `dbk_${random(32, HEX)}`,
      () => `db_live_${random(43, B64U)}`,
      () => random(64, HEX),
    ];
    // Like a Quasar dialog teleported to the end of body.
    const portal = document.createElement('div');
    portal.innerHTML =
      '<div class="q-dialog" role="dialog" aria-modal="true"><div class="q-card"></div></div>';
    document.body.append(portal);
    const card = portal.querySelector('.q-card') as HTMLElement;

    const channel = new MessageChannel();
    const nextTask = () =>
      new Promise<void>((resolve) => {
        channel.port1.onmessage = () => resolve();
        channel.port2.postMessage(0);
      });
    let masked = 0;
    let frames = 0;
    let lastFrame = -1;
    const checks: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      await nextTask();
      const box = document.createElement('div');
      box.className = 'key-display';
      const code = document.createElement('code');
      code.textContent = (makers[i % makers.length] as () => string)();
      box.append(code);
      (i % 2 === 0 ? document.body : card).append(box);
      checks.push(
        new Promise<void>((resolve) => {
          requestAnimationFrame((t) => {
            if (t !== lastFrame) {
              lastFrame = t;
              frames++;
            }
            if (getComputedStyle(code).getPropertyValue('-webkit-text-security') === 'disc') masked++;
            box.remove();
            resolve();
          });
        }),
      );
    }
    await Promise.all(checks);
    portal.remove();
    channel.port1.close();
    return { inserted: n, masked, frames };
  }, count);
}

/** What {@link busyPageRun} measured, in milliseconds. */
export interface BusyRunResult {
  /**
   * Main-thread time the mutations cost: each task's own changes plus the microtasks they cause (where
   * MutationObserver callbacks run), plus, per frame, the time between a rAF callback requested before
   * the frame's first changes and one requested after them (where work deferred to the frame by an
   * observer runs). Idle time, other tasks and the browser's own rendering are left out, so the figure
   * holds still on a busy machine.
   */
  workMs: number;
  /** The part of workMs spent in the tasks making the changes (changes + microtasks). */
  taskMs: number;
  /** The part of workMs spent in frames (between the early and the late rAF callback). */
  frameMs: number;
  /** Wall-clock time from the first change until the task after the last one. */
  wallMs: number;
  /** Frames the run spanned. */
  frames: number;
}

/**
 * Makes `mutations` DOM changes in a visible container inside the integration page — appends (div, span,
 * code, read-only input), removals, text changes (textContent and Text.data) and attribute changes (class,
 * value, data-*), keeping at most 64 live elements, like a live-updating widget — in tasks of `perTask`
 * changes, as a busy page does between frames; timed with `performance.now()` inside the page.
 */
export function busyPageRun(page: Page, mutations = 10_000, perTask = 100): Promise<BusyRunResult> {
  return page.evaluate(
    async ({ total, chunk }) => {
      const parent = document.querySelector('.integration-page') ?? document.body;
      const box = document.createElement('div');
      box.className = 'busy-widget';
      parent.append(box);
      const channel = new MessageChannel();
      const nextTask = () =>
        new Promise<void>((resolve) => {
          channel.port1.onmessage = () => resolve();
          channel.port2.postMessage(0);
        });
      const live: Element[] = [];
      let texts: Text[] = [];
      const tags = ['div', 'span', 'code', 'input'];

      let taskMs = 0;
      let frameMs = 0;
      let frames = 0;
      // Per frame: `early` is requested before the frame's first changes, `late` after them (and after
      // the observers that ran in between requested theirs), so late − early is the deferred work.
      let early: number | undefined;
      let framePending = false;
      const framesDone: Promise<void>[] = [];
      const watchFrame = () => {
        if (framePending) return false;
        framePending = true;
        early = undefined;
        requestAnimationFrame(() => {
          early = performance.now();
        });
        return true;
      };
      const closeFrame = () =>
        framesDone.push(
          new Promise<void>((resolve) =>
            requestAnimationFrame(() => {
              if (early !== undefined) frameMs += performance.now() - early;
              frames++;
              framePending = false;
              resolve();
            }),
          ),
        );

      await nextTask();
      const t0 = performance.now();
      for (let i = 0; i < total; ) {
        const first = watchFrame();
        const c0 = performance.now();
        const end = Math.min(total, i + chunk);
        for (; i < end; i++) {
          const op = i % 6;
          if (live.length < 4 || ((op === 0 || op === 1) && live.length < 64)) {
            const el = document.createElement(tags[i % tags.length] as string);
            if (el instanceof HTMLInputElement) {
              el.readOnly = true;
              el.value = `v${i}`;
            } else {
              const t = document.createTextNode(`item ${i}`);
              el.append(t);
              texts.push(t);
              if (texts.length > 256) texts = texts.slice(-64);
            }
            box.append(el);
            live.push(el);
          } else if (op === 2 || op === 0 || op === 1) {
            live.shift()?.remove();
          } else if (op === 3) {
            const el = live[i % live.length] as Element;
            if (!(el instanceof HTMLInputElement)) el.textContent = `text ${i}`;
            else el.setAttribute('value', `v${i}`);
          } else if (op === 4) {
            const t = texts[i % texts.length];
            if (t) t.data = `data ${i}`;
          } else {
            const el = live[i % live.length] as Element;
            if (i % 2) el.className = `c${i % 7}`;
            else el.setAttribute('data-n', String(i));
          }
        }
        // MutationObserver callbacks were queued as microtasks at the first change: they run first.
        await Promise.resolve();
        await Promise.resolve();
        taskMs += performance.now() - c0;
        if (first) closeFrame();
        await nextTask();
      }
      const wallMs = performance.now() - t0;
      await Promise.all(framesDone);
      box.remove();
      channel.port1.close();
      return { workMs: taskMs + frameMs, taskMs, frameMs, wallMs, frames };
    },
    { total: mutations, chunk: perTask },
  );
}

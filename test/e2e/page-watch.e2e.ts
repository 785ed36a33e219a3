/**
 * How KeyGuard watches the DocBits page (lib/page/observe.ts), end to end in Chromium on the replica:
 * the whole page for a while after the app arrives on the integration page and after a real pointer or key
 * press, else only what DocBits teleports to the end of body (dialogs) and the key tables, plus a look
 * every second. Keys in unknown markup (the fallback) are used throughout, since keys on DocBits' stable
 * hooks are masked by the stylesheet whatever is watched. Keys are made inside the page and never printed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTENTION_MS } from '../../lib/page/observe';
import { type DocbitsWindow, idle, watchPageErrors } from './docbits-ui.js';
import {
  type ExtensionBrowser,
  type HttpsServer,
  launchExtension,
  startDocbitsSite,
} from './harness/index.js';

let site: HttpsServer;
let ext: ExtensionBrowser;
let page: Page;
let errors: ReturnType<typeof watchPageErrors>;

type Where = 'app' | 'body';
interface Seen {
  /** Masked in the first animation frame after insertion (before it was painted). */
  beforePaint: boolean;
  /** Masked within two seconds (false when not waited for). */
  later: boolean;
}

/**
 * Inserts a show-once style dialog whose hooks DocBits renamed (only the fallback can recognise its key)
 * into the app's integration page or teleported to the end of body, and reports when it was masked. The
 * dialog is removed afterwards — at once after the first frame unless `waitLater` (a key the sweep finds
 * unwatched opens the watch window again, which the next step may not want).
 */
function insertFallbackKey(where: Where, waitLater = true): Promise<Seen> {
  return page.evaluate(
    async ([target, wait]) => {
      const bytes = crypto.getRandomValues(new Uint8Array(24));
      const key = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      const box = document.createElement('div');
      box.innerHTML =
        '<div class="q-dialog" role="dialog" aria-modal="true"><div class="q-card"><div class="text-h6">Your new API key</div><div class="new-key-box"><code></code></div></div></div>';
      (box.querySelector('code') as HTMLElement).textContent = key;
      const code = box.querySelector('code') as HTMLElement;
      const masked = () => getComputedStyle(code).getPropertyValue('-webkit-text-security') === 'disc';
      const parent = target === 'app' ? document.querySelector('.integration-page') : document.body;
      if (!parent) throw new Error('no integration page');
      parent.append(box);
      const beforePaint = await new Promise<boolean>((resolve) =>
        requestAnimationFrame(() => resolve(masked())),
      );
      let later = beforePaint;
      for (let i = 0; i < 40 && !later && wait; i++) {
        await new Promise((r) => setTimeout(r, 50));
        later = masked();
      }
      box.remove();
      return { beforePaint, later };
    },
    [where, waitLater] as const,
  );
}

/** Waits until the watch window opened by arrival or input has surely closed. */
const windowPasses = () => new Promise((r) => setTimeout(r, ATTENTION_MS + 1_000));

beforeAll(async () => {
  site = await startDocbitsSite();
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
  page = await ext.context.newPage();
  errors = watchPageErrors(page);
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

describe('watching the DocBits page', () => {
  it('hears the app arrive by client-side navigation alone (Navigation API) and watches the whole page', async () => {
    await page.goto(site.url('/setting?ui=current&lang=en&delay=60'), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => 'idle' in ((window as unknown as DocbitsWindow).__docbits ?? {}));
    await idle(page);
    await windowPasses(); // nothing left from the page load
    // A script navigates, not the user: no input opens the window, only hearing the route change does.
    await page.evaluate(() =>
      (window as unknown as DocbitsWindow).__docbits.navigate('/settings/integration'),
    );
    await page.waitForURL('**/settings/integration');
    await page.waitForSelector('.integration-page');
    expect(await insertFallbackKey('app')).toEqual({ beforePaint: true, later: true });
    expect(errors.list()).toEqual([]);
  });

  it('once the window has passed: teleported dialogs watched whole, the app looked over every second', async () => {
    await windowPasses();
    expect(await insertFallbackKey('body'), 'a dialog teleported to body').toEqual({
      beforePaint: true,
      later: true,
    });
    expect(await insertFallbackKey('app'), 'found by the look every second').toEqual({
      beforePaint: false,
      later: true,
    });
  });

  it('a real key or pointer press opens the window again, a scripted one does not, and it closes again', async () => {
    await windowPasses(); // the key the sweep found just now opened it
    await page.evaluate(() =>
      document.body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true })),
    );
    expect((await insertFallbackKey('app', false)).beforePaint).toBe(false);
    await page.keyboard.press('Shift'); // a real key press (nothing on the page reacts to it)
    expect((await insertFallbackKey('app', false)).beforePaint).toBe(true);
    await windowPasses();
    expect((await insertFallbackKey('app', false)).beforePaint, 'the window closed again').toBe(false);
    await page.mouse.click(5, 5); // a real press on the page (nothing there to activate)
    expect(await insertFallbackKey('app')).toEqual({ beforePaint: true, later: true });
    expect(errors.list()).toEqual([]);
  });
});

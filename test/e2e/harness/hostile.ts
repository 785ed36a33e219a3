/** What a hostile page does to KeyGuard's controls in the e2e tests: boxes of its own drawn over them. */
import type { Page } from 'playwright-core';

const DECOY_ID = 'hostile-overlay';

export interface DecoyOptions {
  /** `none`: a click-through decoy (the click reaches what is under it); `auto`: a plain cover. */
  pointerEvents: 'auto' | 'none';
  /** The page takes the decoy away at the user's pointerdown, just before the click lands. */
  removeOnPointerDown?: boolean;
  /** What the decoy says. */
  text?: string;
}

/** Draws a 120 × 40 box of the page's own making, topmost, centred on `at`. */
export async function drawDecoy(
  page: Page,
  at: { x: number; y: number },
  options: DecoyOptions,
): Promise<void> {
  await page.evaluate(
    ({ x, y, id, pointerEvents, removeOnPointerDown, text }) => {
      const o = document.createElement('div');
      o.id = id;
      o.textContent = text;
      Object.assign(o.style, {
        position: 'fixed',
        left: `${x - 60}px`,
        top: `${y - 20}px`,
        width: '120px',
        height: '40px',
        background: '#1d4ed8',
        color: '#fff',
        zIndex: '2147483647',
        pointerEvents,
      });
      document.body.append(o);
      if (removeOnPointerDown) {
        document.addEventListener('pointerdown', () => o.remove(), { capture: true, once: true });
      }
    },
    {
      ...at,
      id: DECOY_ID,
      pointerEvents: options.pointerEvents,
      removeOnPointerDown: options.removeOnPointerDown ?? false,
      text: options.text ?? 'Win a prize!',
    },
  );
}

/** Takes the decoy away again (if the page has not already). */
export async function removeDecoy(page: Page): Promise<void> {
  await page.evaluate((id) => document.getElementById(id)?.remove(), DECOY_ID);
}

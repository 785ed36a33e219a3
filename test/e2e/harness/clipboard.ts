/**
 * Reading (and seeding) the clipboard Chromium really writes to.
 *
 * Headless Chromium has one clipboard per browser process, shared by every page and the extension's
 * offscreen document — what the extension writes is what a page's `navigator.clipboard.readText()` gets.
 * The page needs `clipboard-read` permission and focus; Playwright's focus emulation supplies the latter.
 */
import type { Page } from 'playwright-core';

async function prepare(page: Page): Promise<void> {
  const origin = new URL(page.url()).origin;
  if (origin === 'null') {
    throw new Error(`readClipboard: open a page with a real origin first (got ${page.url()})`);
  }
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await page.bringToFront();
}

/**
 * Returns the clipboard's text as seen from `page` (any http(s) or extension page). The caller must not
 * print it if it may be a secret.
 */
export async function readClipboard(page: Page): Promise<string> {
  await prepare(page);
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Puts `text` on the clipboard from `page`, e.g. to check that the extension later clears it. */
export async function writeClipboard(page: Page, text: string): Promise<void> {
  await prepare(page);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
}

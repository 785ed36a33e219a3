/**
 * Extension pages and web pages in Firefox, the message protocol from an extension page, and the clipboard.
 */
import type { Page } from 'puppeteer-core';
import type { Reply } from '../../harness/messages.js';
import { unwrap } from '../../harness/messages.js';
import { navigate } from './bidi.js';
import type { ExtensionBrowser } from './launch.js';

/** Opens `url` (any page, moz-extension ones too) in a new tab and waits until it has loaded. */
export async function openUrl(ext: ExtensionBrowser, url: string): Promise<Page> {
  const page = await ext.browser.newPage();
  await navigate(page, url);
  return page;
}

/** Opens `moz-extension://UUID/<path>` in a new tab (headless Firefox has no toolbar button to click). */
export function openExtensionPage(ext: ExtensionBrowser, path: string): Promise<Page> {
  return openUrl(ext, `${ext.origin}/${path.replace(/^\//, '')}`);
}

/** Opens the popup (`popup.html`) in a new tab. */
export function openPopup(ext: ExtensionBrowser): Promise<Page> {
  return openExtensionPage(ext, 'popup.html');
}

/** Opens the options page (`options.html`) in a new tab. */
export function openOptions(ext: ExtensionBrowser): Promise<Page> {
  return openExtensionPage(ext, 'options.html');
}

/**
 * Runs `browser.runtime.sendMessage({ type, payload })` inside `page` (an extension page) and returns the
 * background's reply. Never put a reply that may hold a secret into a log or an assertion message.
 */
export async function sendMessage<T = unknown>(
  page: Page,
  type: string,
  payload: unknown = {},
): Promise<Reply<T>> {
  const reply = await page.evaluate(
    (message) =>
      (
        globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
      ).browser.runtime.sendMessage(message),
    { type, payload },
  );
  return reply as Reply<T>;
}

/** {@link sendMessage} then unwrap (throws with the error code, never the payload). */
export async function call<T = unknown>(page: Page, type: string, payload: unknown = {}): Promise<T> {
  return unwrap(await sendMessage<T>(page, type, payload), type);
}

/**
 * The clipboard's text as seen from `page` (the profile's `dom.events.testing.asyncClipboard` lets a test
 * page read it). The caller must not print it if it may be a secret.
 */
export function readClipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Puts `text` on the clipboard from `page`. */
export function writeClipboard(page: Page, text: string): Promise<void> {
  return page.evaluate((t) => navigator.clipboard.writeText(t), text);
}

/**
 * Polls until the clipboard equals `text` (`equal` true) or differs from it (`equal` false); returns whether
 * that happened within `timeoutMs`. Compares inside Node and returns a boolean only, so secrets stay out of logs.
 */
export async function clipboardBecomes(
  page: Page,
  text: string,
  equal: boolean,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await readClipboard(page).catch(() => null);
    if (now !== null && (now === text) === equal) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

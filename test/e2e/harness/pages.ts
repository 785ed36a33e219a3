/**
 * Opening the extension's own pages in tabs.
 */
import type { Page } from 'playwright-core';
import type { ExtensionBrowser } from './launch.js';

/**
 * Opens `chrome-extension://ID/<path>` in a new tab and waits for its DOM. Opening the popup in a tab is how
 * e2e tests reach it: headless Chromium has no toolbar to click.
 */
export async function openExtensionPage(ext: ExtensionBrowser, path: string): Promise<Page> {
  const page = await ext.context.newPage();
  await page.goto(`${ext.origin}/${path.replace(/^\//, '')}`, { waitUntil: 'domcontentloaded' });
  return page;
}

/** Opens the popup (`popup.html`) in a new tab. */
export function openPopup(ext: ExtensionBrowser): Promise<Page> {
  return openExtensionPage(ext, 'popup.html');
}

/** Opens the options page (`options.html`) in a new tab. */
export function openOptions(ext: ExtensionBrowser): Promise<Page> {
  return openExtensionPage(ext, 'options.html');
}

import type { Browser } from 'webextension-polyfill';

/**
 * The browser's own promise-based extension API: `browser` in Firefox, `chrome` in Chromium (MV3 APIs
 * return promises there). Used instead of the polyfill only in the DocBits content script, whose size is
 * budgeted (≤ 12 KB gzipped) and which calls nothing the polyfill would change: `runtime.sendMessage`,
 * `runtime.onMessage` (without replying) and `i18n.getMessage`.
 */
export const nativeBrowser: Browser =
  (globalThis as { browser?: Browser }).browser ?? (globalThis as unknown as { chrome: Browser }).chrome;

/** Named like `wxt/browser`'s export, so the build can alias that module to this one. */
export { nativeBrowser as browser };

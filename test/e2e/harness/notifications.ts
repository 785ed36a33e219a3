import type { ExtensionBrowser } from './launch.js';

interface NotificationsApi {
  chrome: {
    notifications: { getAll(): Promise<Record<string, boolean>>; clear(id: string): Promise<boolean> };
  };
}

/** Ids of the notifications KeyGuard shows right now (asked in its service worker). */
export async function shownNotifications(ext: ExtensionBrowser): Promise<string[]> {
  const all = await (await ext.serviceWorker()).evaluate(() =>
    (globalThis as unknown as NotificationsApi).chrome.notifications.getAll(),
  );
  return Object.keys(all);
}

/** Closes one notification, or all of them, as the user would. */
export async function clearNotifications(ext: ExtensionBrowser, id?: string): Promise<void> {
  await (await ext.serviceWorker()).evaluate(async (only) => {
    const { notifications } = (globalThis as unknown as NotificationsApi).chrome;
    const ids = only === undefined ? Object.keys(await notifications.getAll()) : [only];
    for (const n of ids) await notifications.clear(n);
  }, id);
}

/**
 * Polls `read` every 150 ms until `ok` accepts its value, and returns it; after `timeoutMs` fails naming
 * `what` and the last value (never pass it anything secret).
 */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Talking to the background through the extension's message protocol, as an extension page does.
 */
import type { Page } from 'playwright-core';

/** The protocol's reply envelope (lib/messages.ts). */
export type Reply<T = unknown> =
  | { ok: true; data: T }
  | { ok: false; error: { code: string; message: string } };

/** The slice of the `chrome` global that {@link sendMessage} uses inside the page. */
interface RuntimeGlobal {
  chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

/**
 * Runs `chrome.runtime.sendMessage({ type, payload })` inside `page` (an extension page such as the popup)
 * and returns the background's reply. Rejects if the message could not be delivered or the reply was lost
 * (e.g. the service worker stopped while handling it).
 *
 * Never put a reply that may hold a secret into a log or an assertion message.
 */
export async function sendMessage<T = unknown>(
  page: Page,
  type: string,
  payload: unknown = {},
): Promise<Reply<T>> {
  const reply = await page.evaluate(
    (message) => (globalThis as unknown as RuntimeGlobal).chrome.runtime.sendMessage(message),
    { type, payload },
  );
  return reply as Reply<T>;
}

/** The data of an `ok` reply; otherwise throws with the error code and message (never the payload). */
export function unwrap<T>(reply: Reply<T>, what: string): T {
  if (reply === undefined || reply === null || typeof reply !== 'object') {
    throw new Error(`${what}: no reply from the background (got ${reply === null ? 'null' : typeof reply})`);
  }
  if (!reply.ok) throw new Error(`${what} failed: ${reply.error?.code}: ${reply.error?.message}`);
  return reply.data;
}

/** {@link sendMessage} then {@link unwrap}. */
export async function call<T = unknown>(page: Page, type: string, payload: unknown = {}): Promise<T> {
  return unwrap(await sendMessage<T>(page, type, payload), type);
}

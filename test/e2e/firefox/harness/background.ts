/**
 * The extension's background in Firefox: an event page that Firefox suspends after
 * `extensions.background.idle.timeout` without events, and wakes for its persistent listeners (messages,
 * alarms, …). Read and changed through the privileged scope over BiDi.
 */
import { evaluateChrome } from './bidi.js';
import type { ExtensionBrowser } from './launch.js';

/** Firefox's own names for the background's state. */
export type BackgroundState = 'stopped' | 'starting' | 'running' | 'suspending';

const policy = (id: string) => `WebExtensionPolicy.getByID(${JSON.stringify(id)}).extension`;

/** The background's state now. */
export async function backgroundState(ext: ExtensionBrowser): Promise<BackgroundState> {
  return (await evaluateChrome(
    ext.browser,
    `String(${policy(ext.extensionId)}.backgroundState)`,
  )) as BackgroundState;
}

/** Polls until the background is in `state`; returns how long that took (ms). */
export async function waitForBackground(
  ext: ExtensionBrowser,
  state: BackgroundState,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const now = await backgroundState(ext);
    if (now === state) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`the background stayed "${now}" for ${timeoutMs} ms (waited for "${state}")`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Suspends the background now, as Firefox does after its idle timeout (about:debugging's "Terminate
 * background script"), and waits until it is stopped.
 */
export async function stopBackground(ext: ExtensionBrowser, timeoutMs = 10_000): Promise<void> {
  await evaluateChrome(
    ext.browser,
    `${policy(ext.extensionId)}.terminateBackground({ disableResetIdleForTest: true })`,
  );
  await waitForBackground(ext, 'stopped', timeoutMs);
}

/**
 * Warnings and errors Firefox logged for the add-on (its id or moz-extension URL in the message), e.g.
 * "attempting to use listener … which is unimplemented". From the browser console's message store.
 */
export async function addonConsoleProblems(ext: ExtensionBrowser): Promise<string[]> {
  const messages = (await evaluateChrome(
    ext.browser,
    `Services.console.getMessageArray().map((m) => String(m.errorMessage ?? m.message ?? ''))`,
  )) as string[];
  const uuid = ext.origin.replace('moz-extension://', '');
  return messages.filter((m) => m.includes(ext.extensionId) || m.includes(uuid));
}

/**
 * Stopping and waking the extension's service worker, as Chromium does when it goes idle.
 *
 * Method: the DevTools `ServiceWorker` domain on a CDP session of an ordinary tab (the browser-level session
 * has no such domain). `ServiceWorker.stopWorker` is what the "Stop" link of chrome://serviceworker-internals
 * does: the worker's global state is gone and the next event — e.g. a `runtime.sendMessage` — starts a new
 * instance. `workerVersionUpdated` events report `runningStatus`, so a stop is confirmed, not assumed.
 */
import type { CDPSession, Page } from 'playwright-core';
import type { ExtensionBrowser } from './launch.js';

/** The running state Chromium reports for a service worker version. */
export type RunningStatus = 'stopped' | 'starting' | 'running' | 'stopping';

interface Version {
  versionId: string;
  scriptURL: string;
  runningStatus: RunningStatus;
  status: string;
}

interface Control {
  page: Page;
  session: CDPSession;
  versions: Map<string, Version>;
  /** Count of transitions into `stopped`, per version, so a stop is observed even if it restarts at once. */
  stops: Map<string, number>;
  listeners: Set<() => void>;
}

const controls = new WeakMap<ExtensionBrowser, Promise<Control>>();

async function openControl(ext: ExtensionBrowser): Promise<Control> {
  // A dedicated blank tab: it is never navigated, so its session and the domain stay enabled.
  const page = await ext.context.newPage();
  const session = await ext.context.newCDPSession(page);
  const control: Control = { page, session, versions: new Map(), stops: new Map(), listeners: new Set() };
  session.on('ServiceWorker.workerVersionUpdated', (event) => {
    for (const v of event.versions) {
      const previous = control.versions.get(v.versionId);
      if (v.runningStatus === 'stopped' && previous?.runningStatus !== 'stopped') {
        control.stops.set(v.versionId, (control.stops.get(v.versionId) ?? 0) + 1);
      }
      control.versions.set(v.versionId, {
        versionId: v.versionId,
        scriptURL: v.scriptURL,
        runningStatus: v.runningStatus,
        status: v.status,
      });
    }
    for (const notify of control.listeners) notify();
  });
  await session.send('ServiceWorker.enable');
  // enable() replies before the current versions are reported; give them a moment to arrive.
  await waitFor(control, () => extensionVersions(control, ext).length > 0, 3_000, '').catch(() => undefined);
  return control;
}

async function controlFor(ext: ExtensionBrowser): Promise<Control> {
  let control = controls.get(ext);
  if (control) {
    const c = await control;
    if (!c.page.isClosed()) return c;
  }
  control = openControl(ext);
  controls.set(ext, control);
  return control;
}

function extensionVersions(control: Control, ext: ExtensionBrowser): Version[] {
  return [...control.versions.values()].filter(
    (v) => v.scriptURL.startsWith(`${ext.origin}/`) && v.status !== 'redundant',
  );
}

/** Resolves when `done()` holds, re-checking on every worker update; rejects after `timeoutMs`. */
function waitFor(control: Control, done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      control.listeners.delete(check);
      resolve();
    };
    const timer = setTimeout(() => {
      control.listeners.delete(check);
      reject(new Error(`KeyGuard e2e: ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    control.listeners.add(check);
  });
}

/**
 * The running status of the extension's service worker (`stopped` if Chromium reports none yet).
 */
export async function serviceWorkerStatus(ext: ExtensionBrowser): Promise<RunningStatus> {
  const control = await controlFor(ext);
  const versions = extensionVersions(control, ext);
  if (versions.some((v) => v.runningStatus === 'running')) return 'running';
  return versions.find((v) => v.runningStatus !== 'stopped')?.runningStatus ?? 'stopped';
}

/**
 * Stops the extension's service worker and waits until Chromium reports it stopped (it may be started again
 * right after by a pending event). Returns how many running or starting workers it stopped (0 if none).
 */
export async function stopServiceWorker(ext: ExtensionBrowser, timeoutMs = 10_000): Promise<number> {
  const control = await controlFor(ext);
  const targets = extensionVersions(control, ext).filter((v) => v.runningStatus !== 'stopped');
  const before = new Map(targets.map((v) => [v.versionId, control.stops.get(v.versionId) ?? 0]));
  await Promise.all(
    targets.map((v) => control.session.send('ServiceWorker.stopWorker', { versionId: v.versionId })),
  );
  await waitFor(
    control,
    () => targets.every((v) => (control.stops.get(v.versionId) ?? 0) > (before.get(v.versionId) ?? 0)),
    timeoutMs,
    'the service worker did not stop',
  );
  return targets.length;
}

/** Waits until the extension's service worker is running. */
export async function waitForServiceWorkerRunning(ext: ExtensionBrowser, timeoutMs = 10_000): Promise<void> {
  const control = await controlFor(ext);
  await waitFor(
    control,
    () => extensionVersions(control, ext).some((v) => v.runningStatus === 'running'),
    timeoutMs,
    'the service worker did not start',
  );
}

/**
 * Stops the service worker, then wakes it the way the browser would: `wake` (typically sending a message
 * from an extension page) must cause an event for the worker. Resolves with `wake`'s result once the
 * worker runs again.
 */
export async function restartServiceWorker<T>(
  ext: ExtensionBrowser,
  wake: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  await stopServiceWorker(ext, timeoutMs);
  const result = await wake();
  await waitForServiceWorkerRunning(ext, timeoutMs);
  return result;
}

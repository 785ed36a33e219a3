/**
 * Launch headless Chromium with the built extension loaded, on a fresh or a reused profile.
 */
import { type BrowserContext, chromium, type Worker } from 'playwright-core';
import { extensionArgs, resolveChromiumPath } from './chromium.js';
import { assertBuilt, extensionDir as defaultExtensionDir, diagnoseBuild } from './paths.js';
import { makeTempDir } from './tmp.js';

/** Options for {@link launchExtension}. */
export interface LaunchOptions {
  /**
   * Profile directory. Omit for a fresh temporary profile; pass the `userDataDir` of an earlier launch to
   * "restart the browser with the same profile".
   */
  userDataDir?: string;
  /** More Chromium switches, e.g. `server.chromiumArgs()` from {@link startHttpsServer}. */
  extraArgs?: readonly string[];
  /** The unpacked build to load; defaults to {@link defaultExtensionDir}. */
  extensionDir?: string;
  /** How long to wait for the extension's service worker to appear (ms). Default 20 000. */
  serviceWorkerTimeoutMs?: number;
  /** Run without a window (default true); `npm run demo` opens a normal window when a display exists. */
  headless?: boolean;
  /**
   * More environment variables for the browser process (and, inherited, every Chromium child process),
   * on top of this process's own — e.g. `LD_PRELOAD` and `FAKETIME` for libfaketime (`fakeClockEnv` in
   * faketime.ts).
   */
  env?: Readonly<Record<string, string>>;
}

/** A running browser with the extension loaded. */
export interface ExtensionBrowser {
  /** The persistent browser context (one profile = one context). */
  readonly context: BrowserContext;
  /** The extension id: the host of the service worker's URL. */
  readonly extensionId: string;
  /** `chrome-extension://<id>` */
  readonly origin: string;
  /** The unpacked build that was loaded. */
  readonly extensionDir: string;
  /** The profile directory; reuse it in a later {@link launchExtension} to restart with the same profile. */
  readonly userDataDir: string;
  /** Closes the browser (idempotent). The profile directory is kept until the test process exits. */
  close(): Promise<void>;
  /**
   * The extension's service worker, waiting for it if it is not running. Playwright keeps one `Worker`
   * per service-worker target: after a stop and restart the same object evaluates in the new instance.
   */
  serviceWorker(timeoutMs?: number): Promise<Worker>;
}

/** The first service worker whose URL starts with `prefix` (any extension's by default). */
function findWorker(context: BrowserContext, prefix: string): Worker | undefined {
  return context.serviceWorkers().find((w) => w.url().startsWith(prefix));
}

/** Waits up to `timeoutMs` for a service worker whose URL starts with `prefix`. */
async function waitForWorker(
  context: BrowserContext,
  prefix: string,
  timeoutMs: number,
): Promise<Worker | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = findWorker(context, prefix);
    const left = deadline - Date.now();
    if (found || left <= 0) return found;
    await context.waitForEvent('serviceworker', { timeout: left }).catch(() => undefined);
  }
}

/**
 * Launches headless Chromium (new headless mode, which supports extensions) with the production build
 * loaded and resolves once its service worker is up.
 *
 * @throws if the build is missing ("run npm run build first"), Chromium is missing (how to install it), or
 *   the service worker does not start (with the likely causes found in the build).
 */
export async function launchExtension(options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const dir = options.extensionDir ?? defaultExtensionDir();
  assertBuilt(dir);
  const executablePath = resolveChromiumPath();
  const userDataDir = options.userDataDir ?? makeTempDir('profile');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: options.headless ?? true,
    // A headed demo window should look like a normal browser window, not a 1280×720 test viewport.
    ...(options.headless === false ? { viewport: null } : {}),
    ignoreDefaultArgs: ['--disable-extensions'],
    // Test servers use a self-signed certificate; Chromium also gets --ignore-certificate-errors from them.
    ignoreHTTPSErrors: true,
    args: [...extensionArgs(dir), ...(options.extraArgs ?? [])],
    // Playwright replaces the browser's environment when `env` is given; keep ours and add to it.
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await context.close().catch(() => undefined);
  };

  const timeoutMs = options.serviceWorkerTimeoutMs ?? 20_000;
  const worker = await waitForWorker(context, 'chrome-extension://', timeoutMs);
  if (!worker) {
    await close();
    const problems = diagnoseBuild(dir);
    throw new Error(
      `KeyGuard e2e: the extension's service worker did not start within ${timeoutMs} ms, so Chromium did ` +
        `not load ${dir} or its background script failed at start-up. ` +
        (problems.length > 0
          ? `Problems found in the build: ${problems.join('; ')}.`
          : 'The manifest looks sound: load the build by hand in chrome://extensions to see the error.'),
    );
  }
  const extensionId = new URL(worker.url()).host;
  const origin = `chrome-extension://${extensionId}`;

  return {
    context,
    extensionId,
    origin,
    extensionDir: dir,
    userDataDir,
    close,
    async serviceWorker(waitMs = 10_000): Promise<Worker> {
      const found = await waitForWorker(context, `${origin}/`, waitMs);
      if (!found) throw new Error(`KeyGuard e2e: no service worker for ${origin} within ${waitMs} ms`);
      return found;
    },
  };
}

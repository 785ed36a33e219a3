/**
 * Launch headless Firefox (WebDriver BiDi through puppeteer-core) with the built extension installed as a
 * temporary add-on.
 */

import { isAbsolute, join, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import type { HttpsServer } from '../../harness/https-server.js';
import { assertBuilt, repoRoot } from '../../harness/paths.js';
import { EXTENSION_UUID, firefoxPrefs, GECKO_ID, resolveFirefoxPath } from './firefox.js';

/** The Firefox MV3 build: `KEYGUARD_FIREFOX_EXTENSION_DIR` if set, else `.output/firefox-mv3`. */
export function firefoxExtensionDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KEYGUARD_FIREFOX_EXTENSION_DIR;
  if (fromEnv) return isAbsolute(fromEnv) ? fromEnv : resolve(repoRoot, fromEnv);
  return join(repoRoot, '.output', 'firefox-mv3');
}

/** Options for {@link launchExtension}. */
export interface LaunchOptions {
  /** Serve these hosts from this local HTTPS server (its port is forced for https://HOST). */
  site?: HttpsServer;
  /** The background's idle time before Firefox suspends it (ms); Firefox's default (30 s) if omitted. */
  backgroundIdleMs?: number;
  /** More preferences. */
  prefs?: Record<string, unknown>;
  /** The unpacked build; defaults to {@link firefoxExtensionDir}. */
  extensionDir?: string;
  /** Run without a window (default true). */
  headless?: boolean;
  /**
   * More environment variables for the Firefox process (and, inherited, the native-messaging hosts it
   * starts), added to this process's own — e.g. HOME, so Firefox reads `~/.mozilla/native-messaging-hosts/`
   * in a temp folder.
   */
  env?: Readonly<Record<string, string>>;
}

/** A running Firefox with KeyGuard installed. */
export interface ExtensionBrowser {
  readonly browser: Browser;
  /** The add-on id (gecko id). */
  readonly extensionId: string;
  /** `moz-extension://<uuid>` */
  readonly origin: string;
  readonly extensionDir: string;
  /** Closes the browser (idempotent). */
  close(): Promise<void>;
}

/**
 * Launches headless Firefox with a fresh profile and installs the Firefox build as a temporary add-on.
 *
 * @throws if the build is missing ("run npm run build:firefox"), Firefox is missing (how to install it), or
 *   the add-on does not install (Firefox's reason).
 */
export async function launchExtension(options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const dir = options.extensionDir ?? firefoxExtensionDir();
  try {
    assertBuilt(dir);
  } catch {
    throw new Error(
      `KeyGuard e2e: no Firefox build at ${dir} (manifest.json is missing). ` +
        'Run `npm run build:firefox` first (the Firefox suites test .output/firefox-mv3).',
    );
  }
  const executablePath = resolveFirefoxPath();
  const site = options.site;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: options.headless ?? true,
    // Puppeteer replaces the browser's environment when `env` is given; keep ours and add to it.
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    acceptInsecureCerts: true,
    // Without it, BiDi refuses to navigate to moz-extension:// pages or to evaluate in chrome scope.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      ...firefoxPrefs({
        ...(site ? { hosts: site.hosts, port: site.port } : {}),
        ...(options.backgroundIdleMs !== undefined ? { backgroundIdleMs: options.backgroundIdleMs } : {}),
      }),
      ...options.prefs,
    },
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await browser.close().catch(() => undefined);
  };
  try {
    const id = await browser.installExtension(dir);
    if (id !== GECKO_ID) throw new Error(`installed add-on id is ${id}, expected ${GECKO_ID}`);
  } catch (error) {
    await close();
    throw new Error(`KeyGuard e2e: Firefox did not install ${dir}: ${(error as Error).message}`);
  }
  return {
    browser,
    extensionId: GECKO_ID,
    origin: `moz-extension://${EXTENSION_UUID}`,
    extensionDir: dir,
    close,
  };
}

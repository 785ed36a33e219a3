/**
 * Which Firefox to drive, and the preferences every Firefox e2e launch uses.
 */
import { accessSync, constants } from 'node:fs';

/** Debian's Firefox ESR (`apt-get install -y firefox-esr`). */
export const DEFAULT_FIREFOX_PATH = '/usr/bin/firefox-esr';
/** Tried when the ESR is not there (a distribution's rapid-release package). */
const FALLBACK_FIREFOX_PATH = '/usr/bin/firefox';

/** KeyGuard's add-on id (wxt.config.ts, browser_specific_settings.gecko.id). */
export const GECKO_ID = 'keyguard-docbits@keyguard.invalid';

/**
 * A fixed moz-extension UUID for the test runs (the pref `extensions.webextensions.uuids`), so extension
 * page URLs are known before the add-on is installed.
 */
export const EXTENSION_UUID = '6b2f9e0c-4a1d-4c8e-9f3b-5d7a2e1c0b94';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Firefox executable: `FIREFOX_PATH`, else Debian's `/usr/bin/firefox-esr`, else `/usr/bin/firefox`.
 * Throws a message that says how to install Firefox or point to another one.
 */
export function resolveFirefoxPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.FIREFOX_PATH;
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(
      `KeyGuard e2e: FIREFOX_PATH is ${fromEnv}, which is not an executable file. ` +
        'Point FIREFOX_PATH at a Firefox (ESR 140 or later) binary, or unset it to use /usr/bin/firefox-esr.',
    );
  }
  for (const path of [DEFAULT_FIREFOX_PATH, FALLBACK_FIREFOX_PATH]) if (executable(path)) return path;
  throw new Error(
    `KeyGuard e2e: no executable Firefox at ${DEFAULT_FIREFOX_PATH} (nor ${FALLBACK_FIREFOX_PATH}). ` +
      "Install Debian's Firefox ESR with `apt-get install -y firefox-esr`, or set FIREFOX_PATH to another " +
      'Firefox (140 or later) executable. (Puppeteer’s browser download is not used.)',
  );
}

/** Options that shape the preferences of one launch. */
export interface FirefoxPrefOptions {
  /** Host names to resolve to 127.0.0.1 (a local HTTPS test server). */
  hosts?: readonly string[];
  /** The local server's port: connections to port 443 go there instead (`network.socket.forcePort`). */
  port?: number;
  /**
   * How long the background (an event page) may idle before Firefox suspends it (ms). Firefox's default is
   * 30 000; tests of suspension set it low.
   */
  backgroundIdleMs?: number;
}

/**
 * The preferences for a test profile: a fixed extension UUID, clipboard reads from test pages, optional
 * permissions granted without a doorhanger, and (optionally) local DNS for the DocBits host names.
 */
export function firefoxPrefs(options: FirefoxPrefOptions = {}): Record<string, unknown> {
  const prefs: Record<string, unknown> = {
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
    // navigator.clipboard.readText() in a test page without the paste prompt.
    'dom.events.testing.asyncClipboard': true,
    // permissions.request() (on-premise hosts, the leak guard) is answered "allow" without a doorhanger.
    'extensions.webextOptionalPermissionPrompts': false,
    // Quiet and offline.
    'app.update.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'extensions.update.enabled': false,
  };
  if (options.hosts && options.hosts.length > 0) {
    prefs['network.dns.localDomains'] = options.hosts.join(',');
    if (options.port === undefined) throw new Error('firefoxPrefs: hosts need the server port');
    prefs['network.socket.forcePort'] = `443=${options.port}`;
  }
  if (options.backgroundIdleMs !== undefined) {
    prefs['extensions.background.idle.timeout'] = options.backgroundIdleMs;
  }
  return prefs;
}

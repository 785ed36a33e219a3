/**
 * Which Chromium to drive, and the command-line switches every e2e launch uses.
 */
import { accessSync, constants } from 'node:fs';

/** Debian's Chromium (`apt-get install -y chromium`). */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The Chromium executable: `CHROMIUM_PATH`, else `CHROME_PATH`, else Debian's `/usr/bin/chromium`.
 * Throws a message that says how to install Chromium or point to another one. Playwright's own browser
 * download is never used (it cannot work offline).
 */
export function resolveChromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CHROMIUM_PATH || env.CHROME_PATH;
  const path = fromEnv || DEFAULT_CHROMIUM_PATH;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const source = env.CHROMIUM_PATH ? 'CHROMIUM_PATH' : env.CHROME_PATH ? 'CHROME_PATH' : 'the default path';
    throw new Error(
      `KeyGuard e2e: no executable Chromium at ${path} (from ${source}). ` +
        "Install Debian's Chromium with `apt-get install -y chromium`, or set CHROMIUM_PATH (or CHROME_PATH) " +
        "to another Chrome/Chromium executable. (Playwright's browser download is not used.)",
    );
  }
  return path;
}

/**
 * Switches for loading one unpacked extension in a quiet, headless Chromium.
 *
 * `--disable-extensions-except` plus `--load-extension` load the build; Playwright's default
 * `--disable-extensions` must be dropped via `ignoreDefaultArgs`. The rest keep the browser off the
 * network (no component updates, sync, QUIC or background requests) and cheap on a 2-core machine.
 */
export function extensionArgs(extensionDir: string): string[] {
  return [
    `--disable-extensions-except=${extensionDir}`,
    `--load-extension=${extensionDir}`,
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
}

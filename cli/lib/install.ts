/**
 * `keyguard install` / `uninstall`: the native-messaging host manifests (user level) and the host itself.
 * The host is copied to KeyGuard's own data folder with a small launcher that names this Node by its full
 * path (a browser started from a desktop menu may not have `node` on its PATH).
 *
 * Where browsers look (Linux; macOS in comments, Windows through the registry):
 *   Chrome   ~/.config/google-chrome/NativeMessagingHosts/         (~/Library/Application Support/Google/Chrome/…)
 *   Chromium ~/.config/chromium/NativeMessagingHosts/              (~/Library/Application Support/Chromium/…)
 *   Edge     ~/.config/microsoft-edge/NativeMessagingHosts/        (~/Library/Application Support/Microsoft Edge/…)
 *   Brave    ~/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/
 *   Firefox  ~/.mozilla/native-messaging-hosts/                    (~/Library/Application Support/Mozilla/NativeMessagingHosts/)
 * A Chrome-family profile started with --user-data-dir=DIR reads DIR/NativeMessagingHosts/ instead.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_NAME } from './paths';

/** KeyGuard's add-on id in Firefox (wxt.config.ts). */
export const FIREFOX_ID = 'keyguard-docbits@keyguard.invalid';

export interface InstallEnv {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
  /** The Node that runs the host. */
  nodePath: string;
  /** The built host script to copy (next to the built keyguard.mjs). */
  hostScript: string;
}

export interface BrowserDir {
  browser: string;
  /** The browser's own folder: the browser counts as installed when it exists. */
  root: string;
  /** Where the manifest goes. */
  manifestDir: string;
  family: 'chrome' | 'firefox';
  /** Windows: the registry key that points at the manifest. */
  registryKey?: string;
}

export function dataDir(e: InstallEnv): string {
  if (e.env.KEYGUARD_HOME) return e.env.KEYGUARD_HOME;
  if (e.platform === 'darwin') return join(e.home, 'Library', 'Application Support', 'KeyGuard');
  if (e.platform === 'win32') return join(e.env.LOCALAPPDATA ?? join(e.home, 'AppData', 'Local'), 'KeyGuard');
  return join(e.env.XDG_DATA_HOME ?? join(e.home, '.local', 'share'), 'keyguard');
}

/** The browsers' manifest folders for this platform. */
export function browserDirs(e: InstallEnv): BrowserDir[] {
  const chrome = (browser: string, root: string, registry?: string): BrowserDir => ({
    browser,
    root,
    manifestDir: join(root, 'NativeMessagingHosts'),
    family: 'chrome',
    ...(registry ? { registryKey: `HKCU\\Software\\${registry}\\NativeMessagingHosts\\${HOST_NAME}` } : {}),
  });
  if (e.platform === 'darwin') {
    const lib = join(e.home, 'Library', 'Application Support');
    return [
      chrome('Chrome', join(lib, 'Google', 'Chrome')),
      chrome('Chromium', join(lib, 'Chromium')),
      chrome('Edge', join(lib, 'Microsoft Edge')),
      chrome('Brave', join(lib, 'BraveSoftware', 'Brave-Browser')),
      {
        browser: 'Firefox',
        root: join(lib, 'Mozilla'),
        manifestDir: join(lib, 'Mozilla', 'NativeMessagingHosts'),
        family: 'firefox',
      },
    ];
  }
  if (e.platform === 'win32') {
    // Windows reads manifests wherever the registry says; they live in KeyGuard's folder.
    const own = join(dataDir(e), 'manifests');
    const local = e.env.LOCALAPPDATA ?? join(e.home, 'AppData', 'Local');
    const roaming = e.env.APPDATA ?? join(e.home, 'AppData', 'Roaming');
    return [
      {
        ...chrome('Chrome', join(local, 'Google', 'Chrome'), 'Google\\Chrome'),
        manifestDir: join(own, 'chrome'),
      },
      {
        ...chrome('Edge', join(local, 'Microsoft', 'Edge'), 'Microsoft\\Edge'),
        manifestDir: join(own, 'chrome'),
      },
      {
        browser: 'Firefox',
        root: join(roaming, 'Mozilla'),
        manifestDir: join(own, 'firefox'),
        family: 'firefox',
        registryKey: `HKCU\\Software\\Mozilla\\NativeMessagingHosts\\${HOST_NAME}`,
      },
    ];
  }
  const config = e.env.XDG_CONFIG_HOME ?? join(e.home, '.config');
  return [
    chrome('Chrome', join(config, 'google-chrome')),
    chrome('Chromium', join(config, 'chromium')),
    chrome('Edge', join(config, 'microsoft-edge')),
    chrome('Brave', join(config, 'BraveSoftware', 'Brave-Browser')),
    {
      browser: 'Firefox',
      root: join(e.home, '.mozilla'),
      manifestDir: join(e.home, '.mozilla', 'native-messaging-hosts'),
      family: 'firefox',
    },
  ];
}

/** The host manifest for one browser family. */
export function hostManifest(
  family: 'chrome' | 'firefox',
  launcher: string,
  extensionIds: readonly string[],
) {
  const base = {
    name: HOST_NAME,
    description: 'KeyGuard for DocBits: the keyguard command line bridge',
    path: launcher,
    type: 'stdio',
  };
  return family === 'firefox'
    ? { ...base, allowed_extensions: [FIREFOX_ID] }
    : { ...base, allowed_origins: [...new Set(extensionIds)].map((id) => `chrome-extension://${id}/`) };
}

/** Extension ids an earlier install allowed (kept, so installing for a second browser loses none). */
function previousIds(file: string): string[] {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { allowed_origins?: unknown };
    return Array.isArray(m.allowed_origins)
      ? m.allowed_origins.flatMap((o) =>
          typeof o === 'string' ? (/^chrome-extension:\/\/([a-p]{32})\/$/.exec(o)?.[1] ?? []) : [],
        )
      : [];
  } catch {
    return [];
  }
}

/** Copies the host and writes its launcher; returns the launcher's path. */
export function installHost(e: InstallEnv): string {
  const dir = dataDir(e);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const script = join(dir, 'keyguard-host.mjs');
  copyFileSync(e.hostScript, script);
  if (e.platform === 'win32') {
    const launcher = join(dir, 'keyguard-host.bat');
    writeFileSync(launcher, `@echo off\r\n"${e.nodePath}" "${script}" %*\r\n`);
    return launcher;
  }
  const launcher = join(dir, 'keyguard-host');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    launcher,
    `#!/bin/sh\n# KeyGuard's native-messaging host (written by keyguard install)\nexec ${q(e.nodePath)} ${q(script)} "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  return launcher;
}

export interface InstallResult {
  written: string[];
  skipped: string[];
}

/**
 * Writes a manifest for every browser whose folder exists (and for each `--user-data-dir`). Chrome-family
 * browsers need KeyGuard's extension id: without one they are skipped, with the reason.
 */
export function install(
  e: InstallEnv,
  extensionIds: readonly string[],
  userDataDirs: readonly string[],
): InstallResult {
  const launcher = installHost(e);
  const targets = [
    ...browserDirs(e).filter((b) => existsSync(b.root)),
    ...userDataDirs.map(
      (root): BrowserDir => ({
        browser: `profile ${root}`,
        root,
        manifestDir: join(root, 'NativeMessagingHosts'),
        family: 'chrome',
      }),
    ),
  ];
  const result: InstallResult = { written: [], skipped: [] };
  for (const t of targets) {
    const file = join(t.manifestDir, `${HOST_NAME}.json`);
    const ids = [...extensionIds, ...(t.family === 'chrome' ? previousIds(file) : [])];
    if (t.family === 'chrome' && ids.length === 0) {
      result.skipped.push(`${t.browser}: give --extension-id (KeyGuard's options page shows the command)`);
      continue;
    }
    mkdirSync(t.manifestDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(hostManifest(t.family, launcher, ids), null, 2)}\n`);
    if (t.registryKey) {
      execFileSync('reg', ['add', t.registryKey, '/ve', '/t', 'REG_SZ', '/d', file, '/f'], {
        stdio: 'ignore',
      });
    }
    result.written.push(`${t.browser}: ${file}`);
  }
  if (targets.length === 0) result.skipped.push('no supported browser found');
  return result;
}

/** Removes every manifest `install` could have written, and the host. */
export function uninstall(e: InstallEnv, userDataDirs: readonly string[]): string[] {
  const removed: string[] = [];
  const dirs = [
    ...browserDirs(e).map((b) => b.manifestDir),
    ...userDataDirs.map((d) => join(d, 'NativeMessagingHosts')),
  ];
  for (const dir of new Set(dirs)) {
    const file = join(dir, `${HOST_NAME}.json`);
    if (existsSync(file)) {
      rmSync(file);
      removed.push(file);
    }
  }
  if (e.platform === 'win32') {
    for (const b of browserDirs(e)) {
      if (b.registryKey) {
        try {
          execFileSync('reg', ['delete', b.registryKey, '/f'], { stdio: 'ignore' });
        } catch {
          /* not there */
        }
      }
    }
  }
  const dir = dataDir(e);
  for (const name of ['keyguard-host', 'keyguard-host.bat', 'keyguard-host.mjs']) {
    if (existsSync(join(dir, name))) {
      rmSync(join(dir, name));
      removed.push(join(dir, name));
    }
  }
  return removed;
}

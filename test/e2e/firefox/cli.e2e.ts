/**
 * Firefox: the `keyguard` command line end to end (issue 17), the essential flow of test/e2e/cli.e2e.ts.
 * `keyguard install` writes the host manifest where Firefox looks for it at user level
 * (`~/.mozilla/native-messaging-hosts/`): Firefox, `keyguard install` and every `keyguard` share a temp
 * HOME (and XDG_CONFIG_HOME under it, so no real browser's folder is touched), XDG_RUNTIME_DIR (the socket
 * folder) and KEYGUARD_HOME (the host). "Command line (keyguard)" is turned on in the options page by a
 * trusted click; the optional `nativeMessaging` permission is granted without a doorhanger
 * (`extensions.webextOptionalPermissionPrompts` = false in the test profile) and Firefox's background
 * connects at once (no restart as in Chromium). Then `keyguard run` → the approval window (a
 * windows.create popup, found among the browser's pages by its location) → "Allow once" by a trusted click
 * → the child prints the sha256 of its TOKEN, compared with the secret's; and Deny → exit code 5,
 * "denied", the child never started. The test compares hashes, never keys, and checks at the end that no
 * key or password is in the temp HOME, the socket folder, the host's folder or any output.
 *
 * Not covered here (the Chromium suite covers them): the locked vault unlocked in the approval window, the
 * 15-minute grant, `get`, `list`, `scan` and the pre-commit hook.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntrySummary } from '../../../lib/vault/model';
import {
  becomes,
  buildCli,
  type CliRun,
  call,
  describeScan,
  type ExtensionBrowser,
  findByName,
  HASH_CHILD,
  launchExtension,
  makeTempDir,
  navigate,
  openOptions,
  scanProfileForSecrets,
  sha,
  startCli,
} from './harness/index.js';

const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
const SECRET = `dbk_${randomBytes(24).toString('base64url')}`;
const NAME = 'Invoice sync (ERP)';

let ext: ExtensionBrowser;
let options: Page;
let env: NodeJS.ProcessEnv;
let homeDir: string;
let runDir: string;
let hostDir: string;
const outputs: CliRun[] = [];
/** Approval windows already answered (their URLs carry the request id). */
const answered = new Set<string>();

async function cli(args: string[]): Promise<CliRun> {
  const r = await startCli(args, { env }).done;
  outputs.push(r);
  return r;
}

/**
 * The approval window of the next request: a page whose location is approve.html and that was not answered
 * before. Asked in each page: puppeteer's own URL for a window opened on a moz-extension page can lag.
 */
async function approvalWindow(): Promise<Page> {
  let found: Page | undefined;
  let href = '';
  await becomes(
    async () => {
      for (const p of await ext.browser.pages()) {
        const h = await p.evaluate(() => location.href).catch(() => '');
        if (h.includes('/approve.html') && !answered.has(h)) {
          found = p;
          href = h;
        }
      }
      return found !== undefined;
    },
    true,
    20_000,
  );
  if (!found) throw new Error(`no approval window (pages: ${(await ext.browser.pages()).length})`);
  answered.add(href);
  return found;
}

beforeAll(async () => {
  buildCli();
  homeDir = makeTempDir('fx-cli-home');
  runDir = makeTempDir('fx-cli-run');
  hostDir = makeTempDir('fx-cli-host');
  // `keyguard install` writes a manifest for each browser whose folder exists: Firefox's is ~/.mozilla.
  mkdirSync(join(homeDir, '.mozilla'));
  const shared = {
    HOME: homeDir,
    XDG_CONFIG_HOME: join(homeDir, '.config'),
    XDG_RUNTIME_DIR: runDir,
    KEYGUARD_HOME: hostDir,
  };
  env = { ...process.env, ...shared };
  const install = await cli(['install']);
  expect(install.code, install.stderr).toBe(0);
  expect(install.stdout).toContain('Firefox');
  expect(existsSync(join(homeDir, '.mozilla', 'native-messaging-hosts', 'com.docbits.keyguard.json'))).toBe(
    true,
  );
  ext = await launchExtension({ env: shared });
  options = await openOptions(ext);
  await call(options, 'vault.create', { password: PASSWORD });
  await call<EntrySummary>(options, 'entry.add', {
    entry: {
      name: NAME,
      secret: SECRET,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
    },
  });
  await navigate(options, `${ext.origin}/options.html`);
});

afterAll(async () => {
  await ext?.close();
});

describe('Firefox: keyguard command line', () => {
  it('is off until turned on in the options by a click; then the host answers on a private socket', async () => {
    const off = await cli(['status']);
    expect(off.code, off.stderr).toBe(3);
    await (await findByName(options, 'Command line (keyguard)', 'checkbox')).click();
    await findByName(options, 'Bridge: reachable', undefined, { timeoutMs: 15_000 });
    expect(
      await becomes(async () => (await cli(['status'])).code, 0, 10_000),
      'keyguard status exits 0',
    ).toBe(true);
    const socketDir = join(runDir, 'keyguard');
    expect(lstatSync(socketDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(socketDir, 'keyguard.sock')).mode & 0o777).toBe(0o600);
  });

  it('run: the approval window names the key; Allow once gives the child the key', async () => {
    const run = startCli(['run', '--env', `TOKEN=${NAME}`, '--', ...HASH_CHILD], { env });
    const win = await approvalWindow();
    const allow = await findByName(win, 'Allow once', 'button', { timeoutMs: 10_000 });
    expect(await win.evaluate((n) => document.body.textContent?.includes(n) ?? false, NAME)).toBe(true);
    await allow.click();
    const r = await run.done;
    outputs.push(r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout === sha(SECRET), 'the child saw the key').toBe(true);
  });

  it('run: Deny ends keyguard with exit code 5 and says so; the child never starts', async () => {
    const run = startCli(['run', '--env', `TOKEN=${NAME}`, '--', ...HASH_CHILD], { env });
    const win = await approvalWindow();
    await (await findByName(win, 'Deny', 'button', { timeoutMs: 10_000 })).click();
    const r = await run.done;
    outputs.push(r);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('denied');
    // The child prints a hash even with no TOKEN: nothing on stdout means it never ran.
    expect(r.stdout).toBe('');
  });

  it('after the run: no key or password in the temp HOME, the socket folder, the host folder or any output', async () => {
    await ext.close();
    for (const dir of [homeDir, runDir, hostDir]) {
      const hits = scanProfileForSecrets(dir, [SECRET, PASSWORD]);
      expect(
        hits.every((h) => h.total === 0),
        describeScan(hits, ['key', 'password']),
      ).toBe(true);
    }
    const printed = outputs.map((o) => o.stdout + o.stderr).join('\n');
    expect(printed.includes(SECRET) || printed.includes(PASSWORD)).toBe(false);
  });
});

/**
 * `npm run demo -- --firefox [--headless]`: the demo in Firefox (ESR, WebDriver BiDi through puppeteer-core)
 * with the Firefox build (built here first). Headless (or without a display) it walks the main flows —
 * create the vault, a key created in DocBits masked, show/hide, copy, save to KeyGuard, the annotated table,
 * the popup list, the options page, lock, the older single-key page — checks each step and writes a
 * screenshot of each to demo-output/firefox/. With a display it opens Firefox on the replica and waits.
 *
 * No key is printed: the clipboard is compared as a boolean, and no screenshot is taken while a key shows.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import {
  becomes,
  control,
  createKeyInDocbits,
  docbitsRecord,
  type ExtensionBrowser,
  findByName,
  findInRow,
  finishShowOnce,
  idle,
  LEGACY_INPUT,
  launchExtension,
  navigate,
  openOptions,
  openPopup,
  openUrl,
  readClipboard,
  resolveFirefoxPath,
  rowAnnotations,
  SHOW_ONCE_CODE,
  startDocbitsSite,
  textSecurity,
  writeClipboard,
} from '../test/e2e/firefox/harness/index.js';
import { repoRoot } from '../test/e2e/harness/paths.js';

const headless = process.argv.includes('--headless') || !process.env.DISPLAY;
const out = join(repoRoot, 'demo-output', 'firefox');
// A demo-only password: the demo profile is thrown away when the demo ends.
const DEMO_PASSWORD = 'demo orchid lantern 42 ferry';
const KEY_NAME = 'Invoice sync (ERP)';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`demo: expected ${what}`);
  console.log(`  ✔ ${what}`);
}

async function walk(ext: ExtensionBrowser, integrationUrl: (ui: string) => string): Promise<string[]> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const shots: string[] = [];
  const shot = async (page: Page, name: string) => {
    const file = join(out, `${name}.png`);
    await page.screenshot({ path: file as `${string}.png` });
    shots.push(file);
    console.log(`  screenshot ${file}`);
  };

  console.log('1. Create the vault (popup)');
  const popup = await openPopup(ext);
  await popup.setViewport({ width: 380, height: 560 });
  await findByName(popup, 'Create vault', 'button');
  await shot(popup, '01-popup-create-vault');
  await (await findByName(popup, 'Master password', 'textbox')).fill(DEMO_PASSWORD);
  await (await findByName(popup, 'Confirm master password', 'textbox')).fill(DEMO_PASSWORD);
  await (await findByName(popup, 'Create vault', 'button')).click();
  await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
  check(true, 'the vault was created and is unlocked');

  console.log('2. Create a key in DocBits (Settings → Integration → Create API Key)');
  const page = await openUrl(ext, integrationUrl('current'));
  await idle(page);
  check(
    await becomes(
      async () => {
        const r = await rowAnnotations(page);
        return r.rows > 0 && r.rows === r.annotated;
      },
      true,
      10_000,
    ),
    'every row of the key table carries a KeyGuard mark',
  );
  await shot(page, '02-docbits-key-table');
  const key = await createKeyInDocbits(page, KEY_NAME, 'Nightly invoice upload from the ERP');
  await findByName(page, 'Show API key', 'button');
  check((await textSecurity(page, SHOW_ONCE_CODE)) === 'disc', 'the key DocBits shows once is masked');
  await shot(page, '03-docbits-new-key-masked');

  console.log('3. Show / Hide, then "Copy API key"');
  await (await control(page, 'Show API key')).click();
  check(await becomes(() => textSecurity(page, SHOW_ONCE_CODE), 'none'), '"Show API key" reveals it');
  await (await control(page, 'Hide API key')).click();
  check(await becomes(() => textSecurity(page, SHOW_ONCE_CODE), 'disc'), '"Hide API key" masks it again');
  await writeClipboard(page, 'before the demo copy');
  await (await control(page, 'Copy API key')).click();
  check(
    await becomes(async () => (await readClipboard(page)) === key, true),
    'the clipboard holds the new key after "Copy API key" (it clears itself after 30 s)',
  );

  console.log('4. "Save to KeyGuard"');
  await (await control(page, 'Save to KeyGuard')).click();
  check(
    (await (await findByName(page, 'Name', 'textbox')).value()) === KEY_NAME,
    'the save form is prefilled',
  );
  await shot(page, '04-save-to-keyguard-form');
  await (await control(page, 'Save')).click();
  await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 15_000 });
  check(true, 'the key is saved in KeyGuard');
  await shot(page, '05-saved-in-keyguard');

  console.log("5. DocBits' Done → the key table");
  await finishShowOnce(page);
  const { key_prefix: prefix } = await docbitsRecord(page, KEY_NAME);
  await findInRow(page, 'In KeyGuard', prefix);
  await findInRow(page, 'Copy full key', prefix, 'button');
  check(true, 'the new row is marked "In KeyGuard" with "Copy full key"');
  await shot(page, '06-docbits-table-in-keyguard');

  console.log('6. The popup list');
  await navigate(popup, `${ext.origin}/popup.html`);
  await findByName(popup, `Copy ${KEY_NAME}`, 'button', { timeoutMs: 15_000 });
  check(true, 'the popup lists the saved key');
  await shot(popup, '07-popup-list');

  console.log('7. The options page');
  const options = await openOptions(ext);
  await options.setViewport({ width: 1100, height: 900 });
  await findByName(options, 'Export vault', 'button', { timeoutMs: 15_000 });
  await findByName(options, `Edit ${KEY_NAME}`, 'button', { timeoutMs: 15_000 });
  check(true, 'the options page lists the key and offers the encrypted backup');
  await shot(options, '08-options');

  console.log('8. Lock');
  await (await findByName(popup, 'Lock', 'button')).click();
  await findByName(popup, 'Unlock', 'button');
  check(true, 'the vault is locked');
  await shot(popup, '09-popup-locked');

  console.log('9. The older single-key DocBits page');
  await navigate(page, integrationUrl('legacy'));
  await idle(page);
  await findByName(page, 'Show API key', 'button');
  check(
    await becomes(() => textSecurity(page, LEGACY_INPUT), 'disc', 10_000),
    'the older page’s key is masked too',
  );
  await shot(page, '10-docbits-legacy-masked');
  return shots;
}

/** Runs the Firefox demo; resolves with the process exit code. */
export async function runFirefoxDemo(): Promise<number> {
  try {
    resolveFirefoxPath();
  } catch (e) {
    console.error(`demo: ${(e as Error).message.replace(/^KeyGuard e2e: /, '')}`);
    return 1;
  }
  const { NODE_ENV: _inherited, ...env } = process.env;
  const build = spawnSync('npx', ['--no-install', 'wxt', 'build', '-b', 'firefox'], {
    stdio: 'inherit',
    env,
  });
  if (build.status !== 0) return 1;
  const site = await startDocbitsSite({ lifetimeMs: headless ? 10 * 60_000 : 8 * 3600_000 });
  const ext = await launchExtension({ site, headless });
  const integrationUrl = (ui: string) => site.url(`/settings/integration?ui=${ui}&lang=en&seed=default`);
  console.log(`KeyGuard installed in Firefox; DocBits replica at ${site.origin()} (127.0.0.1:${site.port})`);
  if (!headless) {
    await openUrl(ext, integrationUrl('current'));
    await openPopup(ext);
    console.log(
      'demo: Firefox is open on the DocBits replica, with the KeyGuard popup in a second tab. Close it to end.',
    );
    await new Promise<void>((resolve) => ext.browser.on('disconnected', () => resolve()));
    await site.close();
    return 0;
  }
  try {
    const shots = await walk(ext, integrationUrl);
    console.log(`demo: done; ${shots.length} screenshots in ${out}`);
    return 0;
  } catch (e) {
    console.error(`demo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await ext.close();
    await site.close();
  }
}

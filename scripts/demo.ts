/**
 * `npm run demo` (after `wxt build`): serves the DocBits replica as https://app.docbits.com, launches
 * Chromium with a fresh profile and KeyGuard loaded, and opens the integration page by client-side
 * navigation, as a user arrives there. With a display it leaves a normal window open; with `--headless`
 * (or no display) it walks the main flows by itself — create the vault, create a key in DocBits, see it
 * masked, show/hide, copy, save it to KeyGuard, the annotated key table, the popup list, the options page,
 * the older single-key page — checks each step, and writes a screenshot of each to demo-output/.
 *
 * `--docs` also refreshes the README's pictures in docs/screenshots/ (cropped to the part that matters).
 * `--firefox` runs the walk in Firefox instead (scripts/demo-firefox.ts; screenshots in demo-output/firefox/).
 *
 * The demo's keys come from the local replica and its profile is thrown away at the end; even so no key is
 * printed: the clipboard is compared as a boolean, and no screenshot is taken while a key is revealed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import {
  control,
  createKeyInDocbits,
  type DocbitsWindow,
  docbitsRecord,
  findInRow,
  LABELS,
  LEGACY_INPUT,
  rowAnnotations,
  SHOW_ONCE_CODE,
  textSecurity,
} from '../test/e2e/docbits-ui.js';
import {
  type ExtensionBrowser,
  findByName,
  launchExtension,
  openOptions,
  openPopup,
  readClipboard,
  repoRoot,
  resolveChromiumPath,
  startDocbitsSite,
  writeClipboard,
} from '../test/e2e/harness/index.js';

// `--firefox`: the same walk in Firefox (scripts/demo-firefox.ts), which builds the Firefox package itself.
if (process.argv.includes('--firefox')) {
  const { runFirefoxDemo } = await import('./demo-firefox.js');
  process.exit(await runFirefoxDemo());
}

const headless = process.argv.includes('--headless') || !process.env.DISPLAY;
const out = join(repoRoot, 'demo-output');
const docsOut = process.argv.includes('--docs') ? join(repoRoot, 'docs', 'screenshots') : null;
// A demo-only password: the demo profile is thrown away when the demo ends.
const DEMO_PASSWORD = 'demo orchid lantern 42 ferry';
const KEY_NAME = 'Invoice sync (ERP)';
const en = LABELS.en;

try {
  resolveChromiumPath();
} catch (e) {
  console.error(`demo: ${(e as Error).message.replace(/^KeyGuard e2e: /, '')}`);
  process.exit(1);
}

const site = await startDocbitsSite({ lifetimeMs: headless ? 10 * 60_000 : 8 * 3600_000 });
const ext = await launchExtension({ extraArgs: site.chromiumArgs(), headless });
console.log(
  `KeyGuard ${ext.extensionId} loaded; DocBits replica at ${site.origin()} (127.0.0.1:${site.port})`,
);

/** Arrives on the integration page the way an admin does: settings overview → "Integration" row. */
async function openIntegration(page: Page, ui: 'current' | 'legacy'): Promise<void> {
  await page.goto(site.url(`/setting?ui=${ui}&lang=en&seed=default`));
  await page.getByRole('link', { name: 'Integration' }).first().click();
  await page.waitForURL('**/settings/integration');
  await idle(page);
}

/** The replica fetches its data after rendering, like DocBits; resolves once it has arrived. */
function idle(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.idle());
}

/** A demo step that did not do what it shows fails the demo, with what was expected. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`demo: expected ${what}`);
  console.log(`  ✔ ${what}`);
}

/** Polls `probe` until it is true or `timeoutMs` passes. */
async function until(page: Page, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await page.waitForTimeout(150);
  }
}

async function walk(browser: ExtensionBrowser): Promise<string[]> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const shots: string[] = [];
  if (docsOut) mkdirSync(docsOut, { recursive: true });
  /** A viewport screenshot into demo-output/; with --docs, `crop` (or the viewport) also into docs/. */
  type Crop = Locator | 'viewport' | { x: number; y: number; width: number; height: number };
  const shot = async (page: Page, name: string, crop?: Crop) => {
    const file = join(out, `${name}.png`);
    await page.screenshot({ path: file });
    shots.push(file);
    console.log(`  screenshot ${file}`);
    if (docsOut && crop) {
      const docFile = join(docsOut, `${name.replace(/^\d+-/, '')}.png`);
      if (crop === 'viewport') await page.screenshot({ path: docFile });
      else if ('width' in crop) await page.screenshot({ path: docFile, clip: crop });
      else await crop.first().screenshot({ path: docFile });
      console.log(`  docs ${docFile}`);
    }
  };
  const dialogCard = (page: Page) => page.locator('.q-dialog .q-card');

  console.log('1. Create the vault (popup)');
  const popup = await openPopup(browser);
  await popup.setViewportSize({ width: 380, height: 560 });
  await findByName(popup, 'Create vault', 'button');
  await shot(popup, '01-popup-create-vault', 'viewport');
  await (await findByName(popup, 'Master password', 'textbox')).fill(DEMO_PASSWORD);
  await (await findByName(popup, 'Confirm master password', 'textbox')).fill(DEMO_PASSWORD);
  await (await findByName(popup, 'Create vault', 'button')).click();
  await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
  check(true, 'the vault was created and is unlocked');
  await shot(popup, '02-popup-empty-vault');

  console.log('2. Create a key in DocBits (Settings → Integration → Create API Key)');
  const page = await browser.context.newPage();
  await openIntegration(page, 'current');
  check(
    await until(page, async () => {
      const r = await rowAnnotations(page);
      return r.rows > 0 && r.rows === r.annotated;
    }),
    'every row of the key table carries a KeyGuard mark ("Not in KeyGuard")',
  );
  await shot(page, '03-docbits-key-table');
  const key = await createKeyInDocbits(page, en, {
    name: KEY_NAME,
    description: 'Nightly invoice upload from the ERP',
    expiration: '90 days',
  });
  await findByName(page, 'Show API key', 'button');
  check((await textSecurity(page, SHOW_ONCE_CODE)) === 'disc', 'the key DocBits shows once is masked');
  await shot(page, '04-docbits-new-key-masked', dialogCard(page));

  console.log('3. Show / Hide, then "Copy API key"');
  await (await control(page, 'Show API key')).click();
  check(
    await until(page, async () => (await textSecurity(page, SHOW_ONCE_CODE)) !== 'disc'),
    '"Show API key" reveals it',
  );
  await (await control(page, 'Hide API key')).click();
  check(
    await until(page, async () => (await textSecurity(page, SHOW_ONCE_CODE)) === 'disc'),
    '"Hide API key" masks it again',
  );
  await writeClipboard(page, 'before the demo copy');
  await (await control(page, 'Copy API key')).click();
  check(
    await until(page, async () => (await readClipboard(page)) === key),
    'the clipboard holds the new key after "Copy API key" (it clears itself after 30 s)',
  );
  await shot(page, '05-docbits-copied');

  console.log('4. "Save to KeyGuard"');
  await (await control(page, 'Save to KeyGuard')).click();
  const nameField = await findByName(page, 'Name', 'textbox');
  check(
    (await nameField.value()) === KEY_NAME,
    'the save form is prefilled with the name typed into DocBits',
  );
  await shot(page, '06-save-to-keyguard-form', dialogCard(page));
  await (await control(page, 'Save')).click();
  await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 15_000 });
  check(true, 'the key is saved in KeyGuard');
  await shot(page, '07-saved-in-keyguard', dialogCard(page));

  console.log("5. DocBits' Done → the key table");
  const done = page.getByRole('button', { name: en.done, exact: true });
  await page.getByRole('checkbox', { name: en.confirm, exact: true }).click();
  check(await until(page, () => done.isEnabled(), 3_000), "DocBits' Done is enabled after the checkbox");
  await done.click();
  await page.locator(SHOW_ONCE_CODE).waitFor({ state: 'detached', timeout: 5_000 });
  await idle(page);
  const { key_prefix: prefix } = await docbitsRecord(page, KEY_NAME);
  await findInRow(page, 'In KeyGuard', prefix);
  await findInRow(page, 'Copy full key', prefix, 'button');
  check(true, 'the new row is marked "In KeyGuard" with "Copy full key"');
  // Let DocBits' "API key created" toast fade out of the picture.
  await page
    .locator('.q-notification')
    .first()
    .waitFor({ state: 'detached', timeout: 8_000 })
    .catch(() => {});
  await shot(page, '08-docbits-table-in-keyguard', page.locator('.api-keys-card'));

  console.log('6. The popup list');
  await popup.reload({ waitUntil: 'domcontentloaded' });
  await findByName(popup, `Copy ${KEY_NAME}`, 'button', { timeoutMs: 15_000 });
  check(true, 'the popup lists the saved key');
  await shot(popup, '09-popup-list', 'viewport');

  console.log('7. The options page');
  const options = await openOptions(browser);
  await options.setViewportSize({ width: 1100, height: 900 });
  await findByName(options, 'Export vault', 'button', { timeoutMs: 15_000 });
  await findByName(options, `Edit ${KEY_NAME}`, 'button', { timeoutMs: 15_000 });
  check(true, 'the options page lists the key and offers the encrypted backup');
  await shot(options, '10-options', { x: 0, y: 0, width: 1100, height: 380 });

  console.log('8. Lock');
  await popup.bringToFront();
  await (await findByName(popup, 'Lock', 'button')).click();
  await findByName(popup, 'Unlock', 'button');
  check(true, 'the vault is locked');
  await shot(popup, '11-popup-locked');

  console.log('9. The older single-key DocBits page');
  await page.bringToFront();
  await openIntegration(page, 'legacy');
  await page.locator(LEGACY_INPUT).waitFor({ state: 'visible', timeout: 10_000 });
  await findByName(page, 'Show API key', 'button');
  check(
    await until(page, async () => (await textSecurity(page, LEGACY_INPUT)) === 'disc'),
    'the key in the older page is masked too',
  );
  await shot(page, '12-docbits-legacy-masked', page.locator('.q-expansion-item'));
  return shots;
}

if (headless) {
  let failed = false;
  try {
    const shots = await walk(ext);
    console.log(`demo: done; ${shots.length} screenshots in ${out}`);
  } catch (e) {
    failed = true;
    console.error(`demo failed: ${(e as Error).message}`);
  } finally {
    await ext.close();
    await site.close();
  }
  process.exit(failed ? 1 : 0);
} else {
  const page = ext.context.pages()[0] ?? (await ext.context.newPage());
  await openIntegration(page, 'current');
  await openPopup(ext);
  console.log(
    'demo: Chromium is open on the DocBits replica, with the KeyGuard popup in a second tab: create a vault ' +
      'there, then "+ Create API Key" on the integration page. Close the window to end.',
  );
  await new Promise<void>((resolve) => ext.context.on('close', () => resolve()));
  await site.close();
}

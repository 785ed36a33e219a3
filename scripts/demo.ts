/**
 * `npm run demo` (after `wxt build`): serves the DocBits replica as https://app.docbits.com, launches
 * Chromium with a fresh profile and KeyGuard loaded, and opens the integration page by client-side
 * navigation, as a user arrives there. With a display it leaves a normal window open; with `--headless`
 * (or no display) it walks the flows this version has by itself and writes screenshots to demo-output/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  type ExtensionBrowser,
  findByName,
  launchExtension,
  openPopup,
  repoRoot,
  resolveChromiumPath,
  startDocbitsSite,
} from '../test/e2e/harness/index.js';

const headless = process.argv.includes('--headless') || !process.env.DISPLAY;
const out = join(repoRoot, 'demo-output');
// A demo-only password: the demo profile is thrown away when the demo ends.
const DEMO_PASSWORD = 'demo orchid lantern 42 ferry';

try {
  resolveChromiumPath();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}

const site = await startDocbitsSite({ lifetimeMs: headless ? 10 * 60_000 : 8 * 3600_000 });
const ext = await launchExtension({ extraArgs: site.chromiumArgs(), headless });
console.log(
  `KeyGuard ${ext.extensionId} loaded; DocBits replica at ${site.origin()} (127.0.0.1:${site.port})`,
);

/** Arrives on the integration page the way an admin does: settings overview → "Integration" row. */
async function openIntegration(page: Page, ui: 'current' | 'legacy'): Promise<void> {
  await page.goto(site.url(`/setting?ui=${ui}&lang=en`));
  await page.getByRole('link', { name: 'Integration' }).first().click();
  await page.waitForURL('**/settings/integration');
  // The replica fetches its data after rendering, like DocBits; wait until it has arrived.
  await page.evaluate(() => (window as unknown as { __docbits: { idle(): Promise<void> } }).__docbits.idle());
}

async function walk(browser: ExtensionBrowser): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const shot = async (page: Page, name: string) => {
    const file = join(out, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`  screenshot ${file}`);
  };

  const popup = await openPopup(browser);
  await popup.setViewportSize({ width: 360, height: 480 });
  await findByName(popup, 'Create vault', 'button');
  await shot(popup, '01-popup-create');
  await (await findByName(popup, 'Master password', 'textbox')).fill(DEMO_PASSWORD);
  await (await findByName(popup, 'Confirm master password', 'textbox')).fill(DEMO_PASSWORD);
  await (await findByName(popup, 'Create vault', 'button')).click();
  await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
  await shot(popup, '02-popup-unlocked');
  await (await findByName(popup, 'Lock', 'button')).click();
  await findByName(popup, 'Unlock', 'button');
  await shot(popup, '03-popup-locked');

  const page = await browser.context.newPage();
  await openIntegration(page, 'current');
  await shot(page, '04-docbits-current-ui');
  await openIntegration(page, 'legacy');
  await shot(page, '05-docbits-legacy-ui');
}

if (headless) {
  try {
    await walk(ext);
    console.log(`demo: done; screenshots in ${out}`);
  } finally {
    await ext.close();
    await site.close();
  }
} else {
  const page = ext.context.pages()[0] ?? (await ext.context.newPage());
  await openIntegration(page, 'current');
  await openPopup(ext);
  console.log('demo: Chromium is open (integration page and KeyGuard popup tab); close the window to end.');
  await new Promise<void>((resolve) => ext.context.on('close', () => resolve()));
  await site.close();
}

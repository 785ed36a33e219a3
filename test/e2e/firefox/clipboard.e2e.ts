/**
 * Firefox: a copied key is cleared from the clipboard even when the background was suspended in between.
 *
 * Firefox's MV3 background is an event page, suspended after `extensions.background.idle.timeout` without
 * events; a pending `setTimeout` dies with it. The idle timeout is set to 3 s here (default 30 s) so the
 * suspension surely comes before the clear, with the copy as the last action. Secrets never reach a log.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSecrets } from '../harness/secrets.js';
import {
  addEntry,
  backgroundState,
  call,
  clipboardBecomes,
  createVaultInPopup,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  launchExtension,
  navigate,
  openPopup,
  openUrl,
  startHttpsServer,
  waitForBackground,
  writeClipboard,
} from './harness/index.js';

const READER_HOST = 'clipboard-reader.keyguard.test';
const IDLE_MS = 3_000;

let ext: ExtensionBrowser;
let site: HttpsServer;
let popup: Page;
/** A plain page (no KeyGuard script runs there) from which the test reads the clipboard. */
let reader: Page;
const [first, second] = randomSecrets(2).map((s) => s.value) as [string, string];

beforeAll(async () => {
  site = await startHttpsServer({
    hosts: [READER_HOST],
    routes: { '/': { body: '<!doctype html><title>reader</title><p>clipboard reader</p>' } },
  });
  ext = await launchExtension({ site, backgroundIdleMs: IDLE_MS });
  popup = await openPopup(ext);
  await createVaultInPopup(popup);
  await addEntry(popup, 'Thirty', first);
  await addEntry(popup, 'Sixty', second);
  reader = await openUrl(ext, site.url('/', READER_HOST));
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

/**
 * Sets the clear delay, copies `name` with the popup's own button as the last action, closes the popup, and
 * checks: the key is on the clipboard, the background is suspended before the deadline, the key is still
 * there shortly before the deadline and gone shortly after it.
 */
async function copyThenWaitForClear(seconds: number, name: string, key: string): Promise<void> {
  await navigate(popup, `${ext.origin}/popup.html`);
  await call(popup, 'settings.set', { patch: { clipboardClearSeconds: seconds } });
  await writeClipboard(reader, 'before-copy');
  // Reopen so the list shows the entries, then copy: nothing of KeyGuard's runs after this click.
  await navigate(popup, `${ext.origin}/popup.html`);
  const button = await findByName(popup, `Copy ${name}`, 'button', { timeoutMs: 15_000 });
  await button.click();
  const copiedAt = Date.now();
  expect(await clipboardBecomes(reader, key, true, 5_000), 'the key is on the clipboard after Copy').toBe(
    true,
  );
  await navigate(popup, 'about:blank');

  const stoppedAfter = await waitForBackground(ext, 'stopped', 20_000);
  const suspendedAt = Date.now();
  expect(suspendedAt - copiedAt, 'the background was suspended before the clear was due').toBeLessThan(
    seconds * 1000 - 5_000,
  );
  void stoppedAfter;

  // Still there 3 s before the deadline: the clear is not early.
  const early = copiedAt + seconds * 1000 - 3_000 - Date.now();
  if (early > 0) await new Promise((r) => setTimeout(r, early));
  expect(
    await clipboardBecomes(reader, key, true, 0),
    'the key is still there just before the deadline',
  ).toBe(true);

  // Gone within 10 s after the deadline.
  const left = copiedAt + seconds * 1000 + 10_000 - Date.now();
  const cleared = await clipboardBecomes(reader, key, false, left);
  expect(
    cleared,
    `the clipboard was cleared by ${seconds + 10} s after the copy (background ${await backgroundState(ext)})`,
  ).toBe(true);
}

describe('Firefox: the clipboard clear survives the background being suspended', () => {
  it('clears after 30 s (the default) with the copy as the last action', async () => {
    await copyThenWaitForClear(30, 'Thirty', first);
  });

  it('clears after 60 s with the copy as the last action', async () => {
    await copyThenWaitForClear(60, 'Sixty', second);
  });
});

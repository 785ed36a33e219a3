/**
 * Firefox: the vault and the popup, end to end in the Firefox build — created through the popup, quick
 * search and copy, lock and unlock, and the background (an event page) suspended and woken with its state
 * kept. One browser for the file; the tests run in order. Secrets are compared as booleans, never printed.
 *
 * Not here: auto-lock after idle (Firefox's idle detection needs ≥ 60 s without input, and the alarm runs
 * once a minute — covered by test/unit/autolock.test.ts and the Chromium suites).
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSecrets } from '../harness/secrets.js';
import {
  addEntry,
  addonConsoleProblems,
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
  PASSWORD,
  queryAllByName,
  startHttpsServer,
  stopBackground,
  typeText,
  unlockInPopup,
  waitForBackground,
} from './harness/index.js';

const READER_HOST = 'clipboard-reader.keyguard.test';
const CLEAR_SECONDS = 10;
const [billing, archive, zurich] = randomSecrets(3).map((s) => s.value) as [string, string, string];

let ext: ExtensionBrowser;
let site: HttpsServer;
let popup: Page;
let reader: Page;

interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
}

beforeAll(async () => {
  site = await startHttpsServer({
    hosts: [READER_HOST],
    routes: { '/': { body: '<!doctype html><title>reader</title><p>clipboard reader</p>' } },
  });
  ext = await launchExtension({ site });
  reader = await openUrl(ext, site.url('/', READER_HOST));
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

const rows = (page: Page) => page.evaluate(() => document.querySelectorAll('li.key-row').length);

describe('Firefox: vault and popup', () => {
  it('starts without an "unimplemented" warning for the add-on', async () => {
    const problems = (await addonConsoleProblems(ext)).filter((m) => /unimplemented/i.test(m));
    expect(problems).toEqual([]);
  });

  it('creates the vault in the popup and shows the (empty) list', async () => {
    popup = await openPopup(ext);
    await createVaultInPopup(popup);
    await findByName(popup, 'Search keys', 'searchbox');
    expect((await call<VaultStatus>(popup, 'vault.status')).unlocked).toBe(true);
    await call(popup, 'settings.set', { patch: { clipboardClearSeconds: CLEAR_SECONDS } });
    await addEntry(popup, 'Billing export', billing);
    await addEntry(popup, 'Archive sync', archive);
    await addEntry(popup, 'Zürich Rückversicherung', zurich);
  });

  it('reopens on the list with the search focused, and finds keys by name without diacritics', async () => {
    await navigate(popup, `${ext.origin}/popup.html`);
    const search = await findByName(popup, 'Search keys', 'searchbox');
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    await findByName(popup, 'Copy Billing export', 'button');
    await findByName(popup, 'Copy Archive sync', 'button');
    await typeText(popup, 'zurich ruck');
    await findByName(popup, 'Copy Zürich Rückversicherung', 'button');
    await expect.poll(() => rows(popup), { message: 'only the match is listed' }).toBe(1);
  });

  it('copies the selected key with Enter, then "Copy NAME" copies that key; cleared after the set time', async () => {
    await typeText(popup, '\uE007'); // Enter
    expect(await clipboardBecomes(reader, zurich, true, 5_000), 'Enter copied the Zürich key').toBe(true);
    const search = await findByName(popup, 'Search keys', 'searchbox');
    await search.fill('');
    await expect.poll(() => rows(popup)).toBe(3);
    const copiedAt = Date.now();
    await (await findByName(popup, 'Copy Billing export', 'button')).click();
    expect(await clipboardBecomes(reader, billing, true, 5_000), 'the clipboard holds the Billing key').toBe(
      true,
    );
    expect(
      await clipboardBecomes(reader, billing, false, CLEAR_SECONDS * 1000 + 10_000),
      'the clipboard is cleared after the set time',
    ).toBe(true);
    expect(Date.now() - copiedAt, 'not before the clear time').toBeGreaterThanOrEqual(
      (CLEAR_SECONDS - 1) * 1000,
    );
  });

  it('locks with "Lock" and unlocks with the master password', async () => {
    await (await findByName(popup, 'Lock', 'button')).click();
    await findByName(popup, 'Unlock', 'button', { timeoutMs: 10_000 });
    expect((await call<VaultStatus>(popup, 'vault.status')).unlocked).toBe(false);
    expect(await queryAllByName(popup, 'Copy Billing export', 'button')).toHaveLength(0);
    const wrong = await call<VaultStatus>(popup, 'vault.unlock', { password: `${PASSWORD}x` }).catch(
      (e: Error) => e,
    );
    expect(wrong instanceof Error, 'a wrong password is refused').toBe(true);
    // The back-off after a failed unlock: wait until the popup's Unlock works again.
    await new Promise((r) => setTimeout(r, 1_500));
    await unlockInPopup(popup);
    await findByName(popup, 'Copy Archive sync', 'button');
  });

  it('the background suspended and woken keeps the vault unlocked and its entries', async () => {
    await navigate(popup, 'about:blank');
    await stopBackground(ext);
    expect(await backgroundState(ext)).toBe('stopped');
    await navigate(popup, `${ext.origin}/popup.html`);
    // Opening the popup sends messages: they wake the background.
    await findByName(popup, 'Copy Archive sync', 'button', { timeoutMs: 15_000 });
    await waitForBackground(ext, 'running');
    expect((await call<VaultStatus>(popup, 'vault.status')).unlocked, 'still unlocked after the wake').toBe(
      true,
    );
    expect(await call<unknown[]>(popup, 'entry.list')).toHaveLength(3);
    const entry = await call<{ secret: string }>(popup, 'entry.get', {
      id: (await call<{ id: string; name: string }[]>(popup, 'entry.list')).find(
        (e) => e.name === 'Archive sync',
      )?.id,
    });
    expect(entry.secret === archive, 'the entry still decrypts after the wake').toBe(true);
  });

  it('locking is kept across a suspension too', async () => {
    await call(popup, 'vault.lock');
    await navigate(popup, 'about:blank');
    await stopBackground(ext);
    await navigate(popup, `${ext.origin}/popup.html`);
    await findByName(popup, 'Unlock', 'button', { timeoutMs: 15_000 });
    expect((await call<VaultStatus>(popup, 'vault.status')).unlocked).toBe(false);
  });
});

/**
 * Firefox: KeyGuard on the DocBits page — the replica (test/fixtures/docbits) served as
 * https://app.docbits.com, both UIs. Controls in KeyGuard's closed shadow roots are found by accessible
 * name over BiDi and clicked with trusted input. One browser for the file; the tests run in order.
 * Keys are compared as booleans and never printed.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, EntrySummary } from '../../../lib/vault/model';
import {
  becomes,
  call,
  clipboardBecomes,
  control,
  createKeyInDocbits,
  docbitsRecord,
  type ExtensionBrowser,
  findByName,
  findInRow,
  finishShowOnce,
  type HttpsServer,
  idle,
  isShown,
  KEYGUARD_HOST,
  keyguardMessages,
  LEGACY_INPUT,
  launchExtension,
  maskBeforePaint,
  navigate,
  openPopup,
  openUrl,
  PASSWORD,
  rowAnnotations,
  SHOW_ONCE_CODE,
  startDocbitsSite,
  textSecurity,
  watchMaskBeforePaint,
  writeClipboard,
} from './harness/index.js';

const CLEAR_SECONDS = 10;

let site: HttpsServer;
let ext: ExtensionBrowser;
/** An extension page for protocol calls. */
let ctl: Page;
/** The DocBits tab. */
let page: Page;

async function entriesNamed(name: string): Promise<EntrySummary[]> {
  return (await call<EntrySummary[]>(ctl, 'entry.list')).filter((e) => e.name === name);
}

async function open(path: string, params: Record<string, string>): Promise<void> {
  const q = new URLSearchParams({ delay: '60', ...params });
  await navigate(page, site.url(`${path}?${q}`));
  await idle(page);
}

async function allRowsAnnotated(): Promise<boolean> {
  return becomes(
    async () => {
      const { rows, annotated } = await rowAnnotations(page);
      return rows > 0 && rows === annotated;
    },
    true,
    8_000,
  );
}

beforeAll(async () => {
  site = await startDocbitsSite();
  ext = await launchExtension({ site });
  ctl = await openPopup(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
  await call(ctl, 'settings.set', { patch: { clipboardClearSeconds: CLEAR_SECONDS } });
  page = await openUrl(ext, 'about:blank');
});

beforeEach(async () => {
  const status = await call<{ unlocked: boolean }>(ctl, 'vault.status');
  if (!status.unlocked) await call(ctl, 'vault.unlock', { password: PASSWORD });
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

describe('Firefox: KeyGuard on the DocBits page (current UI)', () => {
  const name = `Invoice sync ${randomBytes(3).toString('hex')}`;
  const description = 'Nightly upload from the ERP';
  let key = '';
  let entryId = '';

  it('annotates every table row, masks the new key before paint, shows and hides it', async () => {
    await open('/settings/integration', { ui: 'current', lang: 'en', seed: 'default' });
    expect(await allRowsAnnotated(), 'every key-table row gets a KeyGuard mark').toBe(true);
    await watchMaskBeforePaint(page, SHOW_ONCE_CODE);
    key = await createKeyInDocbits(page, name, description);
    expect(key.length > 0, 'the show-once dialog shows a key').toBe(true);
    expect(await maskBeforePaint(page), 'the key was masked in the first frame it appeared').toBe('disc');
    expect(await textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');

    await (await control(page, 'Show API key')).click();
    expect(await becomes(() => textSecurity(page, SHOW_ONCE_CODE), 'none'), 'Show API key reveals it').toBe(
      true,
    );
    await (await control(page, 'Hide API key')).click();
    expect(await becomes(() => textSecurity(page, SHOW_ONCE_CODE), 'disc'), 'Hide API key masks it').toBe(
      true,
    );
  });

  it('copies the key with "Copy API key" (cleared after the set time) and captures it with "Save to KeyGuard"', async () => {
    await writeClipboard(page, 'before-keyguard-copy');
    await (await control(page, 'Copy API key')).click();
    const copiedAt = Date.now();
    expect(
      await clipboardBecomes(page, key, true, 5_000),
      'the clipboard holds the key after Copy API key',
    ).toBe(true);

    await (await control(page, 'Save to KeyGuard')).click();
    const nameField = await control(page, 'Name', 'textbox');
    expect(await nameField.value(), 'Name is prefilled from the create dialog').toBe(name);
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message} (KeyGuard said: ${(await keyguardMessages(page)).join(' | ')})`);
    });
    expect(await isShown(page, 'Save to KeyGuard', 'button'), 'the Save button is gone once saved').toBe(
      false,
    );
    const saved = await entriesNamed(name);
    expect(saved.length, 'exactly one entry was saved').toBe(1);
    entryId = saved[0]?.id ?? '';
    const entry = await call<Entry>(ctl, 'entry.get', { id: entryId });
    expect(entry.secret === key, 'the saved secret is the shown key').toBe(true);
    expect(entry.source).toBe('captured');
    expect(entry.orgId, 'the organisation id was read from the page').toMatch(/^[0-9a-f-]{36}$/);

    const left = CLEAR_SECONDS * 1000 - (Date.now() - copiedAt);
    expect(await clipboardBecomes(page, key, false, left + 8_000), 'the clipboard is cleared').toBe(true);
    expect(Date.now() - copiedAt, 'not cleared before its time').toBeGreaterThanOrEqual(
      CLEAR_SECONDS * 1000 - 500,
    );
  });

  it("after DocBits' Done the table row shows In KeyGuard and Copy full key copies the full key", async () => {
    await finishShowOnce(page);
    const prefix = (await docbitsRecord(page, name)).key_prefix;
    expect(await allRowsAnnotated()).toBe(true);
    await findInRow(page, 'In KeyGuard', prefix);
    const copyFull = await findInRow(page, 'Copy full key', prefix, 'button');
    await writeClipboard(page, 'before-copy-full-key');
    await copyFull.click();
    expect(
      await clipboardBecomes(page, key, true, 5_000),
      'Copy full key put the full key on the clipboard',
    ).toBe(true);
    const entry = await call<Entry>(ctl, 'entry.get', { id: entryId });
    expect(entry.prefix, 'the vault learned the DocBits prefix of the captured key').toBe(prefix);
  });
});

describe('Firefox: saving while the vault is locked', () => {
  it('opens the unlock window and finishes the save by itself after unlocking', async () => {
    const name = `Locked path ${randomBytes(3).toString('hex')}`;
    await call(ctl, 'vault.lock');
    const key = await createKeyInDocbits(page, name, 'saved while locked');
    await (await control(page, 'Save to KeyGuard')).click();
    await control(page, 'Name', 'textbox');
    await (await control(page, 'Save')).click();
    // The unlock window is a new browser window (windows.create); its page, once it is there.
    let found: Page | undefined;
    await becomes(
      async () => {
        // Asked in the page: puppeteer's own URL for a window opened on a moz-extension page can lag.
        for (const p of await ext.browser.pages()) {
          const href = await p.evaluate(() => location.href).catch(() => '');
          if (href.includes('popup.html?window=unlock')) found = p;
        }
        return found !== undefined;
      },
      true,
      10_000,
    );
    const win = found;
    if (!win) throw new Error(`no unlock window (pages: ${(await ext.browser.pages()).length})`);
    await (await findByName(win, 'Master password', 'textbox', { timeoutMs: 10_000 })).fill(PASSWORD);
    await (await findByName(win, 'Unlock', 'button')).click();

    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 20_000 });
    const saved = await entriesNamed(name);
    expect(saved.length, 'the entry was saved once').toBe(1);
    const entry = await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' });
    expect(entry.secret === key, 'the saved secret is the shown key').toBe(true);
    // Closed when its page no longer answers (puppeteer's isClosed does not follow a window.close() here).
    const closed = async () => win.isClosed() || (await win.evaluate(() => false).catch(() => true));
    const stillThere = async () =>
      (
        await Promise.all(
          (await ext.browser.pages()).map((p) => p.evaluate(() => location.href).catch(() => '')),
        )
      ).filter((h) => h.includes('window=unlock')).length;
    expect(
      await becomes(closed, true, 5_000),
      `the unlock window closes itself (open: ${await stillThere()})`,
    ).toBe(true);
    await finishShowOnce(page);
  });
});

describe('Firefox: KeyGuard on the DocBits page (legacy UI)', () => {
  it('masks the key once it arrives; Show/Hide, Copy and Save work', async () => {
    await open('/settings/integration', { ui: 'legacy', lang: 'en', delay: '400' });
    expect(
      await becomes(
        () => page.evaluate((sel) => !!document.querySelector<HTMLInputElement>(sel)?.value, LEGACY_INPUT),
        true,
        10_000,
      ),
      'the legacy key arrives',
    ).toBe(true);
    expect(await textSecurity(page, LEGACY_INPUT)).toBe('disc');
    const key = await page.evaluate(
      (sel) => document.querySelector<HTMLInputElement>(sel)?.value ?? '',
      LEGACY_INPUT,
    );

    await (await control(page, 'Show API key')).click();
    expect(await becomes(() => textSecurity(page, LEGACY_INPUT), 'none')).toBe(true);
    await (await control(page, 'Hide API key')).click();
    expect(await becomes(() => textSecurity(page, LEGACY_INPUT), 'disc')).toBe(true);

    await writeClipboard(page, 'before-legacy-copy');
    await (await control(page, 'Copy API key')).click();
    expect(await clipboardBecomes(page, key, true, 5_000), 'Copy API key copied the legacy key').toBe(true);

    const name = `Legacy key ${randomBytes(3).toString('hex')}`;
    await (await control(page, 'Save to KeyGuard')).click();
    await (await control(page, 'Name', 'textbox')).fill(name);
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    const saved = await entriesNamed(name);
    expect(saved.length).toBe(1);
    const entry = await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' });
    expect(entry.secret === key, 'the saved secret is the legacy key').toBe(true);
    expect(
      await page.evaluate((sel) => document.querySelectorAll(sel).length, KEYGUARD_HOST),
    ).toBeGreaterThan(0);
  });
});

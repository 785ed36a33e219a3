/**
 * The popup end to end, in the production build: create a vault in the popup, reopen it on three keys,
 * search (diacritics-insensitive), copy with the keyboard and with "Copy NAME", check the real clipboard
 * holds the key and is cleared after the configured time, open the key's DocBits page, and lock.
 *
 * Secrets are never printed: clipboard comparisons are reduced to booleans.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntrySummary } from '../../lib/vault/model';
import {
  call,
  DOCBITS_HOST,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  launchExtension,
  openPopup,
  randomSecrets,
  readClipboard,
  startDocbitsSite,
} from './harness/index.js';

/** A fresh master password per run (never printed). */
const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const CLEAR_SECONDS = 10;
const secrets = randomSecrets(3);
const KEYS = [
  { name: 'Billing export', orgId: 'Initech', environment: 'production', prefix: 'dbk_Bi11' },
  { name: 'Zürich Rückversicherung', orgId: 'Société Générale', environment: 'sandbox', prefix: 'dbk_Zu22' },
  { name: 'Archive sync', orgId: null, environment: 'other', prefix: 'dbk_Ar33' },
] as const;

let site: HttpsServer;
let ext: ExtensionBrowser;

beforeAll(async () => {
  site = await startDocbitsSite();
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

let reader: Page | undefined;

/**
 * Whether the clipboard holds exactly `secret` (the value itself never leaves here). Read from a page of the
 * local DocBits site (the harness reads from http(s) origins), then the popup gets the focus back.
 */
async function clipboardHolds(popup: Page, secret: string): Promise<boolean> {
  if (!reader) {
    reader = await ext.context.newPage();
    await reader.goto(site.url('/'), { waitUntil: 'domcontentloaded' });
  }
  const holds = (await readClipboard(reader)) === secret;
  await popup.bringToFront();
  return holds;
}

/** Everything in an extension storage area, as JSON text, read from an extension page (names only here). */
function areaText(page: Page, area: 'session' | 'local'): Promise<string> {
  return page.evaluate(async (name) => {
    type Area = { get(keys: null): Promise<Record<string, unknown>> };
    const { storage } = (globalThis as unknown as { chrome: { storage: Record<string, Area> } }).chrome;
    return JSON.stringify(await storage[name]?.get(null));
  }, area);
}
const sessionText = (page: Page) => areaText(page, 'session');
const localText = (page: Page) => areaText(page, 'local');

/** The list cache's head as the popup reads it (lib/vault/list-cache.ts, LIST_HEAD_KEY). */
async function cachedHead(page: Page): Promise<{ policy?: unknown } | null> {
  const raw = (JSON.parse(await sessionText(page)) as Record<string, unknown>)['keyguard.listHead'];
  return typeof raw === 'string' ? (JSON.parse(raw) as { policy?: unknown }) : null;
}

/** The page the toolbar button opens now (`action.getPopup`), as a path with its query. */
async function toolbarPopupPage(page: Page): Promise<string> {
  const url = await page.evaluate(() => {
    type Action = { getPopup(details: object): Promise<string> };
    return (globalThis as unknown as { chrome: { action: Action } }).chrome.action.getPopup({});
  });
  const { pathname, search } = new URL(url);
  return pathname + search;
}

/** The text of the popup's copy announcement (a polite `role="status"` region). */
function copiedStatus(page: Page) {
  return page.locator('p.copied[role="status"]');
}

describe('popup quick copy', () => {
  let popup: Page;

  it('creates the vault in the popup and shows the (empty) list', async () => {
    popup = await openPopup(ext);
    await (await findByName(popup, 'Master password', 'textbox')).fill(PASSWORD);
    await (await findByName(popup, 'Confirm master password', 'textbox')).fill(PASSWORD);
    await (await findByName(popup, 'Create vault', 'button')).click();
    await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
    await findByName(popup, 'Search keys', 'searchbox');
    await call(popup, 'settings.set', { patch: { clipboardClearSeconds: CLEAR_SECONDS } });
    for (const [i, key] of KEYS.entries()) {
      const secret = secrets[i]?.value ?? '';
      await call<EntrySummary>(popup, 'entry.add', {
        entry: { ...key, secret, host: DOCBITS_HOST, source: 'manual' },
      });
    }
    await popup.close();
  });

  it('reopens on the list with the search focused, and finds keys by name without diacritics', async () => {
    // Unlocked, with the list cache written, the toolbar opens the page that starts on the list's frame.
    const control = await openPopup(ext);
    expect(await toolbarPopupPage(control)).toBe('/popup.html?list=cached');
    await control.close();
    popup = await ext.context.newPage();
    await popup.goto(`${ext.origin}/popup.html?list=cached`, { waitUntil: 'domcontentloaded' });
    const search = await findByName(popup, 'Search keys', 'searchbox');
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    // Its stylesheet is a file of its own (popup-style.css, linked after the script): loaded and applied.
    await popup.waitForLoadState('load');
    expect(
      await popup.evaluate(() => ({
        sheets: [...document.styleSheets].map((s) => new URL(s.href ?? 'inline:', location.href).pathname),
        width: getComputedStyle(document.querySelector('main.popup.unlocked') as Element).width,
        rowHeight: getComputedStyle(document.querySelector('li.key-row') as Element).height,
      })),
    ).toEqual({ sheets: ['/popup-style.css'], width: '380px', rowHeight: '48px' });
    await findByName(popup, 'Copy Billing export', 'button');
    await findByName(popup, 'Copy Archive sync', 'button');
    await popup.keyboard.type('zurich ruck');
    await findByName(popup, 'Copy Zürich Rückversicherung', 'button');
    await expect
      .poll(() => popup.locator('li.key-row').count(), { message: 'only the match is listed' })
      .toBe(1);
    await expect.poll(() => popup.locator('.count').textContent()).toBe('1 of 3 keys');
  });

  it('copies the selected key with Enter: the clipboard holds it', async () => {
    await popup.keyboard.press('Enter');
    await expect
      .poll(() => copiedStatus(popup).textContent())
      .toBe(`Copied. The clipboard clears in ${CLEAR_SECONDS} s.`);
    expect(await clipboardHolds(popup, secrets[1]?.value ?? ''), 'the clipboard holds the Zürich key').toBe(
      true,
    );
  });

  it('Esc clears the search; "Copy NAME" copies that key, and the clipboard is cleared after the set time', async () => {
    const search = await findByName(popup, 'Search keys', 'searchbox');
    await search.focus();
    await popup.keyboard.press('Escape');
    expect(await search.value()).toBe('');
    await expect.poll(() => popup.locator('li.key-row').count()).toBe(3);
    await popup.keyboard.type('dbk_bi');
    const copiedAt = Date.now();
    await (await findByName(popup, 'Copy Billing export', 'button')).click();
    await expect
      .poll(() => copiedStatus(popup).textContent())
      .toBe(`Copied. The clipboard clears in ${CLEAR_SECONDS} s.`);
    expect(await clipboardHolds(popup, secrets[0]?.value ?? ''), 'the clipboard holds the Billing key').toBe(
      true,
    );
    await expect
      .poll(async () => clipboardHolds(popup, secrets[0]?.value ?? ''), {
        timeout: (CLEAR_SECONDS + 15) * 1000,
        interval: 1000,
        message: 'the clipboard still holds the key after the clear time',
      })
      .toBe(false);
    expect(Date.now() - copiedAt, 'cleared, but not before the clear time').toBeGreaterThanOrEqual(
      (CLEAR_SECONDS - 1) * 1000,
    );
    expect(await clipboardHolds(popup, secrets[1]?.value ?? ''), 'the earlier key is not back').toBe(false);
  });

  it("opens the key's DocBits API-key page in a new tab", async () => {
    const opened = ext.context.waitForEvent('page', { timeout: 10_000 });
    await (await findByName(popup, 'Open DocBits API keys', 'link')).click();
    const tab = await opened;
    await tab.waitForURL(`https://${DOCBITS_HOST}/settings/integration`, { waitUntil: 'commit' });
    expect(new URL(popup.url()).pathname).toBe('/popup.html');
    await tab.close();
  });

  it('while unlocked, the popup list cache in storage.session holds the names (and never storage.local)', async () => {
    const session = await sessionText(popup);
    for (const key of KEYS) expect(session.includes(key.name), `"${key.name}" in the cache`).toBe(true);
    expect((await localText(popup)).includes('Billing export'), 'no name in storage.local').toBe(false);
  });

  it("the cache's head follows a change of the rotation settings (the first screen's badges come from it)", async () => {
    const policy = async () => (await cachedHead(popup))?.policy;
    const before = await call<{ rotationDays: number; reminderLeadDays: number }>(popup, 'settings.get');
    expect(await policy()).toEqual({
      rotationDays: before.rotationDays,
      reminderLeadDays: before.reminderLeadDays,
    });
    await call(popup, 'settings.set', { patch: { rotationDays: 45, reminderLeadDays: 3 } });
    expect(await policy()).toEqual({ rotationDays: 45, reminderLeadDays: 3 });
    await call(popup, 'settings.set', {
      patch: { rotationDays: before.rotationDays, reminderLeadDays: before.reminderLeadDays },
    });
  });

  it('locks: the unlock form is shown', async () => {
    await popup.bringToFront();
    await (await findByName(popup, 'Lock', 'button')).click();
    await findByName(popup, 'Unlock', 'button');
    await findByName(popup, 'Master password', 'textbox');
    expect(await popup.locator('li.key-row').count()).toBe(0);
    expect((await call<{ unlocked: boolean }>(popup, 'vault.status')).unlocked).toBe(false);
  });

  it('after lock, storage.session holds no names (the popup list cache is gone with the key)', async () => {
    const session = await sessionText(popup);
    expect(session.includes('keyguard.list'), 'the list cache (whole and head) is removed').toBe(false);
    for (const key of KEYS)
      expect(session.includes(key.name), `no "${key.name}" in storage.session`).toBe(false);
  });

  it('after lock, the toolbar opens the plain popup; a stale "list=cached" page still shows the unlock form', async () => {
    expect(await toolbarPopupPage(popup)).toBe('/popup.html');
    const stale = await ext.context.newPage();
    await stale.goto(`${ext.origin}/popup.html?list=cached`, { waitUntil: 'domcontentloaded' });
    await findByName(stale, 'Master password', 'textbox');
    await findByName(stale, 'Unlock', 'button');
    expect(await stale.locator('li.key-row').count()).toBe(0);
    expect(
      await stale.locator('input[type="search"]').count(),
      'no search box once the cache is found missing',
    ).toBe(0);
    await stale.close();
  });

  it('as the unlock window (?window=unlock), closes itself once unlocked', async () => {
    const win = await ext.context.newPage();
    await win.goto(`${ext.origin}/popup.html?window=unlock`, { waitUntil: 'domcontentloaded' });
    await (await findByName(win, 'Master password', 'textbox')).fill(PASSWORD);
    await (await findByName(win, 'Unlock', 'button')).click();
    await expect
      .poll(() => win.isClosed(), { timeout: 20_000, message: 'the unlock window closes itself' })
      .toBe(true);
    expect((await call<{ unlocked: boolean }>(popup, 'vault.status')).unlocked).toBe(true);
  });
});

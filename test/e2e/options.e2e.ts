/**
 * The options page end to end, in the production build: keys added, edited and deleted through its UI and
 * checked through the protocol from an extension page; an on-premise host added there gets KeyGuard's
 * content script (the DocBits replica served as docbits.example.test), and loses it when removed.
 *
 * The permission prompt: headless Chromium shows `permissions.request`'s prompt where nothing can click it
 * (the request stays pending). So the test first grants the site the way a user can in the browser's own UI
 * — chrome://extensions → KeyGuard → Site access → "On specific sites" (`developerPrivate.addHostPermission`).
 * That alone does not give the extension the host (`permissions.contains` stays false, nothing is registered);
 * the options page's "Add host" click then calls `permissions.request`, which Chromium answers `true`
 * without a prompt because the user already allowed the site, and everything after that is the real path:
 * settings.set → permissions.onAdded / settings hook → scripting.registerContentScripts → the page is masked.
 *
 * Secrets are never printed: comparisons are reduced to booleans.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../lib/settings';
import type { Entry, EntrySummary } from '../../lib/vault/model';
import {
  call,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  launchExtension,
  openExtensionPage,
  openOptions,
  queryAllByName,
  startDocbitsSite,
} from './harness/index.js';

const ONPREM = 'docbits.example.test';
const ONPREM_ORIGIN = `https://${ONPREM}/*`;
const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const SECRET = `dbk_live_${randomBytes(24).toString('base64url')}`;
const PREFIX = SECRET.slice(0, 13);
/** The legacy integration UI's key field (test/fixtures/docbits): masked by KeyGuard's stylesheet. */
const LEGACY_INPUT = 'label.q-input.api input[aria-label="Key"]';

let site: HttpsServer;
let ext: ExtensionBrowser;
let options: Page;

beforeAll(async () => {
  site = await startDocbitsSite({ hosts: ['app.docbits.com', ONPREM] });
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
  options = await openOptions(ext);
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

/** Waits until no rendered element has this accessible name. */
async function gone(page: Page, name: string, role?: string, timeoutMs = 10_000): Promise<void> {
  await expect
    .poll(async () => (await queryAllByName(page, name, role)).length, { timeout: timeoutMs, message: name })
    .toBe(0);
}

async function fill(page: Page, name: string, value: string, role = 'textbox'): Promise<void> {
  await (await findByName(page, name, role)).fill(value);
}

async function click(page: Page, name: string, role = 'button'): Promise<void> {
  await (await findByName(page, name, role)).click();
}

/**
 * Whether the page's text or any of its fields holds `text` (asked as a boolean, so a secret is never
 * printed).
 */
function pageShows(page: Page, text: string): Promise<boolean> {
  return page.evaluate(
    (t) =>
      (document.body.textContent ?? '').includes(t) ||
      [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')].some((f) =>
        f.value.includes(t),
      ),
    text,
  );
}

function hasHostPermission(page: Page): Promise<boolean> {
  return page.evaluate(
    (origin) =>
      (
        globalThis as unknown as {
          chrome: { permissions: { contains(p: { origins: string[] }): Promise<boolean> } };
        }
      ).chrome.permissions.contains({ origins: [origin] }),
    ONPREM_ORIGIN,
  );
}

/** The matches of KeyGuard's registered on-premise content script (none → []). */
async function registeredMatches(): Promise<string[]> {
  const worker = await ext.serviceWorker();
  return worker.evaluate(async () => {
    const scripting = (
      globalThis as unknown as {
        chrome: { scripting: { getRegisteredContentScripts(): Promise<Array<{ matches?: string[] }>> } };
      }
    ).chrome.scripting;
    return (await scripting.getRegisteredContentScripts()).flatMap((s) => s.matches ?? []);
  });
}

/** Opens the replica's legacy integration page on `host`; resolves once the key field holds the key. */
async function openLegacyIntegration(host: string): Promise<Page> {
  const page = await ext.context.newPage();
  await page.goto(`https://${host}/settings/integration?ui=legacy&lang=en&delay=60`, {
    waitUntil: 'domcontentloaded',
  });
  await page.waitForFunction((sel) => !!document.querySelector<HTMLInputElement>(sel)?.value, LEGACY_INPUT);
  return page;
}

function textSecurity(page: Page): Promise<string> {
  return page
    .locator(LEGACY_INPUT)
    .first()
    .evaluate((el) => getComputedStyle(el).getPropertyValue('-webkit-text-security'));
}

describe('options page', () => {
  it('is declared as the options page, opened in a tab', async () => {
    const worker = await ext.serviceWorker();
    const manifest = await worker.evaluate(() =>
      (
        globalThis as unknown as { chrome: { runtime: { getManifest(): unknown } } }
      ).chrome.runtime.getManifest(),
    );
    expect((manifest as { options_ui?: unknown }).options_ui).toEqual({
      page: 'options.html',
      open_in_tab: true,
    });
  });

  it('creates the vault, then adds, edits and deletes a key', async () => {
    // No vault yet: the page says so and offers the create form.
    await findByName(options, 'No vault yet', 'heading');
    await fill(options, 'Master password', PASSWORD);
    await fill(options, 'Confirm master password', PASSWORD);
    await click(options, 'Create vault');
    await findByName(options, 'Add key', 'button', { timeoutMs: 30_000 });

    // Add by hand. A wrong prefix is refused inline and nothing typed is lost.
    await click(options, 'Add key');
    await findByName(options, 'Add a key by hand', 'dialog');
    await fill(options, 'Key name', 'E2E manual key');
    await fill(options, 'API key', SECRET);
    await fill(options, 'Key prefix', 'dbk_test_');
    await fill(options, 'Rotate after (days)', '30');
    await fill(options, 'Organisation ID', 'org-e2e');
    await click(options, 'Add to vault');
    await expect
      .poll(() => pageShows(options, 'The key does not start with this prefix. Check both.'))
      .toBe(true);
    expect((await (await findByName(options, 'API key', 'textbox')).value()) === SECRET, 'key kept').toBe(
      true,
    );
    await fill(options, 'Key prefix', PREFIX);
    await click(options, 'Add to vault');
    await findByName(options, 'Edit E2E manual key', 'button');
    await gone(options, 'Add a key by hand', 'dialog');
    expect(await pageShows(options, SECRET), 'the options page shows the secret').toBe(false);

    let list = await call<EntrySummary[]>(options, 'entry.list');
    expect(list.map((e) => e.name)).toEqual(['E2E manual key']);
    const id = list[0]?.id ?? '';
    const stored = await call<Entry>(options, 'entry.get', { id });
    expect(stored.secret === SECRET, 'the stored secret is the pasted key').toBe(true);
    expect({
      source: stored.source,
      host: stored.host,
      prefix: stored.prefix,
      orgId: stored.orgId,
      rotateAfterDays: stored.rotateAfterDays,
      expiresAt: stored.expiresAt,
    }).toEqual({
      source: 'manual',
      host: 'app.docbits.com',
      prefix: PREFIX,
      orgId: 'org-e2e',
      rotateAfterDays: 30,
      expiresAt: null,
    });

    // Edit: name, notes, environment, rotation. The secret is not shown until asked for.
    await click(options, 'Edit E2E manual key');
    await findByName(options, 'Edit “E2E manual key”', 'dialog');
    expect(await queryAllByName(options, 'API key', 'textbox')).toHaveLength(0);
    await fill(options, 'Key name', 'E2E renamed key');
    await fill(options, 'Notes', 'rotated by the e2e test');
    await fill(options, 'Rotate after (days)', '');
    await (await findByName(options, 'Environment', 'combobox')).evaluate((el) => {
      const select = el as HTMLSelectElement;
      select.value = 'sandbox';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await click(options, 'Reveal key');
    const revealed = await findByName(options, 'API key', 'textbox');
    expect((await revealed.value()) === SECRET, 'Reveal key shows the stored key').toBe(true);
    await click(options, 'Hide revealed key');
    await gone(options, 'API key', 'textbox');
    await click(options, 'Save');
    await findByName(options, 'Edit E2E renamed key', 'button');

    list = await call<EntrySummary[]>(options, 'entry.list');
    expect(list.map((e) => [e.id, e.name, e.notes, e.environment, e.rotateAfterDays])).toEqual([
      [id, 'E2E renamed key', 'rotated by the e2e test', 'sandbox', null],
    ]);
    expect((await call<Entry>(options, 'entry.get', { id })).secret === SECRET, 'secret unchanged').toBe(
      true,
    );

    // Delete: Esc cancels (focus back on the row's button), then a confirmed delete removes the entry.
    await click(options, 'Delete E2E renamed key');
    await findByName(options, 'Delete key?', 'alertdialog');
    await options.keyboard.press('Escape');
    await gone(options, 'Delete key?', 'alertdialog');
    expect(
      await options.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'focus returned to the Delete button',
    ).toBe('Delete E2E renamed key');
    expect((await call<EntrySummary[]>(options, 'entry.list')).length).toBe(1);

    await click(options, 'Delete E2E renamed key');
    await click(options, 'Delete key');
    await gone(options, 'Delete E2E renamed key', 'button');
    expect(await call<EntrySummary[]>(options, 'entry.list')).toEqual([]);
    // Asked from another extension page too: the vault itself no longer has it.
    const other = await openExtensionPage(ext, 'popup.html');
    expect(await call<EntrySummary[]>(other, 'entry.list')).toEqual([]);
    await other.close();
  });

  it('saves settings', async () => {
    await (await findByName(options, 'Lock after inactivity', 'combobox')).evaluate((el) => {
      const select = el as HTMLSelectElement;
      select.value = '60';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await fill(options, 'Remind me before (days)', '21');
    await click(options, 'Save settings');
    await findByName(options, 'Settings saved.');
    const settings = await call<Settings>(options, 'settings.get');
    expect([settings.autoLockMinutes, settings.reminderLeadDays]).toEqual([60, 21]);
  });

  it('an on-premise host added in options gets the content script after the permission grant', async () => {
    // Before: the host is not configured and KeyGuard does not touch its pages.
    let page = await openLegacyIntegration(ONPREM);
    expect(await textSecurity(page), 'the key field is not masked before the host is added').not.toBe('disc');
    expect(await queryAllByName(page, 'Show API key', 'button')).toHaveLength(0);
    await page.close();

    // The user allows the site in the browser's extension settings (see the file comment).
    const extensionsPage = await ext.context.newPage();
    await extensionsPage.goto('chrome://extensions/', { waitUntil: 'domcontentloaded' });
    const allowed = await extensionsPage.evaluate(
      async ([id, origin]) => {
        const dev = (
          globalThis as unknown as {
            chrome: { developerPrivate: { addHostPermission(id: string, host: string): Promise<void> } };
          }
        ).chrome.developerPrivate;
        try {
          await dev.addHostPermission(id, origin);
          return 'ok';
        } catch (e) {
          return String(e);
        }
      },
      [ext.extensionId, ONPREM_ORIGIN] as const,
    );
    expect(allowed).toBe('ok');
    await extensionsPage.close();
    expect(await hasHostPermission(options), 'site access alone does not grant the host').toBe(false);
    expect(await registeredMatches()).toEqual([]);

    // Add the host in options: a real click, so permissions.request runs under a user gesture.
    await fill(options, 'On-premise host name', ONPREM);
    await click(options, 'Add host');
    await findByName(options, `Remove ${ONPREM}`, 'button');
    expect(await hasHostPermission(options), 'the options page obtained the host permission').toBe(true);
    expect((await call<Settings>(options, 'settings.get')).docbitsHosts).toEqual(['app.docbits.com', ONPREM]);
    await expect.poll(registeredMatches, { timeout: 10_000 }).toEqual([ONPREM_ORIGIN]);

    // The on-premise page now gets KeyGuard: the key field is masked and the controls are there.
    page = await openLegacyIntegration(ONPREM);
    await expect.poll(() => textSecurity(page), { timeout: 10_000 }).toBe('disc');
    await findByName(page, 'Show API key', 'button');
    await page.close();

    // Removing the host gives the access back and unregisters the script.
    await click(options, `Remove ${ONPREM}`);
    await gone(options, `Remove ${ONPREM}`, 'button');
    await expect.poll(() => hasHostPermission(options), { timeout: 10_000 }).toBe(false);
    await expect.poll(registeredMatches, { timeout: 10_000 }).toEqual([]);
    expect((await call<Settings>(options, 'settings.get')).docbitsHosts).toEqual(['app.docbits.com']);
    page = await openLegacyIntegration(ONPREM);
    expect(await textSecurity(page), 'the key field is no longer masked').not.toBe('disc');
    await page.close();
  });

  it('saves nothing while the browser has not granted a host', async () => {
    // Not allowed beforehand: Chromium shows its (unclickable, headless) prompt and the request stays open.
    const tab = await openOptions(ext);
    await fill(tab, 'On-premise host name', 'other.example.test');
    await click(tab, 'Add host');
    await tab.waitForTimeout(1_000);
    expect((await call<Settings>(tab, 'settings.get')).docbitsHosts).toEqual(['app.docbits.com']);
    expect(await registeredMatches()).toEqual([]);
  });
});

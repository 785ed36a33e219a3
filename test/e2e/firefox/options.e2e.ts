/**
 * Firefox: an on-premise DocBits host added in the options page gets KeyGuard's content script once the
 * browser granted it, and loses it (the permission given back) when removed. The DocBits replica is served
 * as docbits.example.test too. Firefox asks for optional permissions with a doorhanger; the test profile
 * answers it "allow" (`extensions.webextOptionalPermissionPrompts` = false), and "Add host" is a trusted
 * click, so permissions.request runs under a real user gesture.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../../lib/settings';
import {
  becomes,
  call,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  isShown,
  LEGACY_INPUT,
  launchExtension,
  navigate,
  openOptions,
  openUrl,
  PASSWORD,
  startDocbitsSite,
  textSecurity,
} from './harness/index.js';

const ONPREM = 'docbits.example.test';
const ONPREM_ORIGIN = `https://${ONPREM}/*`;

let site: HttpsServer;
let ext: ExtensionBrowser;
let options: Page;

beforeAll(async () => {
  site = await startDocbitsSite({ hosts: ['app.docbits.com', ONPREM] });
  ext = await launchExtension({ site });
  options = await openOptions(ext);
  await call(options, 'vault.create', { password: PASSWORD });
  await navigate(options, `${ext.origin}/options.html`);
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

function hasHostPermission(): Promise<boolean> {
  return options.evaluate(
    (origin) =>
      (
        globalThis as unknown as {
          browser: { permissions: { contains(p: { origins: string[] }): Promise<boolean> } };
        }
      ).browser.permissions.contains({ origins: [origin] }),
    ONPREM_ORIGIN,
  );
}

/** The matches of KeyGuard's registered on-premise content script (lib/background/registration.ts ONPREM_SCRIPT_ID). */
function registeredMatches(): Promise<string[]> {
  return options.evaluate(async () => {
    const scripting = (
      globalThis as unknown as {
        browser: {
          scripting: { getRegisteredContentScripts(): Promise<Array<{ id: string; matches?: string[] }>> };
        };
      }
    ).browser.scripting;
    const all = await scripting.getRegisteredContentScripts();
    return all.filter((s) => s.id === 'keyguard-docbits-onprem').flatMap((s) => s.matches ?? []);
  });
}

/** Opens the legacy integration page on `host` and waits for its key field to be filled. */
async function openLegacyIntegration(host: string): Promise<Page> {
  const page = await openUrl(ext, site.url('/settings/integration?ui=legacy&lang=en&delay=60', host));
  const filled = await becomes(
    () => page.evaluate((sel) => !!document.querySelector<HTMLInputElement>(sel)?.value, LEGACY_INPUT),
    true,
    10_000,
  );
  if (!filled) throw new Error(`the legacy key field on ${host} was not filled`);
  return page;
}

describe('Firefox: options', () => {
  it('an on-premise host added in options gets the content script after the grant, and loses it when removed', async () => {
    let page = await openLegacyIntegration(ONPREM);
    expect(await textSecurity(page, LEGACY_INPUT), 'not masked before the host is added').not.toBe('disc');
    expect(await isShown(page, 'Show API key', 'button')).toBe(false);
    await page.close();
    expect(await hasHostPermission()).toBe(false);

    await (await findByName(options, 'On-premise host name', 'textbox')).fill(ONPREM);
    await (await findByName(options, 'Add host', 'button')).click();
    await findByName(options, `Remove ${ONPREM}`, 'button', { timeoutMs: 10_000 });
    expect(await hasHostPermission(), 'the options page obtained the host permission').toBe(true);
    expect((await call<Settings>(options, 'settings.get')).docbitsHosts).toEqual(['app.docbits.com', ONPREM]);
    expect(
      await becomes(
        async () => JSON.stringify(await registeredMatches()),
        JSON.stringify([ONPREM_ORIGIN]),
        10_000,
      ),
      `the content script is registered for the host (registered: ${JSON.stringify(await registeredMatches())})`,
    ).toBe(true);

    page = await openLegacyIntegration(ONPREM);
    expect(await becomes(() => textSecurity(page, LEGACY_INPUT), 'disc', 10_000), 'masked on the host').toBe(
      true,
    );
    await findByName(page, 'Show API key', 'button');
    await page.close();

    await (await findByName(options, `Remove ${ONPREM}`, 'button')).click();
    expect(await becomes(() => hasHostPermission(), false, 10_000), 'the permission was given back').toBe(
      true,
    );
    expect(await becomes(async () => (await registeredMatches()).length, 0, 10_000), 'unregistered').toBe(
      true,
    );
    expect((await call<Settings>(options, 'settings.get')).docbitsHosts).toEqual(['app.docbits.com']);
    page = await openLegacyIntegration(ONPREM);
    expect(await textSecurity(page, LEGACY_INPUT), 'no longer masked').not.toBe('disc');
    await page.close();
  });
});

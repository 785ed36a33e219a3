/**
 * The leak guard end to end, in the production build. A local "chat" page (https, a host that is not the
 * key's DocBits host) and a local plain-http page, each with a textarea and a paste listener of its own.
 *
 * - Guard off (the default): no guard script is registered, and a pasted key reaches the page.
 * - Turned on in options (a real click: the all-sites permission is asked for inside it; headless
 *   Chromium's prompt cannot be clicked, so the sites are first allowed in chrome://extensions, as
 *   options.e2e.ts does for an on-premise host): the guard is registered; pasting the key is stopped
 *   before the page's own listener runs, the warning names the key, Cancel leaves the field empty,
 *   "Paste anyway" delivers the text; all of it is in the audit log.
 * - The http page: the warning says it is insecure (and the audit record too).
 * - Turned off: unregistered, the permission is given back, and pastes reach the page again.
 *
 * Secrets are never printed: comparisons are reduced to booleans.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARM_MS } from '../../components/guard/warning';
import type { AuditEvent } from '../../lib/messages';
import { MIN_VISIBLE_MS } from '../../lib/page/safe-click';
import type { EntrySummary } from '../../lib/vault/model';
import { listenWithLifetime } from '../fixtures/listen.js';
import {
  addQuasarLayers,
  call,
  drawDecoy,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  isDecoyColour,
  launchExtension,
  openOptions,
  pixelAt,
  queryAllByName,
  removeDecoy,
  startHttpsServer,
  writeClipboard,
} from './harness/index.js';

const CHAT = 'chat.example.test';
const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const SECRET = `dbk_live_${randomBytes(24).toString('base64url')}`;
const REFUSED = 'KeyGuard ignored this click because its control was covered, hidden or not clicked by you.';

/** A page that counts the paste events it receives and keeps what lands in its textarea. */
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chat</title></head><body>
<label for="msg">Message</label><textarea id="msg"></textarea>
<script>
window.__pastes = 0;
document.addEventListener('paste', () => { window.__pastes++; });
</script></body></html>`;

/**
 * The same textarea inside frames the page writes itself: a same-origin srcdoc frame and a sandboxed one
 * (opaque origin), each counting its own paste events.
 */
const FRAME_DOC =
  '<!doctype html><meta charset=utf-8><label for=msg>Message</label><textarea id=msg></textarea>' +
  "<script>window.__pastes = 0; document.addEventListener('paste', () => { window.__pastes++; });</script>";
const FRAMES = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Frames</title></head><body>
<iframe id="own" title="own" srcdoc="${FRAME_DOC.replaceAll('"', '&quot;')}"></iframe>
<iframe id="sandboxed" title="sandboxed" sandbox="allow-scripts" srcdoc="${FRAME_DOC.replaceAll('"', '&quot;')}"></iframe>
</body></html>`;

let site: HttpsServer;
let plain: { port: number; close(): Promise<void> };
let ext: ExtensionBrowser;
let options: Page;
let entry: EntrySummary;

beforeAll(async () => {
  site = await startHttpsServer({
    hosts: [CHAT],
    routes: { '/': { body: PAGE }, '/frames': { body: FRAMES } },
  });
  plain = await listenWithLifetime(
    createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    }),
    { lifetimeMs: 10 * 60_000 },
  );
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
  options = await openOptions(ext);
  await call(options, 'vault.create', { password: PASSWORD });
  entry = await call<EntrySummary>(options, 'entry.add', {
    entry: {
      name: 'ERP connector',
      secret: SECRET,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
    },
  });
  await options.reload({ waitUntil: 'domcontentloaded' });
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
  await plain?.close();
});

async function registeredIds(): Promise<string[]> {
  const worker = await ext.serviceWorker();
  return worker.evaluate(async () => {
    const scripting = (
      globalThis as unknown as {
        chrome: { scripting: { getRegisteredContentScripts(): Promise<Array<{ id: string }>> } };
      }
    ).chrome.scripting;
    return (await scripting.getRegisteredContentScripts()).map((s) => s.id);
  });
}

async function openPage(url: string): Promise<Page> {
  const page = await ext.context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

/** Pastes the clipboard into the page's textarea with a real key press. */
async function pasteKey(page: Page): Promise<void> {
  await writeClipboard(page, SECRET);
  await page.focus('#msg');
  await page.keyboard.press('Control+V');
}

const fieldHoldsKey = (page: Page) =>
  page.evaluate((s) => (document.getElementById('msg') as HTMLTextAreaElement).value === s, SECRET);
const fieldEmpty = (page: Page) =>
  page.evaluate(() => (document.getElementById('msg') as HTMLTextAreaElement).value === '');
const pastesSeen = (page: Page) => page.evaluate(() => (window as unknown as { __pastes: number }).__pastes);

async function guardEvents(): Promise<AuditEvent[]> {
  const events = await call<AuditEvent[]>(options, 'audit.list', { filter: {} });
  return events.filter((e) => e.type.startsWith('guard.')).reverse();
}

/** With no guard in the way, a pasted key reaches the page's field and its paste listener, unwarned. */
async function expectPasteUnguarded(page: Page): Promise<void> {
  await pasteKey(page);
  await expect.poll(() => fieldHoldsKey(page)).toBe(true);
  expect(await pastesSeen(page)).toBe(1);
  expect(await queryAllByName(page, 'Paste anyway', 'button')).toHaveLength(0);
  await page.close();
}

/**
 * "Paste anyway" once it is armed: a button not yet seen unobscured for {@link MIN_VISIBLE_MS} carries
 * aria-disabled (lib/page/safe-click.ts). Handed over as it is after a few seconds.
 */
async function armedPasteAnyway(page: Page) {
  const deadline = Date.now() + MIN_VISIBLE_MS + 2_500;
  for (;;) {
    const anyway = await findByName(page, 'Paste anyway', 'button');
    if (anyway.properties.disabled !== true || Date.now() >= deadline) return anyway;
    await page.waitForTimeout(100);
  }
}

describe('leak guard', () => {
  it('is off by default: nothing registered, and a pasted key reaches the page', async () => {
    expect(await registeredIds()).toEqual([]);
    const page = await openPage(site.url('/', CHAT));
    await expectPasteUnguarded(page);
  });

  it('turned on, stops the paste before the page sees it; Cancel drops it, "Paste anyway" delivers it', async () => {
    // The user allows all sites in the browser's extension settings (see the file comment).
    const extensionsPage = await ext.context.newPage();
    await extensionsPage.goto('chrome://extensions/', { waitUntil: 'domcontentloaded' });
    const allowed = await extensionsPage.evaluate(async (id) => {
      const dev = (
        globalThis as unknown as {
          chrome: { developerPrivate: { addHostPermission(id: string, host: string): Promise<void> } };
        }
      ).chrome.developerPrivate;
      try {
        await dev.addHostPermission(id, 'https://*/*');
        await dev.addHostPermission(id, 'http://*/*');
        return 'ok';
      } catch (e) {
        return String(e);
      }
    }, ext.extensionId);
    expect(allowed).toBe('ok');
    await extensionsPage.close();

    await (await findByName(options, 'Turn on the leak guard', 'checkbox')).click();
    await expect.poll(registeredIds, { timeout: 10_000 }).toEqual(['keyguard-guard']);

    const page = await openPage(site.url('/', CHAT));
    await pasteKey(page);
    const cancel = await findByName(page, 'Cancel', 'button');
    // The warning names the key, and the page got neither the text nor the paste event.
    await findByName(page, 'KeyGuard stopped a paste', 'alertdialog');
    // Never the key's name (the page could read it out of the warning): its DocBits host.
    await findByName(
      page,
      `You are pasting a DocBits API key for app.docbits.com. ${CHAT} is not its DocBits site.`,
    );
    expect(await fieldEmpty(page)).toBe(true);
    expect(await pastesSeen(page)).toBe(0);
    await cancel.click();
    await expect.poll(async () => (await queryAllByName(page, 'Cancel', 'button')).length).toBe(0);
    expect(await fieldEmpty(page)).toBe(true);
    expect(await pastesSeen(page)).toBe(0);

    await pasteKey(page);
    const anyway = await findByName(page, 'Paste anyway', 'button');
    // Armed only after a moment (a click meant for the page just before the warning must not land on it).
    await page.waitForTimeout(ARM_MS + 200);
    await anyway.click();
    await expect.poll(() => fieldHoldsKey(page)).toBe(true);

    await expect
      .poll(async () => (await guardEvents()).map((e) => [e.type, e.entryId === entry.id, e.host]))
      .toEqual([
        ['guard.warned', true, CHAT],
        ['guard.cancelled', true, CHAT],
        ['guard.warned', true, CHAT],
        ['guard.pastedAnyway', true, CHAT],
      ]);
    await page.close();
  });

  it('a decoy over "Paste anyway" does not paste, and the user is told; a see-through page neither; Quasar-like layers do not block it', async () => {
    // The warning is in the top layer. The page has transparent full-viewport click-through layers of its
    // own (as Quasar's notification lists): they must not disarm it. Then the page draws something else
    // over the armed button in the top layer (opened after the warning) and lets the click through to it
    // (pointer-events: none): the hit test sees KeyGuard's dialog, the visibility verdict does not. Once
    // as a decoy that stays, once taken away on pointerdown, just before the click lands.
    const page = await openPage(site.url('/', CHAT));
    await addQuasarLayers(page);
    const before = (await guardEvents()).length;
    await pasteKey(page);
    await findByName(page, 'KeyGuard stopped a paste', 'alertdialog');
    // Cancel (the default, focused) is never refused, so it never looks unarmed either.
    const cancel = await findByName(page, 'Cancel', 'button');
    expect(cancel.properties.disabled, 'Cancel is not shown as disabled').not.toBe(true);
    await page.waitForTimeout(ARM_MS + 200);
    const reached: Record<string, boolean> = {};
    const painted: Record<string, boolean> = {};
    for (const when of ['stays', 'removed on pointerdown'] as const) {
      const anyway = await armedPasteAnyway(page);
      expect(anyway.properties.disabled, '"Paste anyway" is armed before the attack').not.toBe(true);
      const { x, y } = await anyway.center();
      await drawDecoy(
        page,
        { x, y },
        {
          pointerEvents: 'none',
          removeOnPointerDown: when !== 'stays',
          text: 'Continue',
        },
      );
      // The user looks at the decoy for a moment, then clicks it.
      await page.waitForTimeout(400);
      painted[when] = isDecoyColour(await pixelAt(page, { x, y }));
      reached[when] = await page.evaluate(
        ({ x, y }) => document.elementFromPoint(x, y)?.localName === 'keyguard-guard',
        { x, y },
      );
      await page.mouse.click(x, y);
      await page.waitForTimeout(600);
      await removeDecoy(page);
      expect(await fieldEmpty(page), `nothing pasted through a decoy that ${when}`).toBe(true);
      expect(await pastesSeen(page)).toBe(0);
      await findByName(page, REFUSED, undefined, { timeoutMs: 3_000 });
    }
    // The decoy really let the click through to the warning and painted over it (else this proves nothing).
    expect(reached).toEqual({ stays: true, 'removed on pointerdown': true });
    expect(painted, 'the decoy painted over "Paste anyway"').toEqual({
      stays: true,
      'removed on pointerdown': true,
    });

    // An opaque cover in the top layer takes the click itself; a box at the page's highest z-index is drawn
    // below the warning (the top layer), so it can neither cover nor decoy it.
    {
      const { x, y } = await (await armedPasteAnyway(page)).center();
      await drawDecoy(page, { x, y }, { pointerEvents: 'auto', text: 'Continue' });
      await page.waitForTimeout(400);
      await page.mouse.click(x, y);
      await page.waitForTimeout(600);
      await removeDecoy(page);
      expect(await fieldEmpty(page), 'nothing pasted through an opaque cover').toBe(true);
      await drawDecoy(page, { x, y }, { pointerEvents: 'none', layer: 'z-index', text: 'Continue' });
      await page.waitForTimeout(400);
      expect(isDecoyColour(await pixelAt(page, { x, y })), 'a z-indexed box is drawn below the warning').toBe(
        false,
      );
      await removeDecoy(page);
    }

    // A see-through page: refused by the computed-style checks (the top layer is not reached by them,
    // so IntersectionObserver v2 has nothing to object to).
    for (const [property, value] of [
      ['filter', 'opacity(0.1)'],
      ['opacity', '0.1'],
    ] as const) {
      const anyway = await armedPasteAnyway(page);
      expect(
        anyway.properties.disabled,
        '"Paste anyway" is armed before the page turns see-through',
      ).not.toBe(true);
      await page.evaluate(([p, v]) => document.documentElement.style.setProperty(p, v), [
        property,
        value,
      ] as const);
      await anyway.click();
      await page.waitForTimeout(600);
      await page.evaluate((p) => document.documentElement.style.removeProperty(p), property);
      expect(await fieldEmpty(page), `nothing pasted on a page with ${property}: ${value}`).toBe(true);
    }

    // Without the decoy, and once the button has been seen for a moment again, the user's click pastes.
    const rearmed = await armedPasteAnyway(page);
    expect(rearmed.properties.disabled, '"Paste anyway" is armed again without the decoy').not.toBe(true);
    await rearmed.click();
    await expect.poll(() => fieldHoldsKey(page)).toBe(true);
    await expect
      .poll(async () => (await guardEvents()).slice(before).map((e) => e.type))
      .toEqual(['guard.warned', 'guard.pastedAnyway']);
    await page.close();
  });

  it('warns about any vault key pasted into an http: page as insecure', async () => {
    const page = await openPage(`http://127.0.0.1:${plain.port}/`);
    await pasteKey(page);
    await findByName(
      page,
      'This page is not encrypted (http): whatever is pasted here can be read on the way.',
    );
    const text = await page.evaluate(() => document.body.textContent ?? '');
    // The dialog is in a closed shadow root: the page's own DOM does not contain the warning.
    expect(text.includes('not encrypted')).toBe(false);
    // Cancel is the default: Enter on the focused button cancels.
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await queryAllByName(page, 'Cancel', 'button')).length).toBe(0);
    expect(await fieldEmpty(page)).toBe(true);
    expect(await pastesSeen(page)).toBe(0);
    await expect
      .poll(async () => (await guardEvents()).slice(-2).map((e) => [e.type, e.host, e.detail]))
      .toEqual([
        ['guard.warned', '127.0.0.1', 'insecure (http) page'],
        ['guard.cancelled', '127.0.0.1', 'insecure (http) page'],
      ]);
    await page.close();
  });

  it('guards frames the page writes itself: a srcdoc frame and a sandboxed one', async () => {
    const page = await openPage(site.url('/frames', CHAT));
    for (const id of ['own', 'sandboxed']) {
      const frame = await (await page.$(`#${id}`))?.contentFrame();
      if (!frame) throw new Error(`no ${id} frame`);
      await frame.waitForSelector('#msg');
      await writeClipboard(page, SECRET);
      await frame.focus('#msg');
      await page.keyboard.press('Control+V');
      // The warning takes the paste; Enter on its focused Cancel drops it.
      await expect
        .poll(() => frame.evaluate(() => document.activeElement?.id !== 'msg'), { timeout: 10_000 })
        .toBe(true);
      await page.keyboard.press('Enter');
      expect(await frame.evaluate(() => (document.getElementById('msg') as HTMLTextAreaElement).value)).toBe(
        '',
      );
      expect(await frame.evaluate(() => (window as unknown as { __pastes: number }).__pastes)).toBe(0);
    }
    await expect
      .poll(async () => (await guardEvents()).slice(-4).map((e) => [e.type, e.host, e.detail]))
      .toEqual([
        ['guard.warned', CHAT, 'foreign page'],
        ['guard.cancelled', CHAT, 'foreign page'],
        ['guard.warned', CHAT, 'sandboxed frame'],
        ['guard.cancelled', CHAT, 'sandboxed frame'],
      ]);
    await page.close();
  });

  it('turned off: unregistered, the permission given back, pastes reach pages again', async () => {
    await (await findByName(options, 'Turn on the leak guard', 'checkbox')).click();
    await expect.poll(registeredIds, { timeout: 10_000 }).toEqual([]);
    // (the options page gives the permission back after the setting is saved, which unregisters first)
    const granted = () =>
      options.evaluate(() =>
        (
          globalThis as unknown as {
            chrome: { permissions: { contains(p: { origins: string[] }): Promise<boolean> } };
          }
        ).chrome.permissions.contains({ origins: ['https://*/*'] }),
      );
    await expect.poll(granted, { timeout: 10_000 }).toBe(false);
    const page = await openPage(site.url('/', CHAT));
    await expectPasteUnguarded(page);
  });
});

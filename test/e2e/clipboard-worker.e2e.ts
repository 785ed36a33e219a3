/**
 * Chromium: the clipboard clear survives the service worker being stopped right after the copy. The clear
 * is the background's (lib/background/clipboard.ts): its timer dies with the worker, so the alarm set for the
 * deadline (kept in storage.session) must wake it. The offscreen document only writes. Secrets stay out
 * of logs: comparisons are booleans.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  serviceWorkerStatus,
  startHttpsServer,
  stopServiceWorker,
  writeClipboard,
} from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const CLEAR_SECONDS = 10;
const [secret] = randomSecrets(1).map((s) => s.value) as [string];

let ext: ExtensionBrowser;
let popup: Page;
let site: HttpsServer;
/** A plain https page (no KeyGuard script) to read the clipboard from. */
let reader: Page;
const READER_HOST = 'clipboard-reader.keyguard.test';

beforeAll(async () => {
  site = await startHttpsServer({
    hosts: [READER_HOST],
    routes: { '/': { body: '<!doctype html><title>reader</title><p>clipboard reader</p>' } },
  });
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
});
afterAll(async () => {
  await ext?.close();
  await site?.close();
});

describe('Chromium: the clipboard clear survives a stopped service worker', () => {
  it('clears after the set time although the worker was stopped right after the copy', async () => {
    popup = await openPopup(ext);
    await (await findByName(popup, 'Master password', 'textbox')).fill(PASSWORD);
    await (await findByName(popup, 'Confirm master password', 'textbox')).fill(PASSWORD);
    await (await findByName(popup, 'Create vault', 'button')).click();
    await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
    await call(popup, 'settings.set', { patch: { clipboardClearSeconds: CLEAR_SECONDS } });
    const { id } = await call<{ id: string }>(popup, 'entry.add', {
      entry: { name: 'Worker', secret, host: DOCBITS_HOST, environment: 'production', source: 'manual' },
    });
    reader = await ext.context.newPage();
    await reader.goto(site.url('/', READER_HOST));
    await writeClipboard(reader, 'before-copy');
    await call(popup, 'entry.copy', { id });
    const copiedAt = Date.now();
    expect((await readClipboard(reader)) === secret, 'the key is on the clipboard').toBe(true);
    expect(await stopServiceWorker(ext), 'a running worker was stopped').toBeGreaterThan(0);

    let cleared = false;
    while (!cleared && Date.now() - copiedAt < (CLEAR_SECONDS + 20) * 1000) {
      cleared = (await readClipboard(reader)) !== secret;
      if (!cleared) await new Promise((r) => setTimeout(r, 250));
    }
    const after = Date.now() - copiedAt;
    expect(cleared, `cleared within ${CLEAR_SECONDS + 20} s (worker ${await serviceWorkerStatus(ext)})`).toBe(
      true,
    );
    expect(after, 'not before the clear time').toBeGreaterThanOrEqual((CLEAR_SECONDS - 1) * 1000);
    expect(await readClipboard(reader), 'the clear wrote an empty clipboard').toBe('');
  });
});

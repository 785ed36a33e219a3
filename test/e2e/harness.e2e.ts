/**
 * The e2e harness checks itself against the real build: the extension loads, DocBits host names reach the
 * local HTTPS server, closed shadow roots are reachable by accessible name with trusted clicks, the
 * clipboard is really read, the service worker really stops and wakes, and the profile scanner finds what
 * Chromium writes to disk (so its zero counts elsewhere mean something).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alignedBase64,
  DOCBITS_HOST,
  describeScan,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  launchExtension,
  makeTempDir,
  openPopup,
  queryAllByName,
  randomSecrets,
  readClipboard,
  restartServiceWorker,
  scanProfileForSecrets,
  sendMessage,
  serviceWorkerStatus,
  startHttpsServer,
  stopServiceWorker,
  waitForServiceWorkerRunning,
} from './harness/index.js';

const ON_PREM_HOST = 'docbits.example.test';

/** A page with a closed shadow root holding a button that copies a value and records how it was clicked. */
const SHADOW_PAGE = `<!doctype html><html lang="en"><head><title>shadow</title></head><body>
<button id="outside">Outside</button><div id="host"></div>
<script>
  const root = document.getElementById('host').attachShadow({ mode: 'closed' });
  const button = document.createElement('button');
  button.textContent = 'Copy API key';
  const label = document.createElement('span');
  label.textContent = 'inside closed root';
  root.append(button, label);
  window.__clicks = [];
  button.addEventListener('click', (event) => {
    window.__clicks.push(event.isTrusted);
    navigator.clipboard.writeText(window.__toCopy ?? '').then(
      () => { window.__copied = true; },
      (error) => { window.__copied = String(error); },
    );
  });
</script></body></html>`;

/** GET over HTTPS straight to the server (no host mapping), accepting its self-signed certificate. */
function fetchDirect(server: HttpsServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        rejectUnauthorized: false,
        headers: { host: DOCBITS_HOST },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    ).on('error', reject);
  });
}

describe('secret scanner (no browser)', () => {
  it('finds a secret in every encoding and alignment, and reports only indexes and counts', () => {
    const dir = makeTempDir('scan');
    const [a, b, absent] = randomSecrets(3).map((s) => s.value) as [string, string, string];
    const bytesA = Buffer.from(a);
    const filler = randomBytes(50);
    writeFileSync(
      join(dir, 'mixed.bin'),
      Buffer.concat([
        filler,
        bytesA, // utf8
        filler,
        Buffer.from(a, 'utf16le'),
        Buffer.from(bytesA.toString('hex')),
        Buffer.from(bytesA.toString('hex').toUpperCase()),
      ]),
    );
    // base64 of the secret embedded at byte offsets 0, 1 and 2 of a longer buffer, std and url alphabets.
    for (const offset of [0, 1, 2]) {
      const embedded = Buffer.concat([randomBytes(offset), Buffer.from(b), randomBytes(4)]);
      writeFileSync(join(dir, `b64-${offset}.txt`), `x${embedded.toString('base64')}y`);
      writeFileSync(join(dir, `b64url-${offset}.txt`), embedded.toString('base64url'));
    }
    const [ra, rb, rAbsent] = scanProfileForSecrets(dir, [a, b, absent]);
    // a is a hex-format secret: its hex is all digits, so upper and lower case hex are the same bytes.
    expect(ra?.byEncoding).toMatchObject({ utf8: 1, utf16le: 1 });
    expect((ra?.byEncoding.hexLower ?? 0) + (ra?.byEncoding.hexUpper ?? 0)).toBe(2);
    expect(ra?.files).toEqual(['mixed.bin']);
    expect((rb?.byEncoding.base64 ?? 0) + (rb?.byEncoding.base64url ?? 0)).toBeGreaterThanOrEqual(6);
    expect(rb?.files.length).toBe(6);
    expect(rAbsent?.total).toBe(0);
    const summary = describeScan(scanProfileForSecrets(dir, [a, b, absent]));
    for (const secret of [a, b, absent]) {
      expect(summary.includes(secret), 'the scan summary must never contain a secret').toBe(false);
    }
  });

  it('trims base64 edge characters that depend on neighbouring bytes', () => {
    const bytes = Buffer.from('0123456789abcdef');
    for (const offset of [0, 1, 2]) {
      const pattern = alignedBase64(bytes, offset);
      for (let i = 0; i < 20; i++) {
        const around = Buffer.concat([randomBytes(offset + 3 * i), bytes, randomBytes(i % 3)]);
        expect(around.toString('base64').includes(pattern)).toBe(true);
      }
    }
  });
});

describe('harness with the built extension', () => {
  let server: HttpsServer;
  let ext: ExtensionBrowser;
  let marker: string;

  beforeAll(async () => {
    marker = randomBytes(8).toString('hex');
    const root = makeTempDir('site');
    writeFileSync(
      join(root, 'index.html'),
      `<!doctype html><html lang="en"><head><title>DocBits stub</title><script src="/app.js"></script></head>` +
        `<body><h1 id="marker">served ${marker}</h1></body></html>`,
    );
    writeFileSync(join(root, 'app.js'), 'window.__appLoaded = true;');
    server = await startHttpsServer({
      root,
      historyFallback: true,
      hosts: [DOCBITS_HOST, ON_PREM_HOST],
      routes: { '/shadow': { body: SHADOW_PAGE } },
    });
    ext = await launchExtension({ extraArgs: server.chromiumArgs() });
  });

  afterAll(async () => {
    await ext?.close();
    await server?.close();
  });

  it('loads the extension; its id is the host of the service worker URL', async () => {
    expect(ext.extensionId).toMatch(/^[a-p]{32}$/);
    const worker = await ext.serviceWorker();
    expect(new URL(worker.url()).host).toBe(ext.extensionId);
    // Playwright reports the worker when its target appears, which can be before Chromium calls it running.
    await waitForServiceWorkerRunning(ext);
    expect(await serviceWorkerStatus(ext)).toBe('running');
  });

  it('serves https://app.docbits.com/ (and an on-premise host) from the local server', async () => {
    const page = await ext.context.newPage();
    const response = await page.goto(`https://${DOCBITS_HOST}/`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`https://${DOCBITS_HOST}/`);
    expect(await page.textContent('#marker')).toBe(`served ${marker}`);
    expect(await page.evaluate(() => (window as unknown as { __appLoaded?: boolean }).__appLoaded)).toBe(
      true,
    );
    expect(server.requests.some((r) => r.host === DOCBITS_HOST && r.path === '/')).toBe(true);

    // History-mode fallback on the on-premise host: a deep link gets index.html.
    await page.goto(`https://${ON_PREM_HOST}/settings/api-keys`);
    expect(await page.textContent('#marker')).toBe(`served ${marker}`);
    expect(server.requests.some((r) => r.host === ON_PREM_HOST)).toBe(true);
    await page.close();

    expect((await fetchDirect(server, '/no-such-file.js')).status).toBe(404);
    // Path traversal through encoded slashes is refused (the file exists: serving it would answer 200).
    const traversal = `/${'..%2F'.repeat(12)}etc%2Fssl%2Fopenssl.cnf`;
    expect((await fetchDirect(server, traversal)).status).toBe(404);
  });

  it('finds and clicks a button inside a closed shadow root with a trusted click', async () => {
    const page = await ext.context.newPage();
    await page.goto(server.url('/shadow'));
    expect(await page.evaluate(() => document.getElementById('host')?.shadowRoot)).toBeNull();
    expect(await page.$('text=Copy API key')).toBeNull(); // Playwright's selectors cannot pierce it
    const button = await findByName(page, 'Copy API key', 'button');
    expect(button.role).toBe('button');
    expect(await button.text()).toBe('Copy API key');
    await button.click();
    await page.waitForFunction(() => (window as unknown as { __clicks: boolean[] }).__clicks.length === 1);
    expect(await page.evaluate(() => (window as unknown as { __clicks: boolean[] }).__clicks)).toEqual([
      true,
    ]);
    expect(await queryAllByName(page, 'No such control')).toEqual([]);
    await expect(findByName(page, 'No such control', 'button', { timeoutMs: 300 })).rejects.toThrow(
      /no rendered element named "No such control"/,
    );
    await page.close();
  });

  it('reads from the clipboard what a page wrote to it', async () => {
    const page = await ext.context.newPage();
    await page.goto(server.url('/shadow'));
    const value = randomBytes(16).toString('base64url');
    await page.evaluate((v) => {
      (window as unknown as { __toCopy: string }).__toCopy = v;
    }, value);
    await (await findByName(page, 'Copy API key', 'button')).click();
    await page.waitForFunction(() => (window as unknown as { __copied?: unknown }).__copied !== undefined);
    expect(await page.evaluate(() => (window as unknown as { __copied?: unknown }).__copied)).toBe(true);
    // Read from another origin to be sure it is the browser's clipboard, not page state.
    const reader = await ext.context.newPage();
    await reader.goto(`https://${ON_PREM_HOST}/`);
    expect((await readClipboard(reader)) === value, 'clipboard text differs from what the page wrote').toBe(
      true,
    );
    await page.close();
    await reader.close();
  });

  it('stops the service worker for real, and a message wakes a fresh instance', async () => {
    const popup: Page = await openPopup(ext);
    const worker = await ext.serviceWorker();
    await worker.evaluate(() => {
      (globalThis as unknown as { __e2eMarker?: number }).__e2eMarker = 42;
    });
    expect(await stopServiceWorker(ext)).toBeGreaterThanOrEqual(1);
    expect(await serviceWorkerStatus(ext)).toBe('stopped');

    const reply = await sendMessage(popup, 'vault.status', {});
    expect(reply).toMatchObject({ ok: true });
    await waitForServiceWorkerRunning(ext);
    const after = await (await ext.serviceWorker()).evaluate(
      () => (globalThis as unknown as { __e2eMarker?: number }).__e2eMarker,
    );
    expect(after, 'the restarted worker must be a new instance').toBeUndefined();

    // The same in one call: stop, wake with a message, wait until it runs.
    await (await ext.serviceWorker()).evaluate(() => {
      (globalThis as unknown as { __e2eMarker?: number }).__e2eMarker = 43;
    });
    const woken = await restartServiceWorker(ext, () => sendMessage(popup, 'vault.status', {}));
    expect(woken).toMatchObject({ ok: true });
    expect(await serviceWorkerStatus(ext)).toBe('running');
    const again = await (await ext.serviceWorker()).evaluate(
      () => (globalThis as unknown as { __e2eMarker?: number }).__e2eMarker,
    );
    expect(again).toBeUndefined();
    await popup.close();
  });

  it('finds in the profile what Chromium stored (so zero hits elsewhere are meaningful)', async () => {
    const [local, idb, ext1] = randomSecrets(3).map((s) => s.value) as [string, string, string];
    const page = await ext.context.newPage();
    await page.goto(`https://${DOCBITS_HOST}/`);
    await page.evaluate(
      async ([l, i]) => {
        localStorage.setItem('canary', l as string);
        await new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('canary', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('s');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('s', 'readwrite');
            tx.objectStore('s').put({ value: i }, 'k');
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
        });
      },
      [local, idb],
    );
    const popup = await openPopup(ext);
    await popup.evaluate(
      (v) =>
        (
          globalThis as unknown as { chrome: { storage: { local: { set(x: object): Promise<void> } } } }
        ).chrome.storage.local.set({ e2eCanary: v }),
      ext1,
    );
    await ext.close(); // flush everything to disk
    const results = scanProfileForSecrets(ext.userDataDir, [local, idb, ext1]);
    const labels = ['localStorage', 'IndexedDB', 'chrome.storage.local'];
    for (const r of results) {
      expect(r.total, `canary not found on disk:\n${describeScan(results, labels)}`).toBeGreaterThan(0);
    }
  });
});

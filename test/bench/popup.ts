/**
 * `popup_ready_1000_ms` for `npm run bench` (design.md, "Performance budgets"): the production build in
 * headless Chromium, a vault of 1,000 entries, and the popup opened twice untimed, then five times timed.
 * Each figure is the time from the popup's navigation start to its `keyguard:list-ready` mark
 * (entrypoints/popup/main.tsx: the list is rendered and the search box focused). The first frame after that
 * (`keyguard:list-painted`) is reported alongside.
 *
 * The budget's figure opens popup.html in a new tab, as it always has. That way pays for things a toolbar
 * popup does not: the tab's about:blank page is swapped out for the extension's process, and the DevTools
 * client's traffic shares the browser's UI thread that serves the popup's files. So the same measurement is
 * also taken on the popup opened as the toolbar opens it (`action.openPopup()`), as
 * `popup_ready_1000_toolbar_ms`.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { call, extensionDir, launchExtension, openExtensionPage, repoRoot } from '../e2e/harness/index.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  [k: string]: unknown;
}

const RUNS = 5;
const WARM_UP = 2;
const ENTRIES = 1000;
// Bench-only password; never a real one.
const PASSWORD = 'bench-password-not-secret';
const DAY = 86_400_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** 1,000 varied entries: three hosts, seven organisations, every environment, some due or expiring. */
function benchEntries(now: number) {
  const hosts = ['app.docbits.com', 'docbits.acme.example', 'docbits.intern.example'];
  const environments = ['production', 'sandbox', 'other'] as const;
  return Array.from({ length: ENTRIES }, (_, i) => ({
    name: `${['Invoice import', 'ERP export', 'Zoë’s sync', 'Archive'][i % 4]} ${String(i).padStart(4, '0')}`,
    secret: `bench_${i}_${'x'.repeat(40)}`,
    host: hosts[i % hosts.length] as string,
    environment: environments[i % 3] as (typeof environments)[number],
    source: 'manual' as const,
    orgId: `org-${i % 7}`,
    prefix: `dbk_${i.toString(36).padStart(4, '0')}`,
    createdAt: now - (i % 200) * DAY,
    expiresAt: i % 4 === 0 ? now + ((i % 60) - 10) * DAY : null,
    rotateAfterDays: i % 5 === 0 ? 30 : null,
  }));
}

interface ChromeGlobal {
  chrome: { runtime: { sendMessage(message: unknown): Promise<{ ok: boolean }> } };
}

/** Adds the entries from an extension page, one message each (the vault writes them one by one anyway). */
async function addEntries(page: Page, entries: ReturnType<typeof benchEntries>): Promise<string[]> {
  return page.evaluate(async (all) => {
    const { runtime } = (globalThis as unknown as ChromeGlobal).chrome;
    const ids: string[] = [];
    for (const entry of all) {
      const reply = (await runtime.sendMessage({ type: 'entry.add', payload: { entry } })) as {
        ok: boolean;
        data?: { id: string };
      };
      if (!reply.ok || !reply.data) throw new Error('entry.add failed');
      ids.push(reply.data.id);
    }
    return ids;
  }, entries);
}

interface Run {
  ready: number;
  painted: number;
  /** Navigation start → the page's DOM parsed, and → the popup's script running: the browser's share. */
  domInteractive: number;
  scriptStart: number;
  rows: number;
}

/** Opens popup.html in a new tab and returns its two marks (ms since its navigation start) and list length. */
async function openAndMeasure(ext: Awaited<ReturnType<typeof launchExtension>>): Promise<Run> {
  const page = await ext.context.newPage();
  try {
    await page.goto(`${ext.origin}/popup.html`, { waitUntil: 'commit' });
    // Waited for with a plain evaluate, not `waitForFunction`: that one makes Playwright evaluate its ~330 KB
    // injected script in the page while the popup loads (17–46 ms of the popup's main thread in traces here),
    // which is the harness's cost, not the popup's.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('popup bench: the list was not painted')), 30_000);
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          if (performance.getEntriesByName('keyguard:list-painted').length > 0) return done();
          new PerformanceObserver((list, observer) => {
            if (list.getEntriesByName('keyguard:list-painted').length === 0) return;
            observer.disconnect();
            done();
          }).observe({ type: 'mark', buffered: true });
        }),
    );
    const r = await page.evaluate(() => ({
      ready: performance.getEntriesByName('keyguard:list-ready')[0]?.startTime ?? Number.NaN,
      domInteractive:
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)
          ?.domInteractive ?? Number.NaN,
      scriptStart: performance.getEntriesByName('keyguard:popup-start')[0]?.startTime ?? Number.NaN,
      painted: performance.getEntriesByName('keyguard:list-painted')[0]?.startTime ?? Number.NaN,
      // The list is windowed: its items carry the full length.
      rows: Number(document.querySelector('li.key-row')?.getAttribute('aria-setsize') ?? 0),
      focused: document.activeElement?.getAttribute('type') === 'search',
    }));
    if (!r.focused) throw new Error('popup bench: the search box was not focused when the list was ready');
    return r;
  } finally {
    await page.close();
  }
}

interface ToolbarRun extends Run {
  focused: boolean;
  /** From the call that opens the popup to the ready list (the popup's own clock starts later). */
  fromOpen: number;
}

/**
 * Opens the popup as the toolbar does — `action.openPopup()` from an extension page in the focused window
 * — and reads the same marks from the popup's own window (`extension.getViews`), then closes it. Unlike a
 * tab, the popup is created directly in the extension's process (no about:blank page to swap out), and no
 * DevTools client evaluates anything in it while it loads.
 */
async function openToolbarAndMeasure(control: Page): Promise<ToolbarRun> {
  await control.bringToFront();
  const r = await control.evaluate(async () => {
    interface Api {
      action: { openPopup(): Promise<void> };
      extension: { getViews(filter: { type: 'popup' }): Window[] };
    }
    const api = (globalThis as unknown as { chrome: Api }).chrome;
    const popupView = () => api.extension.getViews({ type: 'popup' })[0];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const asked = performance.timeOrigin + performance.now();
    await api.action.openPopup();
    const t0 = performance.now();
    for (;;) {
      const view = popupView();
      if (view && view.performance.getEntriesByName('keyguard:list-painted').length > 0) {
        const mark = (k: string) => view.performance.getEntriesByName(k)[0]?.startTime ?? Number.NaN;
        const nav = view.performance.getEntriesByType('navigation')[0] as
          | PerformanceNavigationTiming
          | undefined;
        const out = {
          ready: mark('keyguard:list-ready'),
          // From the call that opens the popup (the user's click) to the ready list, across both clocks.
          fromOpen: view.performance.timeOrigin + mark('keyguard:list-ready') - asked,
          painted: mark('keyguard:list-painted'),
          domInteractive: nav?.domInteractive ?? Number.NaN,
          scriptStart: mark('keyguard:popup-start'),
          rows: Number(view.document.querySelector('li.key-row')?.getAttribute('aria-setsize') ?? 0),
          focused: view.document.activeElement?.getAttribute('type') === 'search',
        };
        view.close();
        for (let i = 0; i < 200 && popupView(); i++) await sleep(10);
        return out;
      }
      if (performance.now() - t0 > 30_000)
        throw new Error('popup bench: the toolbar popup did not get ready');
      await sleep(5);
    }
  });
  if (!r.focused) throw new Error('popup bench: the search box was not focused when the list was ready');
  return r;
}

/** The median time of 5 `entry.list` round trips from an open extension page. */
async function timeList(ext: Awaited<ReturnType<typeof launchExtension>>): Promise<number> {
  const page = await openExtensionPage(ext, 'offscreen.html');
  try {
    const times = await page.evaluate(async () => {
      const { runtime } = (globalThis as unknown as ChromeGlobal).chrome;
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await runtime.sendMessage({ type: 'entry.list', payload: {} });
        out.push(performance.now() - t0);
      }
      return out;
    });
    return median(times);
  } finally {
    await page.close();
  }
}

/**
 * Emits `popup_ready_1000_ms` (median of 5; runs, the painted figure and the list length alongside, plus
 * the browser's share (DOM parsed, script started), one `entry.list` round trip and the machine's load
 * average, since other work on this shared 2-core machine moves every figure). Builds the extension first
 * when `.output/chrome-mv3` is missing.
 */
export async function benchPopup(emit: (r: BenchResult) => void): Promise<void> {
  const dir = extensionDir();
  if (!existsSync(join(dir, 'manifest.json'))) {
    execSync('npx wxt build', { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const ext = await launchExtension({ extensionDir: dir });
  try {
    const setup = await openExtensionPage(ext, 'popup.html');
    // The protocol is the fast path: no typing, the default KDF once.
    await call(setup, 'vault.create', { password: PASSWORD });
    const now = Date.now();
    const ids = await addEntries(setup, benchEntries(now));
    // A few retired keys, which the popup lists last.
    for (const id of ids.filter((_, i) => i % 20 === 7)) {
      await call(setup, 'entry.update', { id, patch: { state: 'retired' } });
    }
    await setup.close();

    const listRoundTrip = await timeList(ext);
    // Untimed first opens (their figures are reported as coldRuns): Chromium compiles the popup's scripts
    // afresh the first times and caches the code after that, which is the popup an admin opens every day.
    const cold: Run[] = [];
    for (let i = 0; i < WARM_UP; i++) cold.push(await openAndMeasure(ext));
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await openAndMeasure(ext));
    // The same, opened as the toolbar opens it (see openToolbarAndMeasure), after two untimed opens.
    const control = await openExtensionPage(ext, 'offscreen.html');
    const toolbarCold: Run[] = [];
    const toolbar: ToolbarRun[] = [];
    try {
      for (let i = 0; i < WARM_UP; i++) toolbarCold.push(await openToolbarAndMeasure(control));
      for (let i = 0; i < RUNS; i++) toolbar.push(await openToolbarAndMeasure(control));
    } finally {
      await control.close();
    }
    const bad = [...cold, ...runs, ...toolbarCold, ...toolbar].find(
      (r) => r.rows !== ENTRIES || !Number.isFinite(r.ready),
    );
    if (bad) throw new Error(`popup bench: expected ${ENTRIES} rows and a ready mark, got ${bad.rows} rows`);
    emit({
      name: 'popup_ready_1000_ms',
      value: round(median(runs.map((r) => r.ready))),
      unit: 'ms',
      runs: runs.map((r) => round(r.ready)),
      coldRuns: cold.map((r) => round(r.ready)),
      paintedMs: round(median(runs.map((r) => r.painted))),
      paintedRuns: runs.map((r) => round(r.painted)),
      // Where the time goes: the browser until the script runs, one entry.list round trip on its own.
      domInteractiveMs: round(median(runs.map((r) => r.domInteractive))),
      scriptStartMs: round(median(runs.map((r) => r.scriptStart))),
      // The popup's own share: from its script starting to the list ready (requests, wait, render).
      afterScriptStartMs: round(median(runs.map((r) => r.ready - r.scriptStart))),
      listRoundTripMs: round(listRoundTrip),
      loadAverage: loadavg()[0],
      entries: ENTRIES,
    });
    // Not the budget's figure (that stays the tab above, as the bench has always measured it): the popup
    // as an admin opens it from the toolbar, reported alongside so the two can be compared.
    emit({
      name: 'popup_ready_1000_toolbar_ms',
      value: round(median(toolbar.map((r) => r.ready))),
      unit: 'ms',
      runs: toolbar.map((r) => round(r.ready)),
      coldRuns: toolbarCold.map((r) => round(r.ready)),
      paintedMs: round(median(toolbar.map((r) => r.painted))),
      domInteractiveMs: round(median(toolbar.map((r) => r.domInteractive))),
      scriptStartMs: round(median(toolbar.map((r) => r.scriptStart))),
      afterScriptStartMs: round(median(toolbar.map((r) => r.ready - r.scriptStart))),
      fromOpenMs: round(median(toolbar.map((r) => r.fromOpen))),
      loadAverage: loadavg()[0],
      entries: ENTRIES,
    });
  } finally {
    await ext.close();
  }
}

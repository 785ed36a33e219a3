/**
 * What a page does to KeyGuard's controls in the e2e tests: boxes of its own drawn over them (hostile), and
 * the full-viewport transparent layers Quasar's Notify plugin keeps in every DocBits page (harmless, but
 * IntersectionObserver v2 counts them as painted above everything in the page's normal stacking order).
 */
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { cdpSession } from './a11y.js';

const DECOY_ID = 'hostile-overlay';

export interface DecoyOptions {
  /** `none`: a click-through decoy (the click reaches what is under it); `auto`: a plain cover. */
  pointerEvents: 'auto' | 'none';
  /** The page takes the decoy away at the user's pointerdown, just before the click lands. */
  removeOnPointerDown?: boolean;
  /** What the decoy says. */
  text?: string;
  /**
   * `top` (default): a `popover="manual"` the page shows after KeyGuard's controls, so it is above them in
   * the top layer — the one way a page can paint over them (its ::backdrop is hidden: only the box paints).
   * `z-index`: a fixed box at the highest z-index in the page's own stacking order, which is below the top
   * layer.
   */
  layer?: 'top' | 'z-index';
}

/** The decoy's colour (#1d4ed8), to find it in screenshots. */
export const DECOY_RGB = [0x1d, 0x4e, 0xd8] as const;

/** Draws a 120 × 40 box of the page's own making, topmost (see {@link DecoyOptions.layer}), centred on `at`. */
export async function drawDecoy(
  page: Page,
  at: { x: number; y: number },
  options: DecoyOptions,
): Promise<void> {
  await page.evaluate(
    ({ x, y, id, pointerEvents, removeOnPointerDown, text, top }) => {
      const o = document.createElement('div');
      o.id = id;
      o.textContent = text;
      Object.assign(o.style, {
        position: 'fixed',
        inset: 'auto',
        margin: '0',
        border: '0',
        padding: '0',
        left: `${x - 60}px`,
        top: `${y - 20}px`,
        width: '120px',
        height: '40px',
        background: '#1d4ed8',
        color: '#fff',
        zIndex: '2147483647',
        pointerEvents,
      });
      document.body.append(o);
      if (top) {
        const style = document.createElement('style');
        style.id = `${id}-style`;
        style.textContent = `#${id}::backdrop{display:none}`;
        document.head.append(style);
        o.setAttribute('popover', 'manual');
        o.showPopover();
      }
      if (removeOnPointerDown) {
        document.addEventListener('pointerdown', () => o.remove(), { capture: true, once: true });
      }
    },
    {
      ...at,
      id: DECOY_ID,
      pointerEvents: options.pointerEvents,
      removeOnPointerDown: options.removeOnPointerDown ?? false,
      text: options.text ?? 'Win a prize!',
      top: (options.layer ?? 'top') === 'top',
    },
  );
}

/** Takes the decoy away again (if the page has not already). */
export async function removeDecoy(page: Page): Promise<void> {
  await page.evaluate((id) => {
    document.getElementById(id)?.remove();
    document.getElementById(`${id}-style`)?.remove();
  }, DECOY_ID);
}

/**
 * Adds, from the page's own world, what Quasar's Notify plugin keeps in body on the real DocBits front end:
 * `div.q-notifications` with a list per position — the left/centre/right lists `position: fixed` over the
 * whole viewport, the top and bottom lists full width — all transparent, `pointer-events: none`,
 * `z-index: 9500`. Idempotent.
 */
export async function addQuasarLayers(page: Page): Promise<void> {
  await page.evaluate(quasarLayersScript);
}

/**
 * The page-world function behind {@link addQuasarLayers}, also usable as an init script
 * (`page.addInitScript(quasarLayersScript)`): it waits for body if there is none yet. Self-contained.
 */
export function quasarLayersScript(): void {
  const add = () => {
    if (document.querySelector('[data-test-quasar-layers]')) return;
    const root = document.createElement('div');
    root.className = 'q-notifications';
    root.setAttribute('data-test-quasar-layers', '');
    const lists: Array<[string, Record<string, string>]> = [
      ['top-left', { top: '0', left: '0', right: '0', height: '160px' }],
      ['top', { top: '0', left: '0', right: '0', height: '160px' }],
      ['top-right', { top: '0', left: '0', right: '0', height: '160px' }],
      ['bottom-left', { bottom: '0', left: '0', right: '0', height: '160px' }],
      ['bottom', { bottom: '0', left: '0', right: '0', height: '160px' }],
      ['bottom-right', { bottom: '0', left: '0', right: '0', height: '160px' }],
      ['left', { inset: '0' }],
      ['center', { inset: '0' }],
      ['right', { inset: '0' }],
    ];
    for (const [pos, box] of lists) {
      const list = document.createElement('div');
      const vertical = pos.startsWith('top') ? 'top' : pos.startsWith('bottom') ? 'bottom' : 'center';
      list.className = `q-notifications__list q-notifications__list--${vertical} fixed column no-wrap items-center`;
      Object.assign(list.style, {
        position: 'fixed',
        zIndex: '9500',
        pointerEvents: 'none',
        background: 'transparent',
        ...box,
      });
      root.append(list);
    }
    document.body.append(root);
  };
  if (document.body) add();
  else document.addEventListener('DOMContentLoaded', add, { once: true });
}

/** The colour of the screenshot pixel at (x, y) of the viewport (a 1 × 1 PNG, decoded here). */
export async function pixelAt(page: Page, at: { x: number; y: number }): Promise<[number, number, number]> {
  const png = await page.screenshot({
    clip: { x: Math.round(at.x), y: Math.round(at.y), width: 1, height: 1 },
  });
  // Chunks after the 8-byte signature: length, type, data, CRC. One pixel: filter byte, then R, G, B(, A).
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return [raw[1] ?? 0, raw[2] ?? 0, raw[3] ?? 0];
}

/** Whether a pixel is the decoy's colour (±8 per channel). */
export const isDecoyColour = (rgb: readonly number[]) =>
  rgb.every((v, i) => Math.abs(v - (DECOY_RGB[i] ?? 0)) <= 8);

/**
 * One appearance of a KeyGuard button: from when it was first seen in the accessibility tree until it left
 * it (hidden, removed) — when it was first armed in between.
 */
export interface ArmingRecord {
  name: string;
  seenAt: number;
  armedAt: number | null;
  goneAt: number | null;
}

/**
 * Polls the accessibility tree of `page` (~100 ms apart: each poll costs the page main-thread time) for buttons named in `names` and records each
 * appearance of each (see {@link ArmingRecord}). Start it before the action that makes the buttons appear;
 * `stop()` returns the records.
 */
export function watchArming(
  page: Page,
  names: ReadonlyArray<string | RegExp>,
): { stop(): Promise<ArmingRecord[]> } {
  const open = new Map<number, ArmingRecord>();
  const done: ArmingRecord[] = [];
  let running = true;
  const loop = (async () => {
    const session = await cdpSession(page);
    while (running) {
      const { nodes } = await session.send('Accessibility.getFullAXTree', {});
      const now = Date.now();
      const present = new Set<number>();
      for (const n of nodes) {
        const name = String(n.name?.value ?? '');
        if (n.ignored || n.role?.value !== 'button' || n.backendDOMNodeId === undefined) continue;
        if (!names.some((want) => (typeof want === 'string' ? want === name : want.test(name)))) continue;
        const disabled = (n.properties ?? []).some((p) => p.name === 'disabled' && p.value.value === true);
        present.add(n.backendDOMNodeId);
        let rec = open.get(n.backendDOMNodeId);
        if (!rec) {
          rec = { name, seenAt: now, armedAt: null, goneAt: null };
          open.set(n.backendDOMNodeId, rec);
        }
        if (!disabled && rec.armedAt === null) rec.armedAt = now;
      }
      for (const [id, rec] of open) {
        if (present.has(id)) continue;
        rec.goneAt = now;
        done.push(rec);
        open.delete(id);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...done, ...open.values()];
    },
  };
}

/** Accessible names in `page` matching `pattern` (optionally only of `role`), for names with a count in them. */
export async function namesMatching(page: Page, pattern: RegExp, role?: string): Promise<string[]> {
  const session = await cdpSession(page);
  const { nodes } = await session.send('Accessibility.getFullAXTree', {});
  return nodes
    .filter((n) => !n.ignored && (!role || n.role?.value === role))
    .map((n) => String(n.name?.value ?? ''))
    .filter((name) => pattern.test(name));
}

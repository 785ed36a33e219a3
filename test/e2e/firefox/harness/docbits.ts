/**
 * Driving the DocBits replica in Firefox as a person does (its own buttons and dialogs, by accessible name,
 * with trusted input), and looking at what KeyGuard put into it. Keys are read only to compare them.
 */
import type { Page } from 'puppeteer-core';
import { type FxElement, findByName, queryAllByName } from './a11y.js';

/** The replica's test hooks (`window.__docbits`) used here. */
interface DocbitsHooks {
  list(): Array<{ id: string; key_prefix: string; name: string }>;
  idle(): Promise<void>;
}
type DocbitsWindow = Window & { __docbits?: DocbitsHooks };

export const SHOW_ONCE_CODE = '.key-display code';
export const LEGACY_INPUT = 'label.q-input.api input[aria-label="Key"]';
export const KEYGUARD_HOST = 'span[data-keyguard-ui]';

/** Resolves when the replica has no request in flight and Vue has flushed; waits for the hooks first. */
export async function idle(page: Page, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(() => typeof (window as DocbitsWindow).__docbits?.idle === 'function'))) {
    if (Date.now() > deadline) throw new Error('the DocBits replica did not start (no __docbits hooks)');
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.evaluate(() => (window as DocbitsWindow).__docbits?.idle());
}

/** The computed `-webkit-text-security` of the first element matching `selector` ('' if none). */
export function textSecurity(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return el ? getComputedStyle(el).getPropertyValue('-webkit-text-security') : '';
  }, selector);
}

/** Polls `read` until it returns `want`; true if it did within `timeoutMs`. */
export async function becomes<T>(read: () => Promise<T>, want: T, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await read().catch(() => undefined)) === want) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A rendered KeyGuard control, waiting — as a person would — until it is armed: a control not yet seen
 * unobscured for a moment carries aria-disabled (lib/page/safe-click.ts). Handed over unarmed after 3 s.
 */
export async function control(
  page: Page,
  name: string,
  role = 'button',
  timeoutMs = 10_000,
): Promise<FxElement> {
  const found = await findByName(page, name, role, { timeoutMs });
  const deadline = Date.now() + 3_000;
  while (
    (await found.evaluate((el) => el.getAttribute('aria-disabled') === 'true').catch(() => false)) &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

/** Whether a rendered element with this name exists now. */
export async function isShown(page: Page, name: string, role?: string): Promise<boolean> {
  return (await findByName(page, name, role, { timeoutMs: 0 }).catch(() => null)) !== null;
}

/** Waits until `selector` and its ancestors are fully opaque (a dialog's fade-in has ended). */
export async function waitOpaque(page: Page, selector: string, timeoutMs = 5_000): Promise<void> {
  const ok = await becomes(
    () =>
      page.evaluate((sel) => {
        const first = document.querySelector(sel);
        if (!first) return false;
        let opacity = 1;
        for (let el: Element | null = first; el; el = el.parentElement) {
          opacity *= Number.parseFloat(getComputedStyle(el).opacity) || 0;
        }
        return opacity === 1;
      }, selector),
    true,
    timeoutMs,
  );
  if (!ok) throw new Error(`${selector} did not become visible and opaque`);
}

/**
 * Watches for the show-once key's element and records, in the first animation frame after it appears
 * (before that frame paints), whether it was masked. Call before the action that makes the key appear.
 */
export async function watchMaskBeforePaint(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { __kgMaskProbe?: string };
    w.__kgMaskProbe = 'pending';
    const check = () => {
      const el = document.querySelector(sel);
      if (!el) return false;
      requestAnimationFrame(() => {
        w.__kgMaskProbe = getComputedStyle(el).getPropertyValue('-webkit-text-security');
      });
      return true;
    };
    const observer = new MutationObserver(() => {
      if (check()) observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true, characterData: true });
  }, selector);
}

/** The masking seen by {@link watchMaskBeforePaint} ('pending' until the element appeared). */
export function maskBeforePaint(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __kgMaskProbe?: string }).__kgMaskProbe ?? 'unset');
}

/**
 * Creates a key through DocBits' own UI ("Create API Key" → name, description → Create) and waits for the
 * show-once dialog. Returns the full key (for comparisons only).
 */
export async function createKeyInDocbits(page: Page, name: string, description: string): Promise<string> {
  await (await findByName(page, 'Create API Key', 'button')).click();
  await (await findByName(page, 'Key Name', 'textbox')).fill(name);
  await (await findByName(page, 'Description', 'textbox')).fill(description);
  await (await findByName(page, 'Create', 'button')).click();
  await waitOpaque(page, SHOW_ONCE_CODE, 10_000);
  return page.evaluate((sel) => (document.querySelector(sel)?.textContent ?? '').trim(), SHOW_ONCE_CODE);
}

/** Ticks "I have copied and saved this key" and clicks Done; waits for the dialog to go. */
export async function finishShowOnce(page: Page): Promise<void> {
  await (await findByName(page, 'I have copied and saved this key', 'checkbox')).click();
  const done = await findByName(page, 'Done', 'button');
  await becomes(
    () =>
      done.evaluate(
        (el) => !(el as HTMLButtonElement).disabled && el.getAttribute('aria-disabled') !== 'true',
      ),
    true,
    3_000,
  );
  await done.click();
  if (
    !(await becomes(() => page.evaluate((sel) => document.querySelector(sel) === null, SHOW_ONCE_CODE), true))
  ) {
    throw new Error('the show-once dialog did not close after Done');
  }
  await idle(page);
}

/** The replica's record of the key named `name` (prefix, id) — no secret. */
export async function docbitsRecord(page: Page, name: string): Promise<{ id: string; key_prefix: string }> {
  const record = await page.evaluate(
    (n) => (window as DocbitsWindow).__docbits?.list().find((r) => r.name === n),
    name,
  );
  if (!record) throw new Error(`DocBits has no key named "${name}"`);
  return record;
}

/** Rows of the key table, and how many of them carry a KeyGuard mark. */
export function rowAnnotations(page: Page): Promise<{ rows: number; annotated: number }> {
  return page.evaluate((hostSel) => {
    const rows = [...document.querySelectorAll('.api-keys-card tbody tr')].filter((tr) =>
      tr.querySelector('code.key-prefix'),
    );
    return { rows: rows.length, annotated: rows.filter((tr) => tr.querySelector(`td ${hostSel}`)).length };
  }, KEYGUARD_HOST);
}

/**
 * The KeyGuard element named `name` in the key-table row (a `<tr>` or an ARIA row) whose prefix is `prefix`;
 * a button is waited for until it is armed, as {@link control} does.
 */
export async function findInRow(
  page: Page,
  name: string,
  prefix: string,
  role?: string,
  timeoutMs = 10_000,
): Promise<FxElement> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const el of await queryAllByName(page, name, role)) {
      const rowPrefix = await el
        .evaluate((node) => {
          const root = node.getRootNode();
          const host = root instanceof ShadowRoot ? root.host : node;
          const code = host.closest('tr,[role=row]')?.querySelector('code.key-prefix');
          return code ? (code.textContent ?? '').replace(/\*+$/, '').trim() : null;
        })
        .catch(() => null);
      if (rowPrefix !== prefix) continue;
      if (role === 'button') {
        await becomes(() => el.evaluate((n) => n.getAttribute('aria-disabled') !== 'true'), true, 3_000);
      }
      return el;
    }
    if (Date.now() >= deadline) throw new Error(`no KeyGuard "${name}" in the row with prefix ${prefix}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Driving the DocBits replica the way an administrator does (its own buttons and dialogs, through
 * Playwright's trusted input), and looking at what KeyGuard put into it — for the page e2e tests.
 *
 * Nothing here returns a secret into a message: keys are read into variables only to compare them.
 */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type AxElement, cdpSession, findByName, queryAllByName, readClipboard } from './harness/index.js';

/** The replica's test hooks (`window.__docbits`) this file uses. */
export interface DocbitsHooks {
  list(): Array<{ id: string; key_prefix: string; name: string; is_active: boolean }>;
  legacyKey(): string;
  idle(): Promise<void>;
  rerender(options?: { remount?: boolean }): Promise<void>;
  navigate(path: string): Promise<void>;
  setLanguage(code: string): void;
  readonly lang: string;
  readonly renders: number;
}
export type DocbitsWindow = Window & { __docbits: DocbitsHooks };

/** The replica's labels the tests click, per language (test/fixtures/docbits/public/js/i18n.js). */
export interface DocbitsLabels {
  createKey: string;
  keyName: string;
  description: string;
  expiration: string;
  /** The "Custom date" choice of Expiration, and the date field it adds. */
  customDate: string;
  expirationDate: string;
  create: string;
  confirm: string;
  done: string;
  actions: string;
  revoke: string;
  copied: string;
}

export const LABELS: Record<'en' | 'de', DocbitsLabels> = {
  en: {
    createKey: 'Create API Key',
    keyName: 'Key Name',
    description: 'Description',
    expiration: 'Expiration',
    customDate: 'Custom date',
    expirationDate: 'Expiration date',
    create: 'Create',
    confirm: 'I have copied and saved this key',
    done: 'Done',
    actions: 'Actions',
    revoke: 'Revoke',
    copied: 'Copied!',
  },
  de: {
    createKey: 'API-Schlüssel erstellen',
    keyName: 'Schlüsselname',
    description: 'Beschreibung',
    expiration: 'Ablauf',
    customDate: 'Eigenes Datum',
    expirationDate: 'Ablaufdatum',
    create: 'Erstellen',
    confirm: 'Ich habe diesen Schlüssel kopiert und gespeichert',
    done: 'Fertig',
    actions: 'Aktionen',
    revoke: 'Widerrufen',
    copied: 'Kopiert!',
  },
};

export const SHOW_ONCE_CODE = '.key-display code';
export const LEGACY_INPUT = 'label.q-input.api input[aria-label="Key"]';
export const KEYGUARD_HOST = 'span[data-keyguard-ui]';

/** Resolves when the replica has no request in flight and Vue has flushed (see its README). */
export function idle(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.idle());
}

/**
 * Collects console errors and uncaught exceptions of `page`. Messages are shown with long tokens
 * redacted, in case one held a key.
 */
export function watchPageErrors(page: Page): { list(): string[]; clear(): void } {
  const errors: string[] = [];
  const redact = (s: string) => s.replace(/[\w\-+/=.~]{16,}/g, '<redacted>').slice(0, 300);
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${redact(m.text())}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${redact(String(e.message))}`));
  return { list: () => [...errors], clear: () => void errors.splice(0) };
}

/**
 * Fails the running test if the DocBits page logged a console error or threw since the last call, and
 * starts afresh (for an afterEach: DocBits must keep working through every test).
 */
export function expectNoNewPageErrors(errors: ReturnType<typeof watchPageErrors>): void {
  const seen = errors.list();
  errors.clear();
  expect(seen, 'console errors or uncaught exceptions on the DocBits page').toEqual([]);
}

/** The computed `-webkit-text-security` of the first element matching `selector`. */
export function textSecurity(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => getComputedStyle(el).getPropertyValue('-webkit-text-security'));
}

/** Waits until the clipboard (read from `page`) does / does not equal `value`; true if it got there. */
export async function clipboardBecomes(
  page: Page,
  value: string,
  equal: boolean,
  timeoutMs = 5_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await readClipboard(page).catch(() => undefined);
    if (now !== undefined && (now === value) === equal) return true;
    if (Date.now() >= deadline) return false;
    await page.waitForTimeout(150);
  }
}

/** A DocBits copy toast with `text` is visible. */
export async function expectToast(page: Page, text: string): Promise<void> {
  await page
    .locator('.q-notification__message', { hasText: text })
    .first()
    .waitFor({ state: 'visible', timeout: 5_000 });
}

/**
 * Creates a key through DocBits' own UI: "Create API Key" → name, description, expiration → Create, and
 * waits for the show-once dialog. Returns the full key (for comparisons only). `expiration` is an option's
 * text ("90 days"); `date` (YYYY-MM-DD) picks "Custom date" and types the date into the field it adds.
 */
export async function createKeyInDocbits(
  page: Page,
  labels: DocbitsLabels,
  values: { name: string; description: string; expiration?: string; date?: string },
): Promise<string> {
  await page.getByRole('button', { name: labels.createKey, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: labels.keyName, exact: true }).fill(values.name);
  await dialog.getByRole('textbox', { name: labels.description, exact: true }).fill(values.description);
  const expiration = values.date ? labels.customDate : values.expiration;
  if (expiration) {
    await dialog.getByRole('combobox', { name: labels.expiration, exact: true }).click();
    await page.getByRole('option', { name: expiration, exact: true }).click();
  }
  if (values.date) {
    await dialog.getByRole('textbox', { name: labels.expirationDate, exact: true }).fill(values.date);
  }
  await dialog.getByRole('button', { name: labels.create, exact: true }).click();
  const code = page.locator(SHOW_ONCE_CODE);
  await code.waitFor({ state: 'visible', timeout: 10_000 });
  await waitOpaque(page, SHOW_ONCE_CODE);
  const key = (await code.textContent())?.trim() ?? '';
  expect(key.length > 0, 'the show-once dialog shows a key').toBe(true);
  return key;
}

/**
 * The entry `text` of the menu that is open (the row's actions, the language switcher), as a person picks
 * it. Quasar's QMenu is a `div.q-menu` popup at the end of body (or inside the dialog it opened from) with
 * no ARIA role of its own; its clickable QItems are role=button.
 */
export function menuItem(page: Page, text: string): Locator {
  return page.locator('.q-menu').getByRole('button', { name: text, exact: true });
}

/**
 * Waits until the element and all its ancestors are fully opaque — the end of a dialog's fade-in. KeyGuard
 * rightly refuses clicks on a (nearly) transparent page, which a dialog still fading in is.
 */
export async function waitOpaque(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      let opacity = 1;
      for (let el = document.querySelector(sel); el; el = el.parentElement) {
        opacity *= Number.parseFloat(getComputedStyle(el).opacity) || 0;
      }
      return opacity === 1 && document.querySelector(sel) !== null;
    },
    selector,
    { timeout: 5_000 },
  );
}

/** Ticks DocBits' "I have copied and saved this key" and clicks Done; waits for the dialog to go. */
export async function finishShowOnce(page: Page, labels: DocbitsLabels): Promise<void> {
  const done = page.getByRole('button', { name: labels.done, exact: true });
  expect(await done.isDisabled(), "DocBits' Done is disabled before the checkbox").toBe(true);
  await page.getByRole('checkbox', { name: labels.confirm, exact: true }).click();
  await expect.poll(() => done.isEnabled(), { timeout: 3_000 }).toBe(true);
  await done.click();
  await page.locator(SHOW_ONCE_CODE).waitFor({ state: 'detached', timeout: 5_000 });
  await idle(page);
}

/** The replica's record of the key named `name` (prefix, id, state) — no secret. */
export async function docbitsRecord(
  page: Page,
  name: string,
): Promise<{ id: string; key_prefix: string; is_active: boolean }> {
  const record = await page.evaluate(
    (n) => (window as unknown as DocbitsWindow).__docbits.list().find((r) => r.name === n),
    name,
  );
  if (!record) throw new Error(`DocBits has no key named "${name}"`);
  return record;
}

/** The table prefix (`code.key-prefix` text without `****`) of the row holding the KeyGuard control `el`. */
export function rowPrefixOf(el: AxElement): Promise<string | null> {
  return el.evaluate((node) => {
    const root = node.getRootNode();
    const host = root instanceof ShadowRoot ? root.host : node;
    const code = host.closest('tr')?.querySelector('code.key-prefix');
    return code ? (code.textContent ?? '').replace(/\*+$/, '').trim() : null;
  });
}

/**
 * The KeyGuard control named `name` in the table row whose prefix is `prefix`, waiting for it and then,
 * like {@link control}, for it to be armed (handed over unarmed after {@link ARMING_WAIT_MS}).
 */
export async function findInRow(
  page: Page,
  name: string,
  prefix: string,
  role?: string,
  timeoutMs = 10_000,
): Promise<AxElement> {
  const deadline = Date.now() + timeoutMs;
  let armingDeadline: number | null = null;
  for (;;) {
    for (const el of await queryAllByName(page, name, role)) {
      if ((await rowPrefixOf(el).catch(() => null)) !== prefix) continue;
      armingDeadline ??= Date.now() + ARMING_WAIT_MS;
      if (el.properties.disabled !== true || Date.now() >= armingDeadline) return el;
    }
    if (Date.now() >= deadline) {
      throw new Error(`no KeyGuard "${name}" in the table row with prefix ${prefix} within ${timeoutMs} ms`);
    }
    await page.waitForTimeout(150);
  }
}

/** Rows of the key table, and how many of them carry a KeyGuard mark in their Key cell. */
export function rowAnnotations(page: Page): Promise<{ rows: number; annotated: number }> {
  return page.evaluate((hostSel) => {
    const rows = [...document.querySelectorAll('.api-keys-card tbody tr')].filter((tr) =>
      tr.querySelector('code.key-prefix'),
    );
    const annotated = rows.filter((tr) => tr.querySelector(`td ${hostSel}`)).length;
    return { rows: rows.length, annotated };
  }, KEYGUARD_HOST);
}

/** Waits until every row of a non-empty key table carries a KeyGuard mark. */
export async function expectAllRowsAnnotated(page: Page, timeoutMs = 8_000): Promise<number> {
  let last = { rows: 0, annotated: -1 };
  await expect
    .poll(
      async () => {
        last = await rowAnnotations(page);
        return last.rows > 0 && last.rows === last.annotated;
      },
      { timeout: timeoutMs, message: 'every key-table row gets a KeyGuard mark' },
    )
    .toBe(true);
  return last.rows;
}

/** How long {@link control} waits for a found control to be armed before handing it over anyway. */
const ARMING_WAIT_MS = 3_000;

/**
 * Waits for a rendered KeyGuard control, then — as a user would — until it is armed: a control not yet
 * seen unobscured for a moment carries aria-disabled (lib/page/safe-click.ts) and refuses clicks. A control
 * that stays unarmed (a hostile page keeps it covered or see-through) is handed over after
 * {@link ARMING_WAIT_MS}, so tests can show that clicking it does nothing.
 */
export async function control(
  page: Page,
  name: string,
  role = 'button',
  timeoutMs = 10_000,
): Promise<AxElement> {
  let found = await findByName(page, name, role, { timeoutMs });
  const deadline = Date.now() + ARMING_WAIT_MS;
  while (found.properties.disabled === true && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    found = await findByName(page, name, role, { timeoutMs });
  }
  return found;
}

/** Whether a rendered element with this accessible name exists right now (any role). */
export async function isShown(page: Page, name: string, role?: string): Promise<boolean> {
  return (await findByName(page, name, role, { timeoutMs: 0 }).catch(() => null)) !== null;
}

/**
 * KeyGuard's one-line messages currently on the page ("Copied…", "KeyGuard ignored this click…",
 * "KeyGuard could not do that: …"), read from the accessibility tree (they live in closed shadow roots).
 * For failure messages: they never contain a key.
 */
export async function keyguardMessages(page: Page): Promise<string[]> {
  const session = await cdpSession(page);
  const { nodes } = await session.send('Accessibility.getFullAXTree', {});
  return nodes
    .filter((n) => !n.ignored && n.role?.value === 'StaticText')
    .map((n) => String(n.name?.value ?? ''))
    .filter((t) => /^(Copied|KeyGuard |Saved in KeyGuard)/.test(t));
}

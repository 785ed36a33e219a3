/**
 * The markup-variation suite, end to end (issue 13, "Reading pages KeyGuard has never seen"): the same flows
 * as a person goes through on DocBits, over generated variants of the integration page
 * (test/fixtures/variants — dialog containers, field labelling, description and expiration controls, table
 * markup, organisation id as field or text, six languages, DocBits' wording or synonyms). Each variant is
 * its own test case; one browser and one vault for the whole file.
 *
 * Keys are compared as booleans and never printed.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, EntrySummary } from '../../lib/vault/model';
import { describeVariant, VARIANTS, type Variant } from '../fixtures/variants/choices';
import {
  clipboardBecomes,
  control,
  expectNoNewPageErrors,
  keyguardMessages,
  SHOW_ONCE_CODE,
  textSecurity,
  watchPageErrors,
} from './docbits-ui.js';
import {
  type AxElement,
  call,
  cdpSession,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  launchExtension,
  openPopup,
  queryAllByName,
  startVariantSite,
  writeClipboard,
} from './harness/index.js';
import { expiryChoice, type VariantWindow as Flow } from './variant-flow';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;

type VariantWindow = Flow & { __maskProbe: string[] };

let site: HttpsServer;
let ext: ExtensionBrowser;
let ctl: Page;
let page: Page;
let errors: ReturnType<typeof watchPageErrors>;

beforeAll(async () => {
  site = await startVariantSite(VARIANTS);
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
  ctl = await openPopup(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
  // No clipboard clearing: each copy below is checked against a sentinel written just before it.
  await call(ctl, 'settings.set', { patch: { clipboardClearSeconds: 0 } });
  page = await ext.context.newPage();
  errors = watchPageErrors(page);
});

beforeEach(async () => {
  const status = await call<{ unlocked: boolean }>(ctl, 'vault.status');
  if (!status.unlocked) await call(ctl, 'vault.unlock', { password: PASSWORD });
});

// The variant page must keep working: no console error and no uncaught exception.
afterEach(() => expectNoNewPageErrors(errors));

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

/** The key-table prefix of the row (a <tr> or an ARIA row) holding the KeyGuard element `el`. */
function rowPrefixOf(el: AxElement): Promise<string | null> {
  return el.evaluate((node) => {
    const root = node.getRootNode();
    const host = root instanceof ShadowRoot ? root.host : node;
    const code = host.closest('tr,[role=row]')?.querySelector('code.key-prefix');
    return code ? (code.textContent ?? '').replace(/\*+$/, '').trim() : null;
  });
}

/** Waits for KeyGuard's element named `name` in the row with `prefix` (and, for a button, for it to arm). */
async function inRow(name: string, prefix: string, role?: string, timeoutMs = 10_000): Promise<AxElement> {
  const deadline = Date.now() + timeoutMs;
  let armBy: number | null = null;
  for (;;) {
    for (const el of await queryAllByName(page, name, role)) {
      if ((await rowPrefixOf(el).catch(() => null)) !== prefix) continue;
      armBy ??= Date.now() + 3_000;
      if (el.properties.disabled !== true || Date.now() >= armBy) return el;
    }
    if (Date.now() >= deadline)
      throw new Error(`no KeyGuard "${name}" in the row ${prefix} within ${timeoutMs} ms`);
    await page.waitForTimeout(100);
  }
}

/** KeyGuard's "could not read" note in the save form, if shown (it never holds a key). */
async function unreadNote(): Promise<string[]> {
  const session = await cdpSession(page);
  const { nodes } = await session.send('Accessibility.getFullAXTree', {});
  return nodes
    .filter((n) => !n.ignored && n.role?.value === 'StaticText')
    .map((n) => String(n.name?.value ?? ''))
    .filter((t) => t.startsWith('KeyGuard could not read'));
}

/** Chooses the planned expiration in the variant's create dialog as a user would; returns the expected date(s). */
async function chooseExpiry(v: Variant): Promise<string[]> {
  const choice = expiryChoice(v);
  if (choice.control === 'date' || choice.control === 'date-text')
    await page.locator('#v-exp').fill(choice.typed);
  else if (choice.control === 'select') await page.locator('#v-exp').selectOption(choice.value);
  else if (choice.control === 'radio') await page.locator(`#v-exp-${choice.value}`).check();
  else {
    await page.locator('.combo').click();
    await page.getByRole('option', { name: choice.optionText, exact: true }).click();
  }
  return choice.expected;
}

describe.each(VARIANTS.map((v) => [describeVariant(v), v] as const))('variant %s', (_, v) => {
  it('mask, show/hide, copy, save prefilled, table marks, copy full key, org id', async () => {
    await page.goto(site.url(`/settings/integration?variant=${v.index}`), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (window as unknown as VariantWindow).__variant?.loaded === true);
    const { orgId, subOrgId, seeded } = await page.evaluate(() => {
      const x = (window as unknown as VariantWindow).__variant;
      return { orgId: x.orgId, subOrgId: x.subOrgId, seeded: x.list().map((k) => k.prefix) };
    });

    // The table is read whatever its markup: both keys DocBits lists are marked "Not in KeyGuard".
    for (const prefix of seeded) await inRow('Not in KeyGuard', prefix);

    // A key is masked in the first frame it is in (a probe in the page checks before that frame is painted).
    await page.evaluate(() => {
      const w = window as unknown as VariantWindow;
      w.__maskProbe = [];
      new MutationObserver(() => {
        const code = document.querySelector('.key-display code');
        if (!code || code.hasAttribute('data-probed')) return;
        code.setAttribute('data-probed', '');
        requestAnimationFrame(() =>
          w.__maskProbe.push(getComputedStyle(code).getPropertyValue('-webkit-text-security')),
        );
      }).observe(document.body, { childList: true, subtree: true });
    });

    // Create a key through the variant's own dialog.
    const name = `Variant ${v.index} ${randomBytes(3).toString('hex')}`;
    const description = `Integration for variant ${v.index}`;
    await page.locator('#v-create').click();
    await page.locator('#v-name').fill(name);
    await page.locator('#v-desc').fill(description);
    const expectedDays = await chooseExpiry(v);
    await page.locator('#v-submit').click();
    const code = page.locator(SHOW_ONCE_CODE);
    await code.waitFor({ state: 'visible', timeout: 10_000 });
    const key = (await code.textContent())?.trim() ?? '';
    expect(key.startsWith('dbk_'), 'the show-once dialog shows a key').toBe(true);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as VariantWindow).__maskProbe))
      .toEqual(['disc']);
    expect(await textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');

    // Show / Hide
    await (await control(page, 'Show API key')).click();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).not.toBe('disc');
    await (await control(page, 'Hide API key')).click();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');

    // Copy
    await writeClipboard(page, 'before-copy');
    await (await control(page, 'Copy API key')).click();
    expect(
      await clipboardBecomes(page, key, true),
      `Copy API key put the key on the clipboard (KeyGuard said: ${(await keyguardMessages(page)).join(' | ')})`,
    ).toBe(true);

    // Save to KeyGuard: prefilled from the variant's dialog and ID panel, nothing reported missing.
    await (await control(page, 'Save to KeyGuard')).click();
    const nameField = await control(page, 'Name', 'textbox');
    const prefilled = {
      name: await nameField.value(),
      notes: await (await control(page, 'Notes', 'textbox')).value(),
      expires: await (await findByName(page, 'Expires (empty = never)', 'Date')).value(),
      org: await (await control(page, 'Organisation ID', 'textbox')).value(),
    };
    expect(prefilled).toEqual({
      name,
      notes: description,
      expires: expect.toBeOneOf(expectedDays),
      org: orgId,
    });
    expect(await unreadNote(), 'KeyGuard read every field').toEqual([]);
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });

    const saved = (await call<EntrySummary[]>(ctl, 'entry.list')).filter((e) => e.name === name);
    expect(saved.length, 'one entry saved under the dialog name').toBe(1);
    const entry = await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' });
    expect(entry.secret === key, 'the saved secret is the shown key').toBe(true);
    expect({
      name: entry.name,
      notes: entry.notes,
      expiresAt: entry.expiresAt,
      orgId: entry.orgId,
      notSubOrg: entry.orgId !== subOrgId,
    }).toEqual({
      name,
      notes: description,
      expiresAt: Date.parse(`${prefilled.expires}T23:59:59`),
      orgId,
      notSubOrg: true,
    });

    // DocBits' checkbox + Done; the new row is "In KeyGuard" and "Copy full key" copies the full key.
    await page.locator('#v-confirm').check();
    await page.locator('#v-done').click();
    await code.waitFor({ state: 'detached', timeout: 5_000 });
    const prefix = await page.evaluate(
      (n) => (window as unknown as VariantWindow).__variant.list().find((k) => k.name === n)?.prefix ?? '',
      name,
    );
    expect(key.startsWith(prefix) && prefix.length > 0).toBe(true);
    await inRow('In KeyGuard', prefix);
    for (const p of seeded) await inRow('Not in KeyGuard', p);
    const copyFull = await inRow('Copy full key', prefix, 'button');
    await writeClipboard(page, 'before-copy-full-key');
    await copyFull.click();
    expect(
      await clipboardBecomes(page, key, true),
      `Copy full key put the key on the clipboard (KeyGuard said: ${(await keyguardMessages(page)).join(' | ')})`,
    ).toBe(true);
  });
});

/**
 * Firefox: the markup-variation suite (test/fixtures/variants; the Chromium twin is test/e2e/variants.e2e.ts).
 * Every generated variant of the integration page goes through what a person does on DocBits: the table's
 * keys are marked, a new key is masked before it is painted, Show/Hide and Copy work, Save to KeyGuard is
 * prefilled from the variant's own dialog and saves once, and after DocBits' Done the new row is "In
 * KeyGuard" and "Copy full key" copies it. One browser and one vault for the file.
 *
 * Keys are compared as booleans and never printed.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, EntrySummary } from '../../../lib/vault/model';
import { describeVariant, VARIANTS, type Variant } from '../../fixtures/variants/choices';
import { expiryChoice, type VariantWindow } from '../variant-flow';
import {
  becomes,
  bySelector,
  call,
  clipboardBecomes,
  control,
  type ExtensionBrowser,
  findByName,
  findInRow,
  type HttpsServer,
  keyguardMessages,
  launchExtension,
  maskBeforePaint,
  navigate,
  openPopup,
  openUrl,
  PASSWORD,
  SHOW_ONCE_CODE,
  startVariantSite,
  textSecurity,
  watchMaskBeforePaint,
  writeClipboard,
} from './harness/index.js';

let site: HttpsServer;
let ext: ExtensionBrowser;
let ctl: Page;
let page: Page;

beforeAll(async () => {
  site = await startVariantSite(VARIANTS);
  ext = await launchExtension({ site });
  ctl = await openPopup(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
  // No clipboard clearing: each copy below is checked against a sentinel written just before it.
  await call(ctl, 'settings.set', { patch: { clipboardClearSeconds: 0 } });
  page = await openUrl(ext, 'about:blank');
});

beforeEach(async () => {
  const status = await call<{ unlocked: boolean }>(ctl, 'vault.status');
  if (!status.unlocked) await call(ctl, 'vault.unlock', { password: PASSWORD });
});

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

/**
 * Chooses the planned expiration in the variant's create dialog; returns the dates KeyGuard may read.
 * Clicks and typing are trusted input; a native select and a date input get their value set as the
 * browser's own picker would (WebDriver cannot drive Firefox's native pickers), with input and change events.
 */
async function chooseExpiry(v: Variant): Promise<string[]> {
  const choice = expiryChoice(v);
  const setValue = (value: string) =>
    page.evaluate((val) => {
      const el = document.querySelector<HTMLInputElement | HTMLSelectElement>('#v-exp');
      if (!el) throw new Error('no expiration control');
      el.value = val;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  if (choice.control === 'date') await setValue(choice.typed);
  else if (choice.control === 'date-text') await (await bySelector(page, '#v-exp')).fill(choice.typed);
  else if (choice.control === 'select') await setValue(choice.value);
  else if (choice.control === 'radio') await (await bySelector(page, `#v-exp-${choice.value}`)).click();
  else {
    await (await bySelector(page, '.combo')).click();
    await (await findByName(page, choice.optionText, 'option')).click();
  }
  return choice.expected;
}

describe.each(VARIANTS.map((v) => [describeVariant(v), v] as const))('Firefox: variant %s', (_, v) => {
  it('mask, show/hide, copy, save prefilled, table marks, copy full key, org id', async () => {
    await navigate(page, site.url(`/settings/integration?variant=${v.index}`));
    const loaded = () => page.evaluate(() => (window as unknown as VariantWindow).__variant?.loaded === true);
    expect(await becomes(loaded, true, 10_000), 'the variant page loaded').toBe(true);
    const { orgId, subOrgId, seeded } = await page.evaluate(() => {
      const x = (window as unknown as VariantWindow).__variant;
      return { orgId: x.orgId, subOrgId: x.subOrgId, seeded: x.list().map((k) => k.prefix) };
    });

    // The table is read whatever its markup: both keys DocBits lists are marked "Not in KeyGuard".
    for (const prefix of seeded) await findInRow(page, 'Not in KeyGuard', prefix);

    // Create a key through the variant's own dialog; it is masked in the first frame it is in.
    await watchMaskBeforePaint(page, SHOW_ONCE_CODE);
    const name = `Variant ${v.index} ${randomBytes(3).toString('hex')}`;
    const description = `Integration for variant ${v.index}`;
    await (await bySelector(page, '#v-create')).click();
    await (await bySelector(page, '#v-name')).fill(name);
    await (await bySelector(page, '#v-desc')).fill(description);
    const expectedDays = await chooseExpiry(v);
    await (await bySelector(page, '#v-submit')).click();
    const shown = () => page.evaluate((sel) => document.querySelector(sel) !== null, SHOW_ONCE_CODE);
    expect(await becomes(shown, true, 10_000), 'the show-once dialog appeared').toBe(true);
    const key = await page.evaluate(
      (sel) => (document.querySelector(sel)?.textContent ?? '').trim(),
      SHOW_ONCE_CODE,
    );
    expect(key.startsWith('dbk_'), 'the show-once dialog shows a key').toBe(true);
    expect(await becomes(() => maskBeforePaint(page), 'disc', 5_000), 'masked in its first frame').toBe(true);

    // Show / Hide
    await (await control(page, 'Show API key')).click();
    expect(await becomes(async () => (await textSecurity(page, SHOW_ONCE_CODE)) !== 'disc', true)).toBe(true);
    await (await control(page, 'Hide API key')).click();
    expect(await becomes(() => textSecurity(page, SHOW_ONCE_CODE), 'disc')).toBe(true);

    // Copy
    await writeClipboard(page, 'before-copy');
    await (await control(page, 'Copy API key')).click();
    expect(
      await clipboardBecomes(page, key, true, 5_000),
      `Copy API key put the key on the clipboard (KeyGuard said: ${(await keyguardMessages(page)).join(' | ')})`,
    ).toBe(true);

    // Save to KeyGuard: prefilled from the variant's dialog and ID panel, nothing reported missing.
    await (await control(page, 'Save to KeyGuard')).click();
    const nameField = await control(page, 'Name', 'textbox');
    const prefilled = {
      name: await nameField.value(),
      notes: await (await control(page, 'Notes', 'textbox')).value(),
      expires: await (await findByName(page, 'Expires (empty = never)', 'textbox')).value(),
      org: await (await control(page, 'Organisation ID', 'textbox')).value(),
    };
    expect(prefilled).toEqual({
      name,
      notes: description,
      expires: expect.toBeOneOf(expectedDays),
      org: orgId,
    });
    expect(
      (await keyguardMessages(page)).filter((m) => m.startsWith('KeyGuard could not read')),
      'KeyGuard read every field',
    ).toEqual([]);
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });

    const saved = (await call<EntrySummary[]>(ctl, 'entry.list')).filter((e) => e.name === name);
    expect(saved.length, 'one entry saved under the dialog name').toBe(1);
    const entry = await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' });
    expect(entry.secret === key, 'the saved secret is the shown key').toBe(true);
    expect({
      notes: entry.notes,
      expiresAt: entry.expiresAt,
      orgId: entry.orgId,
      notSubOrg: entry.orgId !== subOrgId,
    }).toEqual({
      notes: description,
      expiresAt: Date.parse(`${prefilled.expires}T23:59:59`),
      orgId,
      notSubOrg: true,
    });

    // DocBits' checkbox + Done; the new row is "In KeyGuard" and "Copy full key" copies the full key.
    await (await bySelector(page, '#v-confirm')).click();
    await (await bySelector(page, '#v-done')).click();
    expect(await becomes(shown, false, 5_000), 'the show-once dialog closed').toBe(true);
    const prefix = await page.evaluate(
      (n) => (window as unknown as VariantWindow).__variant.list().find((k) => k.name === n)?.prefix ?? '',
      name,
    );
    expect(key.startsWith(prefix) && prefix.length > 0).toBe(true);
    await findInRow(page, 'In KeyGuard', prefix);
    for (const p of seeded) await findInRow(page, 'Not in KeyGuard', p);
    const copyFull = await findInRow(page, 'Copy full key', prefix, 'button');
    await writeClipboard(page, 'before-copy-full-key');
    await copyFull.click();
    expect(
      await clipboardBecomes(page, key, true, 5_000),
      `Copy full key put the key on the clipboard (KeyGuard said: ${(await keyguardMessages(page)).join(' | ')})`,
    ).toBe(true);
  });
});

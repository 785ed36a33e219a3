// @vitest-environment happy-dom
/**
 * The page readers over every generated markup variant (test/fixtures/variants): the variant's page is
 * built in the test document and run by its own script, then filled in as a user would.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  fillCreateDialogName,
  findFullKeys,
  readCreateDialogValues,
  readOrgId,
} from '../../../lib/page/detect';
import { readKeyTable } from '../../../lib/page/table';
import { describeVariant, plannedExpiry, VARIANTS, type Variant } from '../../fixtures/variants/choices';
import { expiryOptions, VARIANT_SCRIPT, type VariantPage, variantPage } from '../../fixtures/variants/page';
import { wordsFor } from '../../fixtures/variants/words';

const DAY = 86_400_000;
const NOW = new Date(2026, 5, 1, 12, 0).getTime();
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the variant's page in the test document and runs its script; waits for the key list. */
async function load(v: Variant): Promise<VariantPage> {
  const page = variantPage(v);
  document.body.innerHTML = page.body;
  (window as unknown as { __VARIANT_CONFIG: unknown }).__VARIANT_CONFIG = page.config;
  new Function(VARIANT_SCRIPT)();
  for (
    let i = 0;
    i < 50 && !(window as unknown as { __variant?: { loaded: boolean } }).__variant?.loaded;
    i++
  )
    await wait(20);
  return page;
}

function type(el: Element | null, value: string): void {
  const input = el as HTMLInputElement;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Chooses the planned expiration in the open create dialog, as a user would; returns the date if one. */
function chooseExpiry(v: Variant): Date | null {
  const { days, asDate } = plannedExpiry(v);
  const field = document.querySelector('#v-exp');
  if (asDate) {
    const d = new Date(NOW + days * DAY);
    const text =
      v.expiry === 'date'
        ? `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
        : new Intl.DateTimeFormat(v.lang).format(d);
    type(field, text);
    return d;
  }
  const text = expiryOptions(wordsFor(v.lang, v.wording)).find(([val]) => val === String(days))?.[1] ?? '';
  if (v.expiry === 'select') type(field, String(days));
  else if (v.expiry === 'radio') (document.querySelector(`#v-exp-${days}`) as HTMLElement).click();
  else {
    (document.querySelector('.combo') as HTMLElement).click();
    const option = [...document.querySelectorAll('[role=option]')].find((o) => o.textContent === text);
    (option as HTMLElement).click();
  }
  return null;
}

describe.each(VARIANTS.map((v) => [describeVariant(v), v] as const))('variant %s', (_, v) => {
  let page: VariantPage;
  beforeEach(async () => {
    page = await load(v);
  });

  it('reads the organisation id, never the sub-organisation id', () => {
    expect(readOrgId(document)).toBe(page.orgId);
  });

  it('reads the key table: prefixes, names, dates and status by the headers', () => {
    const rows = readKeyTable(document);
    const listed = (
      window as unknown as { __variant: { list(): Array<{ prefix: string }> } }
    ).__variant.list();
    expect(rows.map((r) => r.prefix)).toEqual(listed.map((k) => k.prefix));
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ['ERP connector', 'active'],
      ['Old upload', 'revoked'],
    ]);
    const [first, second] = rows;
    const in200 = new Date(Date.now() + 200 * DAY);
    expect(first?.expiresAt).toBe(new Date(in200.getFullYear(), in200.getMonth(), in200.getDate()).getTime());
    expect(Math.abs((first?.lastUsedAt ?? 0) - (Date.now() - 3 * DAY))).toBeLessThan(61_000);
    expect([second?.expiresAt, second?.lastUsedAt]).toEqual([null, null]);
  });

  it('reads Key Name, Description and Expiration from the create dialog, and says what is missing', () => {
    (document.querySelector('#v-create') as HTMLElement).click();
    // nothing typed yet: the name is missing (the description is there, only empty)
    expect(readCreateDialogValues(document, NOW).unread).toContain('name');
    type(document.querySelector('#v-name'), `Variant ${v.index} key`);
    type(document.querySelector('#v-desc'), `Made by variant ${v.index}`);
    const date = chooseExpiry(v);
    const { days } = plannedExpiry(v);
    expect(readCreateDialogValues(document, NOW)).toEqual({
      name: `Variant ${v.index} key`,
      description: `Made by variant ${v.index}`,
      expiresAt: date
        ? new Date(date.getFullYear(), date.getMonth(), date.getDate(), 23, 59, 59).getTime()
        : NOW + days * DAY,
    });
  });

  it('suggests a name into the empty name field', () => {
    (document.querySelector('#v-create') as HTMLElement).click();
    expect(fillCreateDialogName(document, 'Rotated key')).toBe(true);
    expect((document.querySelector('#v-name') as HTMLInputElement).value).toBe('Rotated key');
  });

  it('finds the show-once key after Create, and no create dialog any more', () => {
    (document.querySelector('#v-create') as HTMLElement).click();
    type(document.querySelector('#v-name'), 'Shown once');
    chooseExpiry(v);
    (document.querySelector('#v-submit') as HTMLElement).click();
    const sites = findFullKeys(document, '/settings/integration');
    expect(sites.map((s) => s.kind)).toEqual(['show-once']);
    expect(sites[0]?.readKey().startsWith('dbk_')).toBe(true);
    expect(readCreateDialogValues(document, NOW)).toEqual({});
  });
});

it('covers at least 24 variants, every language and every value of every choice', () => {
  expect(VARIANTS.length).toBeGreaterThanOrEqual(24);
  expect(new Set(VARIANTS.map((v) => v.lang)).size).toBe(6);
});

/**
 * What the markup-variation suites (Chromium: variants.e2e.ts, Firefox: firefox/variants.e2e.ts) share:
 * the variant page's test hooks and the expiration each run chooses in the variant's own control, with the
 * dates KeyGuard may then read. Browser-neutral: no driver API here.
 */
import { plannedExpiry, type Variant } from '../fixtures/variants/choices';
import { expiryOptions } from '../fixtures/variants/page';
import { wordsFor } from '../fixtures/variants/words';

const DAY = 86_400_000;

/** The variant page's own hooks (test/fixtures/variants/page-script.js). */
export interface VariantWindow {
  __variant: {
    orgId: string;
    subOrgId: string;
    loaded: boolean;
    list(): Array<{ prefix: string; name: string; active: boolean }>;
  };
}

/** How to set the variant's expiration control as a user would, and which dates KeyGuard may read from it. */
export type ExpiryChoice =
  | { control: 'date'; typed: string; expected: string[] }
  | { control: 'date-text'; typed: string; expected: string[] }
  | { control: 'select'; value: string; expected: string[] }
  | { control: 'radio'; value: string; expected: string[] }
  | { control: 'combobox'; optionText: string; expected: string[] };

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function expiryChoice(v: Variant, now = Date.now()): ExpiryChoice {
  const { days, asDate } = plannedExpiry(v);
  if (asDate) {
    const d = new Date(now + days * DAY);
    const local = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    return v.expiry === 'date'
      ? { control: 'date', typed: local, expected: [local] }
      : { control: 'date-text', typed: new Intl.DateTimeFormat(v.lang).format(d), expected: [local] };
  }
  // "N days" from the moment KeyGuard read the dialog; shown as a day, which an hour either way may change
  const expected = [iso(now + days * DAY - 3_600_000), iso(now + days * DAY + 3_600_000)];
  if (v.expiry === 'select' || v.expiry === 'radio')
    return { control: v.expiry, value: String(days), expected };
  const optionText =
    expiryOptions(wordsFor(v.lang, v.wording)).find(([val]) => val === String(days))?.[1] ?? '';
  return { control: 'combobox', optionText, expected };
}

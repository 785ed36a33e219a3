// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CreateDialogWatch, readCreateDialogValues, watchCreateDialog } from '../../../lib/page/detect';
import { expectedFor, LANGS, loadFixture } from './fixtures';

const DAY = 86_400_000;
const NOW = new Date(2026, 5, 1, 12, 0).getTime();
const tick = () => new Promise((r) => setTimeout(r, 5));

function expectedExpiry(expiration: null | number | string | undefined): number | null {
  if (expiration === null || expiration === undefined) return null;
  if (typeof expiration === 'number') return NOW + expiration * DAY;
  return new Date(`${expiration}T23:59:59`).getTime();
}

describe.each(LANGS)('create dialog (%s, replica DOM)', (lang) => {
  const e = expectedFor(`current-${lang}`).create;
  beforeEach(() => loadFixture(`create-${lang}`));

  it('reads Key Name, Description and Expiration while the dialog is open', () => {
    expect(readCreateDialogValues(document, NOW)).toEqual({
      name: e?.name,
      description: e?.description,
      expiresAt: expectedExpiry(e?.expiration),
    });
  });

  it('is not fooled by the show-once dialog or the page behind', () => {
    loadFixture(`current-${lang}`);
    expect(readCreateDialogValues(document, NOW)).toEqual({});
  });
});

describe('watchCreateDialog', () => {
  let watch: CreateDialogWatch | undefined;
  afterEach(() => watch?.stop());

  it('remembers the last values after DocBits closes the dialog', async () => {
    loadFixture('create-en');
    const seen: unknown[] = [];
    watch = watchCreateDialog(document, (v) => seen.push(v));
    expect(watch.last()?.name).toBe('Fixture key en');

    const name = document.querySelector<HTMLInputElement>('[role=dialog] input[type=text]');
    if (name) name.value = 'Renamed integration';
    name?.dispatchEvent(new Event('input', { bubbles: true }));
    await tick();
    expect(watch.last()?.name).toBe('Renamed integration');
    expect(seen).toHaveLength(2);

    // "Never" chosen from the listbox (a menu outside the dialog): the field shows the option's label
    // (Quasar shows the label in a span and keeps it as the combobox input's value too.)
    const shown = document.querySelector('[role=dialog] label.q-select .q-field__native span');
    if (shown) shown.textContent = 'Never';
    const combo = document.querySelector<HTMLInputElement>(
      '[role=dialog] label.q-select input[role=combobox]',
    );
    if (combo) combo.value = 'Never';
    document.body.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await tick();
    expect(watch.last()?.expiresAt).toBeNull();

    // DocBits closes the create dialog and opens the show-once dialog
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    document.body.insertAdjacentHTML(
      'beforeend',
      '<div id="q-portal--dialog--9"><div class="q-dialog" role="dialog"><div class="q-card"><div class="text-h6">Your new API key</div><div class="key-display"><code>x</code></div></div></div></div>',
    );
    document.body.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await tick();
    expect(watch.last()).toEqual({
      name: 'Renamed integration',
      description: 'Made for the en fixture',
      expiresAt: null,
    });
  });

  it('takes 30/90/365 days from the moment of reading', async () => {
    loadFixture('create-de'); // 30 Tage
    const before = Date.now();
    watch = watchCreateDialog(document);
    const at = watch.last()?.expiresAt ?? 0;
    expect(at >= before + 30 * DAY && at <= Date.now() + 30 * DAY).toBe(true);
  });

  it('ignores a dialog without an expiration choice (the edit dialog)', () => {
    loadFixture('create-fr');
    // The expiration select and the custom date field (Quasar: a masked text input with a date picker)
    const dateField = document.querySelector('[role=dialog] label.q-select ~ label.q-input');
    for (const f of [...document.querySelectorAll('[role=dialog] label.q-select'), dateField]) f?.remove();
    expect(readCreateDialogValues(document, NOW)).toEqual({});
  });

  it('stops listening', async () => {
    loadFixture('create-it');
    const seen: unknown[] = [];
    watch = watchCreateDialog(document, (v) => seen.push(v));
    watch.stop();
    const name = document.querySelector<HTMLInputElement>('[role=dialog] input[type=text]');
    if (name) name.value = 'Other';
    name?.dispatchEvent(new Event('input', { bubbles: true }));
    await tick();
    expect(seen).toHaveLength(1);
  });
});

/**
 * KeyGuard on the DocBits page, end to end: the production build in Chromium on the DocBits replica served
 * as https://app.docbits.com (test/fixtures/docbits). One browser for the whole file; the tests run in
 * order and share the vault (issue 3, "Tests that must exist and pass").
 *
 * Keys are compared as booleans and never printed; page errors are reported with long tokens redacted.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, EntrySummary } from '../../lib/vault/model';
import {
  clipboardBecomes,
  control,
  createKeyInDocbits,
  type DocbitsWindow,
  docbitsRecord,
  expectAllRowsAnnotated,
  expectNoNewPageErrors,
  expectToast,
  findInRow,
  finishShowOnce,
  idle,
  isShown,
  KEYGUARD_HOST,
  keyguardMessages,
  LABELS,
  LEGACY_INPUT,
  menuItem,
  SHOW_ONCE_CODE,
  textSecurity,
  watchPageErrors,
} from './docbits-ui.js';
import {
  type ArmingRecord,
  call,
  drawDecoy,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  isDecoyColour,
  launchExtension,
  maskBeforeFrame,
  openPopup,
  pixelAt,
  readClipboard,
  removeDecoy,
  startDocbitsSite,
  watchArming,
  writeClipboard,
} from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const CLEAR_SECONDS = 10;
const REFUSED = 'KeyGuard ignored this click because its control was covered, hidden or not clicked by you.';
const en = LABELS.en;

let site: HttpsServer;
let ext: ExtensionBrowser;
/** An extension page (the popup in a tab) for protocol calls. */
let ctl: Page;
/** The DocBits tab. */
let page: Page;
let errors: ReturnType<typeof watchPageErrors>;

/** Entries by name (no secrets). */
async function entriesNamed(name: string): Promise<EntrySummary[]> {
  return (await call<EntrySummary[]>(ctl, 'entry.list')).filter((e) => e.name === name);
}

async function entryCount(): Promise<number> {
  return (await call<EntrySummary[]>(ctl, 'entry.list')).length;
}

/** Opens `path` with URL parameters (fast replica: 60 ms simulated latency). */
async function open(path: string, params: Record<string, string>): Promise<void> {
  const q = new URLSearchParams({ delay: '60', ...params });
  await page.goto(site.url(`${path}?${q}`), { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => 'idle' in ((window as unknown as DocbitsWindow).__docbits ?? {}));
  await idle(page);
}

/** Each part starts from an unlocked vault, whatever an earlier (failed) part left behind. */
async function ensureUnlocked(): Promise<void> {
  const status = await call<{ unlocked: boolean }>(ctl, 'vault.status');
  if (!status.unlocked) await call(ctl, 'vault.unlock', { password: PASSWORD });
}

function expectNoPageErrors(): void {
  expect(errors.list(), 'console errors or uncaught exceptions on the DocBits page').toEqual([]);
}

beforeAll(async () => {
  site = await startDocbitsSite();
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
  ctl = await openPopup(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
  await call(ctl, 'settings.set', { patch: { clipboardClearSeconds: CLEAR_SECONDS } });
  page = await ext.context.newPage();
  errors = watchPageErrors(page);
});

beforeEach(async () => {
  await ensureUnlocked();
});

// DocBits must keep working: no console error and no uncaught exception during any test.
afterEach(() => expectNoNewPageErrors(errors));

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

describe('KeyGuard on the DocBits page (current UI)', () => {
  const name = `Invoice sync ${randomBytes(3).toString('hex')}`;
  const description = 'Nightly upload from the ERP';
  let key = '';
  let prefix = '';
  let entryId = '';

  it('arrives by SPA navigation, masks the new key before paint, shows and hides it', async () => {
    await open('/setting', { ui: 'current', lang: 'en', seed: 'default' });
    const loads = site.requests.filter((r) => r.path.startsWith('/settings/integration')).length;
    await page.getByRole('link', { name: 'Integration' }).click();
    await page.waitForURL('**/settings/integration');
    await idle(page);
    expect(
      site.requests.filter((r) => r.path.startsWith('/settings/integration')).length,
      'the integration page was reached without a page load',
    ).toBe(loads);
    await expectAllRowsAnnotated(page);

    key = await createKeyInDocbits(page, en, { name, description, expiration: '90 days' });
    expect(await textSecurity(page, SHOW_ONCE_CODE), 'the show-once key is masked').toBe('disc');

    await (await control(page, 'Show API key')).click();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).not.toBe('disc');
    await (await control(page, 'Hide API key')).click();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');
    await control(page, 'Show API key');
    expectNoPageErrors();
  });

  it("keeps DocBits' own copy button working", async () => {
    await writeClipboard(page, 'before-docbits-copy');
    await page.locator('.key-display button.q-btn').click();
    await expectToast(page, en.copied);
    expect(await clipboardBecomes(page, key, true), "DocBits' copy button put the key on the clipboard").toBe(
      true,
    );
  });

  it('copies the key with "Copy API key" (cleared after the set time), re-masks a shown key after 10 s, and saves it prefilled', async () => {
    await writeClipboard(page, 'before-keyguard-copy');
    await (await control(page, 'Copy API key')).click();
    expect(await clipboardBecomes(page, key, true), 'the clipboard holds the key after Copy API key').toBe(
      true,
    );
    const copiedAt = Date.now();
    // Reveal now: "Show API key" re-masks by itself after 10 s, checked with the clipboard below.
    await (await control(page, 'Show API key')).click();
    const shownAt = Date.now();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).not.toBe('disc');
    // Save while both timers run.
    await (await control(page, 'Save to KeyGuard')).click();
    const nameField = await control(page, 'Name', 'textbox');
    expect(await nameField.value(), 'Name is prefilled from the create dialog').toBe(name);
    expect(await (await control(page, 'Notes', 'textbox')).value(), 'Notes is prefilled').toBe(description);
    const expires = await (await findByName(page, 'Expires (empty = never)', 'Date')).value();
    const in90 = (offsetMs: number) =>
      new Date(Date.now() + 90 * 86_400_000 + offsetMs).toISOString().slice(0, 10);
    expect([in90(-3_600_000), in90(3_600_000)], 'Expires is prefilled with the 90-day expiry').toContain(
      expires,
    );
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    expect(await isShown(page, 'Save to KeyGuard', 'button'), 'the Save button is gone once saved').toBe(
      false,
    );

    const saved = await entriesNamed(name);
    expect(saved.length, 'exactly one entry was saved').toBe(1);
    entryId = saved[0]?.id ?? '';
    const entry = await call<Entry>(ctl, 'entry.get', { id: entryId });
    expect(entry.secret === key, 'the saved secret is the shown key').toBe(true);
    expect(entry.notes).toBe(description);
    expect(entry.host).toBe('app.docbits.com');
    expect(entry.source).toBe('captured');
    expect(entry.orgId, 'the organisation id was read from the page').toMatch(/^[0-9a-f-]{36}$/);

    const left = CLEAR_SECONDS * 1000 - (Date.now() - copiedAt);
    expect(
      await clipboardBecomes(page, key, false, left + 5_000),
      `the clipboard is cleared after ${CLEAR_SECONDS} s`,
    ).toBe(true);
    expect(Date.now() - copiedAt, 'not cleared before its time').toBeGreaterThanOrEqual(
      CLEAR_SECONDS * 1000 - 500,
    );
    await expect
      .poll(() => textSecurity(page, SHOW_ONCE_CODE), { timeout: 13_000 - (Date.now() - shownAt) })
      .toBe('disc');
    expect(Date.now() - shownAt, 'the key stayed shown until its 10 s were up').toBeGreaterThanOrEqual(9_500);
    await control(page, 'Show API key');
    expectNoPageErrors();
  });

  it("after DocBits' Done the table row shows In KeyGuard and Copy full key copies the full key", async () => {
    await finishShowOnce(page, en);
    prefix = (await docbitsRecord(page, name)).key_prefix;
    await expectAllRowsAnnotated(page);
    await findInRow(page, 'In KeyGuard', prefix);
    const copyFull = await findInRow(page, 'Copy full key', prefix, 'button');
    await writeClipboard(page, 'before-copy-full-key');
    await copyFull.click();
    expect(
      await clipboardBecomes(page, key, true),
      `Copy full key put the full key on the clipboard (KeyGuard said: ${(await keyguardMessages(page)).join(' | ')})`,
    ).toBe(true);
    const entry = await call<Entry>(ctl, 'entry.get', { id: entryId });
    expect(entry.prefix, 'the vault learned the DocBits prefix of the captured key').toBe(prefix);
    expectNoPageErrors();
  });

  it('re-renders and remounts of the list keep (re-create) the row marks', async () => {
    const before = await page.locator(`.api-keys-card ${KEYGUARD_HOST}`).count();
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender());
    await expectAllRowsAnnotated(page);
    await findInRow(page, 'In KeyGuard', prefix);

    const oldHost = await page.locator(`.api-keys-card ${KEYGUARD_HOST}`).first().elementHandle();
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender({ remount: true }));
    await expectAllRowsAnnotated(page);
    await findInRow(page, 'In KeyGuard', prefix);
    expect(await oldHost?.evaluate((h) => h.isConnected), 'the panel was really rebuilt').toBe(false);
    expect(
      await page.locator(`.api-keys-card ${KEYGUARD_HOST}`).count(),
      'one mark per row, no duplicates',
    ).toBe(before);
    expectNoPageErrors();
  });

  it("revoking the key in DocBits' row menu retires its entry", async () => {
    const row = page.locator('.api-keys-card tbody tr', {
      has: page.locator('code.key-prefix', { hasText: `${prefix}****` }),
    });
    await row.getByRole('button', { name: en.actions, exact: true }).click();
    await menuItem(page, en.revoke).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: en.revoke, exact: true }).click();
    await expectToast(page, 'API key revoked');
    await idle(page);
    await expect
      .poll(async () => (await call<Entry>(ctl, 'entry.get', { id: entryId })).state, { timeout: 8_000 })
      .toBe('retired');
    const entry = await call<Entry>(ctl, 'entry.get', { id: entryId });
    expect(entry.history.at(-1)?.event).toBe('state:retired');
    // The row still shows the key is in KeyGuard, but no longer offers to copy a revoked key.
    await findInRow(page, 'In KeyGuard', prefix);
    await expectAllRowsAnnotated(page);
    expectNoPageErrors();
  });
});

describe('saving while the vault is locked', () => {
  it('opens the unlock window and finishes the save by itself after unlocking', async () => {
    const name = `Locked path ${randomBytes(3).toString('hex')}`;
    await call(ctl, 'vault.lock');
    const key = await createKeyInDocbits(page, en, { name, description: 'saved while locked' });
    await (await control(page, 'Save to KeyGuard')).click();
    await control(page, 'Name', 'textbox');
    const unlockWindow = ext.context.waitForEvent('page', {
      predicate: (p) => p.url().includes('popup.html?window=unlock'),
      timeout: 10_000,
    });
    await (await control(page, 'Save')).click();
    const win = await unlockWindow;
    await win.waitForLoadState('domcontentloaded');
    await (await findByName(win, 'Master password', 'textbox')).fill(PASSWORD);
    await (await findByName(win, 'Unlock', 'button')).click();

    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 20_000 });
    const saved = await entriesNamed(name);
    expect(saved.length, 'the entry was saved once').toBe(1);
    const entry = await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' });
    expect(entry.secret === key, 'the saved secret is the shown key').toBe(true);
    await expect
      .poll(() => win.isClosed(), { timeout: 5_000, message: 'the unlock window closes itself' })
      .toBe(true);

    await finishShowOnce(page, en);
    await findInRow(page, 'In KeyGuard', (await docbitsRecord(page, name)).key_prefix);
    expectNoPageErrors();
  });
});

describe('hostile page', () => {
  const name = `Hostile ${randomBytes(3).toString('hex')}`;
  const SENTINEL = 'clipboard-before-attack';

  // As on the real DocBits front end, the replica's own Quasar Notify plugin keeps its transparent
  // full-viewport notification lists in the page (see the describe below, which checks they are there).
  // The attacks must still be refused with them there.

  /** Covers the centre of `target` with an element of the page's own making; returns that point. */
  async function cover(
    target: { center(): Promise<{ x: number; y: number }> },
    pointerEvents: 'auto' | 'none',
    removeOnPointerDown = false,
    layer: 'top' | 'z-index' = 'top',
  ) {
    const at = await target.center();
    await drawDecoy(page, at, { pointerEvents, removeOnPointerDown, layer });
    return at;
  }

  const uncover = () => removeDecoy(page);

  /**
   * A show-once dialog with KeyGuard's save form open and nothing saved from it yet: the target of the
   * attacks. Made afresh when an earlier attack got through (and so used up the form).
   */
  let targetKey = '';
  /**
   * Whether the attacked key reached the clipboard. (Comparing with the sentinel would also trip over an
   * honest copy's clear timer emptying the clipboard during the attack.)
   */
  const keyCopied = async () => (await readClipboard(page).catch(() => '')) === targetKey;

  async function attackTarget(): Promise<void> {
    if (await isShown(page, 'Save', 'button')) return;
    if (await page.locator(SHOW_ONCE_CODE).count()) await finishShowOnce(page, en);
    if (!page.url().includes('/settings/integration')) {
      await open('/settings/integration', { ui: 'current', lang: 'en' });
    }
    targetKey = await createKeyInDocbits(page, en, { name, description: 'clickjacking target' });
    await (await control(page, 'Save to KeyGuard')).click();
    await control(page, 'Save');
  }

  it('a covered control does not copy or save', async () => {
    await open('/settings/integration', { ui: 'current', lang: 'en' });
    // Which attacks got through (true = KeyGuard acted on a click it could not be seen to receive).
    const acted: Record<string, boolean> = {};
    // An opaque decoy over the control: in the top layer, opened after the control (the hit test at the
    // click point must refuse: design.md), and at the highest z-index of the page's own stacking order
    // (the control steps out of the top layer while the page covers its place: the click reaches the
    // decoy). Save last: if it gets through, it uses up the form.
    for (const layer of ['top', 'z-index'] as const) {
      for (const target of ['Copy API key', 'Save']) {
        await attackTarget();
        const count = await entryCount();
        await writeClipboard(page, SENTINEL);
        const { x, y } = await cover(await control(page, target), 'auto', false, layer);
        await page.waitForTimeout(400);
        await page.mouse.click(x, y);
        await page.waitForTimeout(600);
        await uncover();
        acted[`"${target}" under an opaque cover (${layer})`] =
          (await keyCopied()) || (await entryCount()) !== count;
      }
    }
    expect(acted, 'a click under an overlay copied or saved (true = got through)').toEqual(
      Object.fromEntries(Object.keys(acted).map((k) => [k, false])),
    );
  });

  it('a z-indexed click-through box is drawn below the control (the top layer): the control stays armed and works', async () => {
    // Before the top layer this was an attack (the box painted over the control); now nothing in the
    // page's own stacking order can. What must hold: the box is really below, the user sees the control.
    await attackTarget();
    await writeClipboard(page, SENTINEL);
    const el = await control(page, 'Copy API key');
    const at = await cover(el, 'none', false, 'z-index');
    try {
      await page.waitForTimeout(800);
      expect(isDecoyColour(await pixelAt(page, at)), 'the box is drawn below the control').toBe(false);
      const armed = await control(page, 'Copy API key');
      expect(armed.properties.disabled, 'the control stays armed over the box').not.toBe(true);
      await page.mouse.click(at.x, at.y);
      expect(await clipboardBecomes(page, SENTINEL, false), 'the click on the visible control copies').toBe(
        true,
      );
    } finally {
      await uncover();
    }
  });

  it('a click-through overlay (pointer-events: none) over a control does not copy or save', async () => {
    // A decoy drawn over the control that lets the click through: the hit test at the click point sees
    // our control, so only the visibility verdict (IntersectionObserver v2) can tell. Twice: a decoy that
    // stays, and one the page takes away on pointerdown, just before the click lands. Then "Copy full key"
    // in the table. Save last per round: if it gets through, it uses up the form.
    const acted: Record<string, boolean> = {};
    const reached: Record<string, boolean> = {};
    const told: Record<string, boolean> = {};
    const painted: Record<string, boolean> = {};
    // A fresh show-once dialog, so no earlier refusal message is on show.
    if (await page.locator(SHOW_ONCE_CODE).count()) await finishShowOnce(page, en);
    for (const when of ['stays', 'removed on pointerdown'] as const) {
      for (const target of ['Copy API key', 'Save']) {
        await attackTarget();
        const count = await entryCount();
        await writeClipboard(page, SENTINEL);
        // The control is armed (seen unobscured) before the decoy comes: the verdict has to change.
        const el = await control(page, target);
        expect(el.properties.disabled, `"${target}" is armed before the attack`).not.toBe(true);
        const { x, y } = await cover(el, 'none', when === 'removed on pointerdown');
        // The user looks at the decoy for a moment, then clicks it.
        await page.waitForTimeout(400);
        const label = `"${target}" under a click-through decoy that ${when}`;
        // The decoy (a top-layer popover opened after the control) really paints over it.
        painted[label] = isDecoyColour(await pixelAt(page, { x, y }));
        reached[label] = await page.evaluate(
          ({ x, y, sel }) => document.elementFromPoint(x, y)?.matches(sel) ?? false,
          { x, y, sel: KEYGUARD_HOST },
        );
        await page.mouse.click(x, y);
        await page.waitForTimeout(600);
        await uncover();
        acted[label] = (await keyCopied()) || (await entryCount()) !== count;
        // The refusal is shown to the user (the same words as for a covered or see-through control).
        told[label] = await isShown(page, REFUSED);
      }
    }
    expect(acted, 'a click through a decoy copied or saved (true = got through)').toEqual(
      Object.fromEntries(Object.keys(acted).map((k) => [k, false])),
    );
    expect(told, 'KeyGuard said it ignored the click').toEqual(
      Object.fromEntries(Object.keys(told).map((k) => [k, true])),
    );
    // The decoy really let the click through to KeyGuard's control, and really painted over it (else this
    // proves nothing).
    expect(reached).toEqual(Object.fromEntries(Object.keys(reached).map((k) => [k, true])));
    expect(painted, 'the decoy painted over the control').toEqual(
      Object.fromEntries(Object.keys(painted).map((k) => [k, true])),
    );

    // "Copy full key" on the table row of a key saved in KeyGuard: its full secret must not reach the
    // clipboard. (Saved with a real, unobscured click first.)
    if (await page.locator(SHOW_ONCE_CODE).count()) await finishShowOnce(page, en);
    const fullName = `${name} full`;
    targetKey = await createKeyInDocbits(page, en, { name: fullName, description: 'clickjacking target' });
    await (await control(page, 'Save to KeyGuard')).click();
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    await finishShowOnce(page, en);
    const prefix = (await docbitsRecord(page, fullName)).key_prefix;
    const copyFull = await findInRow(page, 'Copy full key', prefix, 'button');
    expect(copyFull.properties.disabled, '"Copy full key" is armed before the attack').not.toBe(true);
    await writeClipboard(page, SENTINEL);
    const { x, y } = await cover(copyFull, 'none');
    await page.waitForTimeout(400);
    await page.mouse.click(x, y);
    await page.waitForTimeout(600);
    await uncover();
    acted['"Copy full key" under a click-through decoy'] = await keyCopied();
    told['"Copy full key" under a click-through decoy'] = await isShown(page, REFUSED);
    expect(acted, 'a click through a decoy copied or saved (true = got through)').toEqual(
      Object.fromEntries(Object.keys(acted).map((k) => [k, false])),
    );
    expect(told, 'KeyGuard said it ignored the click').toEqual(
      Object.fromEntries(Object.keys(told).map((k) => [k, true])),
    );

    // Once the decoy is gone and the control has been seen for a moment, a real click works again.
    await (await findInRow(page, 'Copy full key', prefix, 'button')).click();
    expect(await clipboardBecomes(page, targetKey, true), 'a real click after the attack copies').toBe(true);
    // Keyboard activation (Enter on the focused control) still works too.
    await writeClipboard(page, SENTINEL);
    await (await findInRow(page, 'Copy full key', prefix, 'button')).focus();
    await page.keyboard.press('Enter');
    expect(await clipboardBecomes(page, targetKey, true), 'Enter on the focused control copies').toBe(true);
    expectNoPageErrors();
  });

  it('a see-through page (opacity, filter, mask, clip-path, blend mode) does not copy or save', async () => {
    // Each makes the page (nearly) invisible or unjudgeable. KeyGuard's controls are in the top layer, which
    // these do not reach, so IntersectionObserver v2 sees nothing wrong: the computed-style checks must
    // refuse (issue 15, item 7; in Firefox they are all there is).
    const styles: Array<[string, string]> = [
      ['opacity', '0.1'],
      ['filter', 'opacity(0.1)'],
      ['mask-image', 'linear-gradient(transparent, transparent)'],
      ['clip-path', 'circle(0px)'],
      ['mix-blend-mode', 'screen'],
    ];
    const acted: Record<string, boolean> = {};
    for (const [property, value] of styles) {
      await attackTarget();
      const count = await entryCount();
      await writeClipboard(page, SENTINEL);
      await page.evaluate(([p, v]) => document.body.style.setProperty(p, v), [property, value] as const);
      try {
        for (const target of ['Copy API key', 'Save']) {
          await (await control(page, target)).click();
          await page.waitForTimeout(600);
          acted[`"${target}" with body ${property}: ${value}`] =
            (await keyCopied()) || (await entryCount()) !== count;
        }
        await findByName(page, REFUSED, undefined, { timeoutMs: 3_000 });
      } finally {
        await page.evaluate((p) => document.body.style.removeProperty(p), property);
      }
    }
    expect(acted, 'a click on a see-through page copied or saved (true = got through)').toEqual(
      Object.fromEntries(Object.keys(acted).map((k) => [k, false])),
    );
  });

  it('a script-dispatched click does nothing', async () => {
    await attackTarget();
    const count = await entryCount();
    await writeClipboard(page, SENTINEL);
    // What a page script can reach: the hosts (their shadow roots are closed).
    const reached = await page.evaluate((sel) => {
      const hosts = [...document.querySelectorAll<HTMLElement>(sel)];
      for (const h of hosts) {
        const r = h.getBoundingClientRect();
        const init = {
          bubbles: true,
          composed: true,
          cancelable: true,
          clientX: r.left + 5,
          clientY: r.top + 5,
        };
        h.click();
        h.dispatchEvent(new MouseEvent('click', init));
        h.dispatchEvent(new PointerEvent('pointerdown', init));
        h.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
      }
      return { hosts: hosts.length, openRoots: hosts.filter((h) => h.shadowRoot !== null).length };
    }, KEYGUARD_HOST);
    expect(reached.hosts, 'KeyGuard hosts are in the page').toBeGreaterThan(0);
    expect(reached.openRoots, 'no KeyGuard shadow root is open to the page').toBe(0);
    // Worse: a script holding the buttons themselves (as if a reference leaked) calls element.click().
    for (const target of ['Copy API key', 'Save']) {
      await (await control(page, target)).evaluate((el) => (el as HTMLElement).click());
    }
    await page.waitForTimeout(600);
    expect(await keyCopied(), 'the key reached the clipboard after synthetic clicks').toBe(false);
    expect(await entryCount(), 'nothing saved by synthetic clicks').toBe(count);
    await findByName(page, REFUSED, undefined, { timeoutMs: 3_000 });
  });

  it('the same controls still work for a real, visible click (the attacks were not just misses)', async () => {
    await attackTarget();
    await writeClipboard(page, SENTINEL);
    await (await control(page, 'Copy API key')).click();
    expect(await clipboardBecomes(page, SENTINEL, false), 'a real click copies').toBe(true);
    const count = await entryCount();
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    expect(await entryCount(), 'a real click saves').toBe(count + 1);
    await finishShowOnce(page, en);
    expectNoPageErrors();
  });
});

describe('KeyGuard on the DocBits page (legacy UI)', () => {
  it('masks the key once it arrives; Show/Hide, Copy and Save work', async () => {
    await open('/settings/integration', { ui: 'legacy', lang: 'en', delay: '400' });
    // Watch every frame from now on: a filled key field must never be painted unmasked.
    await page.evaluate((sel) => {
      const w = window as unknown as { __unmaskedFrames: number; __filledFrames: number };
      w.__unmaskedFrames = 0;
      w.__filledFrames = 0;
      const tick = () => {
        const input = document.querySelector<HTMLInputElement>(sel);
        if (input?.value && !input.hasAttribute('data-keyguard-revealed')) {
          w.__filledFrames++;
          if (getComputedStyle(input).getPropertyValue('-webkit-text-security') !== 'disc')
            w.__unmaskedFrames++;
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, LEGACY_INPUT);
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender({ remount: true }));
    await page.waitForFunction((sel) => !!document.querySelector<HTMLInputElement>(sel)?.value, LEGACY_INPUT);
    await page.waitForTimeout(200);
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __unmaskedFrames: number; __filledFrames: number };
      return { unmasked: w.__unmaskedFrames, filled: w.__filledFrames };
    });
    expect(frames.filled, 'frames with the key field filled were observed').toBeGreaterThan(0);
    expect(frames.unmasked, 'frames that showed the legacy key unmasked').toBe(0);
    expect(await textSecurity(page, LEGACY_INPUT)).toBe('disc');
    const key = await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.legacyKey());

    await (await control(page, 'Show API key')).click();
    await expect.poll(() => textSecurity(page, LEGACY_INPUT)).not.toBe('disc');
    await (await control(page, 'Hide API key')).click();
    await expect.poll(() => textSecurity(page, LEGACY_INPUT)).toBe('disc');

    await writeClipboard(page, 'before-legacy-copy');
    await (await control(page, 'Copy API key')).click();
    expect(await clipboardBecomes(page, key, true), 'Copy API key copied the legacy key').toBe(true);

    // DocBits' own icon-only copy button keeps working.
    await writeClipboard(page, 'before-legacy-docbits-copy');
    await page.locator('.legacy-section .col-1 button.q-btn').first().click();
    await expectToast(page, en.copied);
    expect(await clipboardBecomes(page, key, true), "DocBits' own copy button still copies").toBe(true);

    const name = `Legacy key ${randomBytes(3).toString('hex')}`;
    await (await control(page, 'Save to KeyGuard')).click();
    await (await control(page, 'Name', 'textbox')).fill(name);
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    const saved = await entriesNamed(name);
    expect(saved.length).toBe(1);
    const entry = await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' });
    expect(entry.secret === key, 'the saved secret is the legacy key').toBe(true);
    expect(entry.orgId, 'the legacy organisation id was read').toMatch(/^[0-9a-f-]{36}$/);

    // A re-render that recreates the field gets controls again, masked.
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender({ remount: true }));
    await control(page, 'Show API key');
    expect(await textSecurity(page, LEGACY_INPUT)).toBe('disc');
    expect(await page.locator(KEYGUARD_HOST).count(), 'one set of controls for the one key').toBe(1);
    expectNoPageErrors();
  });
});

describe('language switch', () => {
  it('keeps detecting keys and rows in German, and after switching to French in the app', async () => {
    await open('/settings/integration', { ui: 'current', lang: 'de' });
    await expectAllRowsAnnotated(page);
    const name = `Schlüssel ${randomBytes(3).toString('hex')}`;
    const key = await createKeyInDocbits(page, LABELS.de, { name, description: 'Beschreibung für KeyGuard' });
    expect(await textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');
    await (await control(page, 'Save to KeyGuard')).click();
    expect(await (await control(page, 'Name', 'textbox')).value(), 'prefilled from the German dialog').toBe(
      name,
    );
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    const saved = await entriesNamed(name);
    expect(saved.length).toBe(1);
    expect((await call<Entry>(ctl, 'entry.get', { id: saved[0]?.id ?? '' })).secret === key).toBe(true);
    await finishShowOnce(page, LABELS.de);
    const prefix = (await docbitsRecord(page, name)).key_prefix;
    await findInRow(page, 'In KeyGuard', prefix);

    // The app's own language menu: Vue re-renders every text in place.
    await page.locator('.lang-switcher').click();
    await menuItem(page, 'Français').click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.lang))
      .toBe('fr');
    await page.getByRole('columnheader', { name: 'Statut' }).waitFor();
    await expectAllRowsAnnotated(page);
    await findInRow(page, 'In KeyGuard', prefix);
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender());
    await expectAllRowsAnnotated(page);
    await findInRow(page, 'In KeyGuard', prefix);

    // The legacy UI in French still has its untranslated "Key" field.
    await open('/settings/integration', { ui: 'legacy' });
    await page.waitForFunction((sel) => !!document.querySelector<HTMLInputElement>(sel)?.value, LEGACY_INPUT);
    expect(await textSecurity(page, LEGACY_INPUT)).toBe('disc');
    await control(page, 'Show API key');
    expectNoPageErrors();
  });
});

describe("under Quasar's full-viewport notification layers (as on the real DocBits front end)", () => {
  // The real app's Notify plugin keeps transparent, click-through lists over the whole viewport at z-index
  // 9500 (docbits-page.md); IntersectionObserver v2 counts them as painted over everything in the page's own
  // stacking order. KeyGuard's controls are in the top layer, above them. The replica runs Quasar's real
  // runtime with the Notify plugin installed, so the page has them from its first paint; a tab of its own.
  const ARM_WITHIN_MS = 1_000;
  // Show and Hide are one button (its name changes): it is measured once, as "Show API key".
  const GUARDED = ['Show API key', 'Copy API key', 'Save to KeyGuard', 'Save', 'Copy full key'];
  const quasarName = `Quasar ${randomBytes(3).toString('hex')}`;
  let mainPage: Page;
  let mainErrors: ReturnType<typeof watchPageErrors>;

  beforeAll(async () => {
    mainPage = page;
    mainErrors = errors;
    page = await ext.context.newPage();
    errors = watchPageErrors(page);
    // The tab in front, as a user's: a tab in the background has its timers throttled to once a second.
    await page.bringToFront();
  });

  afterAll(async () => {
    await page.close();
    page = mainPage;
    errors = mainErrors;
    await page.bringToFront();
  });

  /** Every button seen armed within ARM_WITHIN_MS of appearing (names with their times, no secrets). */
  function expectArmedInTime(records: ArmingRecord[], names: ReadonlyArray<string | RegExp>): void {
    // An appearance shorter than that (hidden again, e.g. under DocBits' dialog) need not have armed.
    const late = records
      .filter((r) =>
        r.armedAt === null
          ? (r.goneAt ?? Date.now()) - r.seenAt > ARM_WITHIN_MS
          : r.armedAt - r.seenAt > ARM_WITHIN_MS,
      )
      .map((r) => `${r.name}: ${r.armedAt === null ? 'never armed' : `${r.armedAt - r.seenAt} ms`}`);
    expect(late, `controls not armed within ${ARM_WITHIN_MS} ms of appearing`).toEqual([]);
    for (const name of names) {
      expect(
        records.some((r) => (typeof name === 'string' ? r.name === name : name.test(r.name))),
        `"${name}" appeared`,
      ).toBe(true);
    }
    const worst = Math.max(...records.map((r) => (r.armedAt ?? 0) - r.seenAt));
    console.info(`arming under Quasar's layers: ${records.length} controls, slowest ${worst} ms`);
  }

  it('current UI: every control arms within 1 s of appearing, and real clicks work', async () => {
    await open('/setting', { ui: 'current', lang: 'en', seed: 'default' });
    // Quasar's own lists (not added by this test): fixed, click-through, z-index 9500, and each as wide as
    // the viewport and nearly as high (Quasar leaves a 10 px margin).
    const lists = await page.evaluate(() =>
      [...document.querySelectorAll('.q-notifications__list--center')].map((el) => {
        const r = el.getBoundingClientRect();
        const cs = getComputedStyle(el);
        return {
          fixed: cs.position === 'fixed',
          clickThrough: cs.pointerEvents === 'none',
          z: cs.zIndex,
          covers: r.width >= innerWidth - 1 && r.height >= innerHeight - 20,
        };
      }),
    );
    expect(lists, "Quasar's full-viewport lists are in the page").toEqual(
      Array(3).fill({ fixed: true, clickThrough: true, z: '9500', covers: true }),
    );
    const rows = watchArming(page, GUARDED);
    await page.getByRole('link', { name: 'Integration' }).click();
    await page.waitForURL('**/settings/integration');
    await idle(page);
    await expectAllRowsAnnotated(page);
    const name = quasarName;
    const key = await createKeyInDocbits(page, en, { name, description: 'under the notification lists' });
    // Show / Hide, Copy, Save to KeyGuard → the save form's Save: each a real click, each must act.
    await (await control(page, 'Show API key')).click();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).not.toBe('disc');
    await (await control(page, 'Hide API key')).click();
    await expect.poll(() => textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');
    await writeClipboard(page, 'before');
    await (await control(page, 'Copy API key')).click();
    expect(await clipboardBecomes(page, key, true), '"Copy API key" copied the key').toBe(true);
    await (await control(page, 'Save to KeyGuard')).click();
    await (await control(page, 'Save')).click();
    await findByName(page, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
    expect((await entriesNamed(name)).length, 'saved by a real click').toBe(1);
    await finishShowOnce(page, en);
    const prefix = (await docbitsRecord(page, name)).key_prefix;
    await writeClipboard(page, 'before');
    await (await findInRow(page, 'Copy full key', prefix, 'button')).click();
    expect(await clipboardBecomes(page, key, true), '"Copy full key" copied the key').toBe(true);
    expectArmedInTime(await rows.stop(), GUARDED);
    expect(await keyguardMessages(page), 'no click was refused').not.toContain(REFUSED);
    expectNoPageErrors();
  });

  it("guide panel: a rotation checklist's buttons arm within 1 s of appearing and work", async () => {
    // A guided rotation of the key saved above puts its checklist into the panel above the key table.
    const [saved] = await entriesNamed(quasarName);
    expect(saved, 'the key saved in the test before').toBeDefined();
    await call(ctl, 'rotation.start', { id: saved?.id ?? '' });
    const watch = watchArming(page, ['Use suggested name', 'Cancel rotation']);
    await open('/settings/integration', { ui: 'current', lang: 'en' });
    await findByName(page, 'Rotation checklist', 'region', { timeoutMs: 10_000 });
    // With DocBits' create dialog closed, "Use suggested name" says to create the key first: it acted.
    await (await control(page, 'Use suggested name')).click();
    await (await control(page, 'Cancel rotation')).click();
    await expect
      .poll(() => isShown(page, 'Cancel rotation', 'button'), {
        timeout: 10_000,
        message: 'the rotation was cancelled by the click',
      })
      .toBe(false);
    expectArmedInTime(await watch.stop(), ['Use suggested name', 'Cancel rotation']);
    expect(await keyguardMessages(page), 'no click was refused').not.toContain(REFUSED);
    expectNoPageErrors();
  });

  it('legacy UI: Show, Copy, Save to KeyGuard and Save arm within 1 s and work', async () => {
    const watch = watchArming(page, GUARDED);
    await open('/settings/integration', { ui: 'legacy', lang: 'en', delay: '400' });
    await page.waitForFunction((sel) => !!document.querySelector<HTMLInputElement>(sel)?.value, LEGACY_INPUT);
    await (await control(page, 'Show API key')).click();
    await expect.poll(() => textSecurity(page, LEGACY_INPUT)).not.toBe('disc');
    await (await control(page, 'Hide API key')).click();
    await writeClipboard(page, 'before');
    await (await control(page, 'Copy API key')).click();
    expect(await clipboardBecomes(page, 'before', false), '"Copy API key" copied').toBe(true);
    await (await control(page, 'Save to KeyGuard')).click();
    await control(page, 'Save');
    expectArmedInTime(await watch.stop(), ['Show API key', 'Copy API key', 'Save to KeyGuard', 'Save']);
    expect(await keyguardMessages(page), 'no click was refused').not.toContain(REFUSED);
    expectNoPageErrors();
  });
  it('inside a modal <dialog> the page opens after the controls appeared, they come above it, arm and work', async () => {
    await open('/settings/integration', { ui: 'current', lang: 'en' });
    // A show-once key in a native dialog, still closed: KeyGuard puts its controls in at once (their
    // top-layer wrapper is shown, but not drawn inside a closed dialog).
    await page.evaluate(() => {
      const dialog = document.createElement('dialog');
      dialog.id = 'native-dialog';
      const box = document.createElement('div');
      box.className = 'key-display';
      const code = document.createElement('code');
      code.textContent = `dbk_native_${'n'.repeat(32)}`;
      box.append(code);
      dialog.append(box);
      document.body.append(dialog);
    });
    await page.waitForSelector('#native-dialog span[data-keyguard-ui]', {
      state: 'attached',
      timeout: 10_000,
    });
    await page.waitForTimeout(300);
    // Modal: in the top layer above KeyGuard's wrapper, everything outside it inert.
    await page.evaluate(() => (document.getElementById('native-dialog') as HTMLDialogElement).showModal());
    const show = await control(page, 'Show API key');
    expect(show.properties.disabled, '"Show API key" armed inside the modal dialog').not.toBe(true);
    await show.click();
    await expect.poll(() => textSecurity(page, '#native-dialog code')).not.toBe('disc');
    expect(await keyguardMessages(page), 'no click was refused').not.toContain(REFUSED);
    await page.evaluate(() => document.getElementById('native-dialog')?.remove());
    expectNoPageErrors();
  });
});

describe('mask before paint', () => {
  it('masks 1,000 keys inserted one at a time before the next animation frame', async () => {
    await open('/settings/integration', { ui: 'current', lang: 'en' });
    const result = await maskBeforeFrame(page, 1000);
    expect(result.inserted).toBe(1000);
    expect(result.frames, 'the insertions spread over several frames').toBeGreaterThan(1);
    expect(result.masked, 'keys masked in the first frame after their insertion').toBe(1000);
    expectNoPageErrors();
  });
});

describe('extension context invalidated', () => {
  it('gives DocBits its own key display back when the extension reloads, and the page keeps working', async () => {
    await open('/settings/integration', { ui: 'current', lang: 'en' });
    await expectAllRowsAnnotated(page);
    await createKeyInDocbits(page, en, { name: `Reload ${randomBytes(3).toString('hex')}`, description: '' });
    await control(page, 'Show API key');
    expect(await textSecurity(page, SHOW_ONCE_CODE)).toBe('disc');

    const worker = await ext.serviceWorker();
    await worker
      .evaluate(() =>
        (globalThis as unknown as { chrome: { runtime: { reload(): void } } }).chrome.runtime.reload(),
      )
      .catch(() => undefined);

    await expect
      .poll(() => textSecurity(page, SHOW_ONCE_CODE), {
        timeout: 10_000,
        message: 'the key is shown as DocBits shows it',
      })
      .not.toBe('disc');
    await expect
      .poll(() => page.locator(KEYGUARD_HOST).count(), { timeout: 10_000, message: 'no KeyGuard UI is left' })
      .toBe(0);
    // DocBits itself is untouched: its checkbox, Done and the list still work.
    await finishShowOnce(page, en);
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender());
    expect(await page.locator('.api-keys-card tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator(KEYGUARD_HOST).count()).toBe(0);
    expectNoPageErrors();
  });
});

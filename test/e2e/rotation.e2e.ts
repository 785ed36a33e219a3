/**
 * The guided rotation end to end (issue 5): the production build in Chromium on the DocBits replica
 * (https://app.docbits.com). One browser for the file; the tests run in order.
 *
 * 1. "Rotate" on the old key's table row → the checklist, the suggested name in DocBits' create dialog,
 *    the key saved there becomes the successor (old entry rotating), the new key used, the old key revoked
 *    → the old entry is retired and the rotation complete. A retired key whose "Last used" then moves
 *    raises the retired-key anomaly.
 * 2. "Rotate" in the popup opens the DocBits page; the old key used after the new one is in use → warning.
 *
 * Keys are compared as booleans and never printed.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RotationView } from '../../lib/messages';
import type { Entry, EntrySummary } from '../../lib/vault/model';
import {
  control,
  type DocbitsWindow,
  docbitsRecord,
  expectNoNewPageErrors,
  findInRow,
  finishShowOnce,
  idle,
  LABELS,
  SHOW_ONCE_CODE,
  waitOpaque,
  watchPageErrors,
} from './docbits-ui.js';
import {
  call,
  clearNotifications,
  type ExtensionBrowser,
  findByName,
  type HttpsServer,
  launchExtension,
  openPopup,
  pollUntil,
  shownNotifications,
  startDocbitsSite,
} from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const DAY = 86_400_000;
const en = LABELS.en;

let site: HttpsServer;
let ext: ExtensionBrowser;
let ctl: Page;
let page: Page;
let errors: ReturnType<typeof watchPageErrors>;

interface Hooks {
  seed(keys: object[]): Array<{ id: string; key_prefix: string; name: string }>;
  secretOf(id: string): string;
  setLastUsed(id: string, date: string | null): unknown;
  revoke(id: string): unknown;
}

/** Runs a replica hook in the page and re-renders the table, as a fetch after the change would. */
async function onDocbits(p: Page, fn: string, ...args: unknown[]): Promise<void> {
  await p.evaluate(
    async ([name, rest]) => {
      const h = (window as unknown as { __docbits: Record<string, (...a: unknown[]) => unknown> }).__docbits;
      (h[name as string] as (...a: unknown[]) => unknown)(...(rest as unknown[]));
      await (window as unknown as DocbitsWindow).__docbits.rerender();
    },
    [fn, args] as const,
  );
  await idle(p);
}

async function open(p: Page): Promise<void> {
  await p.goto(site.url('/settings/integration?ui=current&lang=en&delay=60'), {
    waitUntil: 'domcontentloaded',
  });
  await p.waitForFunction(() => 'idle' in ((window as unknown as DocbitsWindow).__docbits ?? {}));
  await idle(p);
}

const entries = () => call<EntrySummary[]>(ctl, 'entry.list');
const byName = async (name: string) => (await entries()).find((e) => e.name === name);
const rotations = () => call<RotationView[]>(ctl, 'rotation.list');
const shown = () => shownNotifications(ext);

/**
 * In DocBits: Create API Key (checking KeyGuard suggested the name), Create, then "Save to KeyGuard" on the
 * show-once dialog and Done. Returns the new key's DocBits id.
 */
async function createAndSave(p: Page, suggested: string, description: string): Promise<string> {
  await p.getByRole('button', { name: en.createKey, exact: true }).click();
  const dialog = p.getByRole('dialog');
  const nameBox = dialog.getByRole('textbox', { name: en.keyName, exact: true });
  await expect.poll(() => nameBox.inputValue(), { timeout: 5_000 }).toBe(suggested);
  await dialog.getByRole('textbox', { name: en.description, exact: true }).fill(description);
  await dialog.getByRole('button', { name: en.create, exact: true }).click();
  await p.locator(SHOW_ONCE_CODE).waitFor({ state: 'visible', timeout: 10_000 });
  await waitOpaque(p, SHOW_ONCE_CODE);
  await (await control(p, 'Save to KeyGuard')).click();
  const nameField = await control(p, 'Name', 'textbox');
  expect(await nameField.value(), 'the save form takes the suggested name').toBe(suggested);
  await (await control(p, 'Save')).click();
  await findByName(p, 'Saved in KeyGuard', undefined, { timeoutMs: 10_000 });
  await finishShowOnce(p, en);
  return (await docbitsRecord(p, suggested)).id;
}

let oldA = { id: '', key_prefix: '' };
let oldB = { id: '', key_prefix: '' };

beforeAll(async () => {
  site = await startDocbitsSite();
  ext = await launchExtension({ extraArgs: site.chromiumArgs() });
  ctl = await openPopup(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
  page = await ext.context.newPage();
  errors = watchPageErrors(page);
  await open(page);
  // Two keys made 100 days ago, both used two days ago, both in the vault.
  const created = new Date(Date.now() - 100 * DAY).toISOString();
  const used = new Date(Date.now() - 2 * DAY).toISOString();
  const seeded = await page.evaluate(
    ([c, u]) =>
      (window as unknown as { __docbits: Hooks }).__docbits.seed([
        { name: 'ERP upload', created_at: c, last_used_at: u, format: 'dbk_hex32' },
        { name: 'CRM sync', created_at: c, last_used_at: u, format: 'dbk_hex32' },
      ]),
    [created, used] as const,
  );
  for (const r of seeded) {
    const secret = await page.evaluate(
      (id) => (window as unknown as { __docbits: Hooks }).__docbits.secretOf(id),
      r.id,
    );
    await call(ctl, 'entry.add', {
      entry: {
        name: r.name,
        secret,
        host: 'app.docbits.com',
        environment: 'production',
        source: 'manual',
        prefix: r.key_prefix,
        createdAt: Date.now() - 100 * DAY,
      },
    });
  }
  oldA = seeded.find((r) => r.name === 'ERP upload') ?? oldA;
  oldB = seeded.find((r) => r.name === 'CRM sync') ?? oldB;
  await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender());
  await idle(page);
});

afterEach(() => expectNoNewPageErrors(errors));

afterAll(async () => {
  await ext?.close();
  await site?.close();
});

describe('guided rotation on the DocBits page', () => {
  const today = new Date();
  const date = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const suggested = `ERP upload (rotated ${date})`;
  let newDocbitsId = '';

  it('the hygiene report: a banner on the page and a section in the popup, each finding with its fix', async () => {
    // Both keys are past their rotation age and never expire: two findings each.
    const banner = await findByName(page, 'KeyGuard found 4 key hygiene issues here', undefined, {
      timeoutMs: 10_000,
    });
    await banner.click();
    await findByName(page, 'Past its rotation age — rotate it.', undefined, { timeoutMs: 5_000 });
    const popup = await openPopup(ext);
    await popup.getByText('Key hygiene (4)').click();
    await popup
      .getByRole('button', { name: 'Rotate ERP upload', exact: true })
      .first()
      .waitFor({ timeout: 5_000 });
    expect(await popup.getByText('Never expires — rotate it to a key with an expiration date.').count()).toBe(
      2,
    );
    await popup.close();
    await page.bringToFront();
  });

  it('Rotate on the row → checklist; the key created and saved becomes the successor (old entry rotating)', async () => {
    const before = await byName('ERP upload');
    await (await findInRow(page, 'Rotate this key', oldA.key_prefix)).click();
    await findByName(page, 'Rotation checklist', 'region', { timeoutMs: 10_000 });
    expect(await rotations()).toMatchObject([
      { oldId: before?.id, step: 'create', suggestedName: suggested },
    ]);

    newDocbitsId = await createAndSave(page, suggested, 'ERP, after rotation');
    const old = await byName('ERP upload');
    const successor = await byName(suggested);
    expect(old?.state).toBe('rotating');
    expect(successor && old?.successorId === successor.id).toBe(true);
    expect(successor?.predecessorId).toBe(old?.id);
    const full = await call<Entry>(ctl, 'entry.get', { id: old?.id });
    expect(full.history.some((h) => h.detail === 'rotation: successor captured')).toBe(true);
    await pollUntil('step use', rotations, (r) => r[0]?.step === 'use');
  });

  it('the new key used → step "revoke"; the old key revoked → rotation complete, old entry retired', async () => {
    await onDocbits(page, 'setLastUsed', newDocbitsId, new Date().toISOString());
    await pollUntil('step revoke', rotations, (r) => r[0]?.step === 'revoke' && r[0].warning === false);

    await onDocbits(page, 'revoke', oldA.id);
    await pollUntil('rotation done', rotations, (r) => r[0]?.step === 'done');
    expect((await byName('ERP upload'))?.state).toBe('retired');
    expect((await byName(suggested))?.state).toBe('active');
    await findByName(page, 'Rotation complete: the old key is retired.', undefined, { timeoutMs: 10_000 });
  });

  it('a retired key whose "Last used" moves raises the anomaly once', async () => {
    const old = await byName('ERP upload');
    await onDocbits(page, 'setLastUsed', oldA.id, new Date().toISOString());
    const id = `kg-anomaly:${old?.id}`;
    await pollUntil('the anomaly notification', shown, (ids) => ids.includes(id));
    await clearNotifications(ext, id);
    // The same value seen again is not a new movement.
    await page.evaluate(() => (window as unknown as DocbitsWindow).__docbits.rerender());
    await idle(page);
    await new Promise((r) => setTimeout(r, 800));
    expect(await shown()).not.toContain(id);
  });
});

describe('guided rotation started in the popup', () => {
  it('Rotate in the popup opens DocBits; the old key used after the new one → warning', async () => {
    const popup = await openPopup(ext);
    const opened = ext.context.waitForEvent('page', { timeout: 10_000 });
    await popup.getByRole('button', { name: 'Rotate CRM sync', exact: true }).click();
    const tab = await opened;
    await tab.waitForURL('https://app.docbits.com/settings/integration', { timeout: 10_000 });
    // (The replica keeps its keys per tab: carry on in the tab that holds them, which learns of the
    // rotation from the background without a reload.)
    await tab.close();
    const docbits = page;
    // (The popup's tab stays open for later; a background tab's animations are throttled.)
    await docbits.bringToFront();
    const today = new Date();
    const date = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    // The page learnt of the rotation from the background: its checklist suggests the name.
    await findByName(docbits, `Suggested name: CRM sync (rotated ${date})`, undefined, { timeoutMs: 10_000 });
    const newId = await createAndSave(docbits, `CRM sync (rotated ${date})`, 'CRM, after rotation');
    await onDocbits(docbits, 'setLastUsed', newId, new Date(Date.now() - 60_000).toISOString());
    const old = await byName('CRM sync');
    await pollUntil('step revoke', rotations, (r) =>
      r.some((x) => x.oldId === old?.id && x.step === 'revoke'),
    );
    // Something still calls DocBits with the old key.
    await onDocbits(docbits, 'setLastUsed', oldB.id, new Date().toISOString());
    await pollUntil('warning', rotations, (r) => r.some((x) => x.oldId === old?.id && x.warning));
    await findByName(
      docbits,
      'Something still uses the old key: its “Last used” moved after the new key was in use.',
      undefined,
      { timeoutMs: 10_000 },
    );
    expect(await shown()).toContain(`kg-rotation:${old?.id}`);
    // The popup shows the same checklist with the warning.
    await popup.reload();
    await popup.getByText('Rotations in progress').waitFor({ timeout: 10_000 });
    await popup
      .getByRole('alert')
      .filter({ hasText: 'Something still uses the old key' })
      .waitFor({ timeout: 5_000 });
    expect((await byName('CRM sync'))?.state).toBe('rotating');
  });
});

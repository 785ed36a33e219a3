/**
 * Firefox: reminders while the vault is locked. An entry created 100 days ago makes the toolbar badge and
 * a notification (grouped by host, naming no key) appear from a locked run — here with the background
 * suspended first, so the reminder alarm has to wake it — and a woken background does not repeat it.
 * Firefox's notifications have no buttons (snoozing is in the popup).
 *
 * Not observable here: the notification itself — headless Firefox closes it as soon as it is created
 * (`getAll()` is empty right after, and `onShown` does not reach an extension page), so the tests check
 * the run that makes it: the badge and the stage stored as notified, from a locked, woken background.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntrySummary } from '../../../lib/vault/model';
import {
  backgroundState,
  call,
  type ExtensionBrowser,
  launchExtension,
  openOptions,
  PASSWORD,
  pollUntil,
  stopBackground,
} from './harness/index.js';

const DAY = 86_400_000;

let ext: ExtensionBrowser;
/** An extension page: it shares the extension's alarms, notifications, badge and storage. */
let ctl: Page;

interface Apis {
  browser: {
    action: { getBadgeText(d: object): Promise<string> };
    alarms: {
      create(name: string, info: object): Promise<void>;
      get(name: string): Promise<{ periodInMinutes?: number } | undefined>;
    };
    storage: {
      local: { get(k: string): Promise<Record<string, unknown>>; remove(k: string): Promise<void> };
    };
  };
}

const badge = () => ctl.evaluate(() => (globalThis as unknown as Apis).browser.action.getBadgeText({}));
const stored = async () =>
  JSON.stringify(
    await ctl.evaluate(() => (globalThis as unknown as Apis).browser.storage.local.get('reminders')),
  );

beforeAll(async () => {
  ext = await launchExtension();
  ctl = await openOptions(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
});

afterAll(async () => {
  await ext?.close();
});

describe('Firefox: reminders while the vault is locked', () => {
  it('the periodic alarm exists from start-up', async () => {
    const alarm = await ctl.evaluate(() =>
      (globalThis as unknown as Apis).browser.alarms.get('keyguard-reminders'),
    );
    expect(alarm?.periodInMinutes).toBe(180);
  });

  it('an entry created 100 days ago → the alarm wakes the suspended background, whose locked run notifies it and sets the badge', async () => {
    const entry = await call<EntrySummary>(ctl, 'entry.add', {
      entry: {
        name: 'Invoice upload (secret name)',
        secret: `dbk_${randomBytes(16).toString('hex')}`,
        host: 'app.docbits.com',
        environment: 'production',
        source: 'manual',
        createdAt: Date.now() - 100 * DAY,
      },
    });
    await call(ctl, 'vault.lock');
    // Let the runs after adding and locking settle, then forget what they showed.
    let last = '';
    await pollUntil(
      'the runs after adding and locking to settle',
      async () => {
        const before = await stored();
        await new Promise((r) => setTimeout(r, 1_000));
        last = await stored();
        return before === last;
      },
      (settled) => settled && last.includes(entry.id),
      20_000,
    );
    await ctl.evaluate(() => (globalThis as unknown as Apis).browser.storage.local.remove('reminders'));
    expect(await stored()).toBe('{}');
    const suspendedAt = Date.now();

    // Suspend the background, then let the reminder alarm fire (as it does every few hours): it must wake it.
    await ctl.evaluate(() =>
      (globalThis as unknown as Apis).browser.alarms.create('keyguard-reminders', {
        when: Date.now() + 4_000,
        periodInMinutes: 180,
      }),
    );
    await stopBackground(ext);
    expect(await backgroundState(ext)).toBe('stopped');
    // The alarm woke the background, whose locked run notified the entry's stage (only id and stage stored).
    await pollUntil('the reminder run after the wake', stored, (st) => st.includes(entry.id), 20_000);
    const run = JSON.parse(await stored()) as { reminders: { lastRun: number } };
    expect(run.reminders.lastRun, 'the run came after the suspension').toBeGreaterThan(suspendedAt);
    expect(await badge()).toBe('1');
    expect((await call<{ unlocked: boolean }>(ctl, 'vault.status')).unlocked).toBe(false);
    const state = await stored();
    expect(state, 'no key name in the clear reminder state').not.toContain('Invoice');
    expect(JSON.parse(state)).toMatchObject({ reminders: { notified: { [entry.id]: 'due/none' } } });
  });

  it('a woken background (start-up run) keeps the badge and does not notify the same stage again', async () => {
    const before = JSON.parse(await stored()) as { reminders: { notified: Record<string, string> } };
    await stopBackground(ext);
    await call(ctl, 'vault.status');
    await pollUntil('the badge after the wake', badge, (b) => b === '1');
    await new Promise((r) => setTimeout(r, 1_000));
    const after = JSON.parse(await stored()) as { reminders: { notified: Record<string, string> } };
    expect(after.reminders.notified).toEqual(before.reminders.notified);
  });
});

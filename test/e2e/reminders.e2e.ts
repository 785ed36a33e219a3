/**
 * Reminders end to end (issue 5): the production build in Chromium. An entry created 100 days ago makes the
 * toolbar badge and a notification appear while the vault is locked (from the clear index only), and a
 * restarted service worker does not show the same reminder again.
 */
import { randomBytes } from 'node:crypto';
import type { Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntrySummary } from '../../lib/vault/model';
import {
  call,
  clearNotifications,
  type ExtensionBrowser,
  launchExtension,
  openPopup,
  pollUntil,
  restartServiceWorker,
  shownNotifications,
} from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const DAY = 86_400_000;
const HOST_NOTIFICATION = 'kg-reminder:host:app.docbits.com';

let ext: ExtensionBrowser;
let ctl: Page;

interface ChromeApis {
  chrome: {
    action: {
      getBadgeText(d: object): Promise<string>;
      getBadgeBackgroundColor(d: object): Promise<number[]>;
    };
    alarms: {
      create(name: string, info: object): Promise<void>;
      get(name: string): Promise<{ periodInMinutes?: number } | undefined>;
    };
    storage: {
      local: { get(k: string): Promise<Record<string, unknown>>; remove(k: string): Promise<void> };
    };
  };
}

const worker = (): Promise<Worker> => ext.serviceWorker();
const notifications = () => shownNotifications(ext);
const badge = async () =>
  (await worker()).evaluate(async () => {
    const { action } = (globalThis as unknown as ChromeApis).chrome;
    return { text: await action.getBadgeText({}), color: await action.getBadgeBackgroundColor({}) };
  });

beforeAll(async () => {
  ext = await launchExtension();
  ctl = await openPopup(ext);
  await call(ctl, 'vault.create', { password: PASSWORD });
});

afterAll(async () => {
  await ext?.close();
});

describe('reminders while the vault is locked', () => {
  it('the periodic alarm exists from start-up', async () => {
    const alarm = await (await worker()).evaluate(() =>
      (globalThis as unknown as ChromeApis).chrome.alarms.get('keyguard-reminders'),
    );
    expect(alarm?.periodInMinutes).toBe(180);
  });

  it('an entry created 100 days ago → badge and a notification that names no key, while locked', async () => {
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
    expect(entry.state).toBe('active');
    await call(ctl, 'vault.lock');
    // Adding and locking each started a run (the first one named the key). Let them finish — the stored
    // state stops changing — before forgetting what they showed, so what follows comes from a locked run.
    const stored = async () =>
      JSON.stringify(
        await (await worker()).evaluate(() =>
          (globalThis as unknown as ChromeApis).chrome.storage.local.get('reminders'),
        ),
      );
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
    // Forget what the unlocked run already showed, so what follows comes from a locked run only.
    await clearNotifications(ext);
    await (await worker()).evaluate(() =>
      (globalThis as unknown as ChromeApis).chrome.storage.local.remove('reminders'),
    );
    expect(await notifications()).toEqual([]);
    expect((await call<{ unlocked: boolean }>(ctl, 'vault.status')).unlocked).toBe(false);

    // The alarm fires (as it does every few hours).
    await (await worker()).evaluate(() =>
      (globalThis as unknown as ChromeApis).chrome.alarms.create('keyguard-reminders', {
        when: Date.now() + 50,
        periodInMinutes: 180,
      }),
    );
    // Locked: grouped by host, the text says "N DocBits API keys on HOST need attention" (no name).
    expect(await pollUntil('the reminder', notifications, (ids) => ids.length > 0)).toEqual([
      HOST_NOTIFICATION,
    ]);
    expect(await badge()).toEqual({ text: '1', color: [138, 83, 0, 255] });
    const state = await (await worker()).evaluate(() =>
      (globalThis as unknown as ChromeApis).chrome.storage.local.get('reminders'),
    );
    // What is stored in the clear: the entry id and its stage, nothing else.
    expect(JSON.stringify(state)).not.toContain('Invoice');
    expect(state).toMatchObject({ reminders: { notified: { [entry.id]: 'due/none' } } });
  });

  it('a restarted service worker (start-up run) does not show the same reminder again', async () => {
    await clearNotifications(ext);
    await restartServiceWorker(ext, () => call(ctl, 'vault.status'));
    // Give the start-up run time to happen, then check it stayed quiet and kept the badge.
    await pollUntil('the badge after restart', badge, (b) => b.text === '1');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await notifications()).toEqual([]);
  });
});

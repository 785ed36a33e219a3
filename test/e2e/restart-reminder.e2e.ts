/**
 * Issue 13: a reminder lost across a browser restart. A profile with a saved key; the browser started again
 * 100 days later under a real clock jump (libfaketime in Chromium's environment, nothing back-dated), the
 * vault locked as after any restart: the badge AND the host reminder must appear — every time — and a later
 * stage (+130 days: overdue) must notify again. (That a restart within one stage stays quiet is covered by
 * reminders.e2e.ts and the unit tests; a third browser start would cost this test ~8 s.)
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { fakeClockEnv, libfaketimePath } from './harness/faketime.js';
import {
  call,
  type ExtensionBrowser,
  launchExtension,
  openPopup,
  pollUntil,
  shownNotifications,
} from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const DAY = 86_400_000;
const HOST = 'app.docbits.com';
const HOST_NOTIFICATION = `kg-reminder:host:${HOST}`;

interface ChromeApis {
  chrome: {
    action: { getBadgeText(d: object): Promise<string> };
    storage: {
      local: { get(k: string): Promise<Record<string, unknown>> };
      session: { get(k: string): Promise<Record<string, unknown>> };
    };
  };
}

let ext: ExtensionBrowser | undefined;

beforeAll(() => {
  // Missing libfaketime fails here with the install advice; the test never passes without a real jump.
  libfaketimePath();
});

afterEach(async () => {
  await ext?.close();
});

/** What the restarted browser shows: its clock, the badge, the notifications and the stored stage. */
async function look(b: ExtensionBrowser) {
  return (await b.serviceWorker()).evaluate(async () => {
    const { action, storage } = (globalThis as unknown as ChromeApis).chrome;
    const stored = (await storage.local.get('reminders')).reminders as
      | { notified?: Record<string, string> }
      | undefined;
    return {
      now: Date.now(),
      // Only whether the data key is there (never the key itself): locked, as after any restart.
      locked: Object.keys(await storage.session.get('keyguard.vaultKey')).length === 0,
      badge: await action.getBadgeText({}),
      notified: Object.values(stored?.notified ?? {}),
    };
  });
}

/** Starts Chromium again on `profile`, `days` days later, and waits until the start-up run has decided. */
async function restart(profile: string, days: number, stage: string) {
  const started = Date.now();
  ext = await launchExtension({ userDataDir: profile, env: fakeClockEnv(days) });
  const b = ext;
  // The badge and the stored stage settle at start-up; poll both (a slow machine may take a few seconds).
  const seen = await pollUntil(
    `the start-up run at +${days} days`,
    () => look(b),
    (v) => v.badge === '1' && v.notified.includes(stage),
    15_000,
  );
  // The service worker (a renderer, a child process of the browser) really runs `days` days ahead.
  expect(Math.abs(seen.now - started - days * DAY)).toBeLessThan(60_000);
  expect(seen.locked).toBe(true);
  return b;
}

it('after a browser restart 100 days later, then 130 days later: badge and host reminder every time', async () => {
  // Day 0: a vault and a key saved now (nothing due, nothing shown).
  ext = await launchExtension();
  const popup = await openPopup(ext);
  await call(popup, 'vault.create', { password: PASSWORD });
  await call(popup, 'entry.add', {
    entry: {
      name: 'ERP nightly upload',
      secret: `dbk_${randomBytes(16).toString('hex')}`,
      host: HOST,
      environment: 'production',
      source: 'manual',
    },
  });
  const profile = ext.userDataDir;
  const day0 = ext;
  await pollUntil(
    'the day-0 run',
    () => look(day0),
    (v) => v.badge === '' && v.notified.length === 0,
  );
  expect(await shownNotifications(day0)).toEqual([]);
  await day0.close();

  // +100 days: rotation due. Locked (the session area is empty after a restart): the host reminder.
  let b = await restart(profile, 100, 'due/none');
  expect(
    await pollUntil(
      'the host reminder at +100 d',
      () => shownNotifications(b),
      (ids) => ids.length > 0,
    ),
  ).toEqual([HOST_NOTIFICATION]);
  await b.close();

  // +130 days: overdue, a new stage — shown again.
  b = await restart(profile, 130, 'overdue/none');
  expect(
    await pollUntil(
      'the host reminder at +130 d',
      () => shownNotifications(b),
      (ids) => ids.length > 0,
    ),
  ).toEqual([HOST_NOTIFICATION]);
});

/**
 * The audit log end to end, in the production build: a session of real actions (create, add, copies, a
 * wrong password while locked, unlock), a burst of copies raising the anomaly alert, and the options page's
 * viewer showing the session, filtering it and verifying the chain. Then a stored record is changed in
 * IndexedDB and "Verify log" names the broken link.
 *
 * Secrets are never printed: comparisons are reduced to booleans.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditVerifyReport } from '../../lib/messages';
import type { EntrySummary } from '../../lib/vault/model';
import {
  call,
  type ExtensionBrowser,
  findByName,
  launchExtension,
  openOptions,
  sendMessage,
  shownNotifications,
} from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const SECRET = `dbk_live_${randomBytes(24).toString('base64url')}`;

let ext: ExtensionBrowser;
let options: Page;

beforeAll(async () => {
  ext = await launchExtension();
  options = await openOptions(ext);
});

afterAll(async () => {
  await ext?.close();
});

const bodyText = (page: Page) => page.evaluate(() => document.body.textContent ?? '');

describe('audit log', () => {
  it('records a session, raises the copy-burst alert, and the viewer shows and verifies it', async () => {
    await call(options, 'vault.create', { password: PASSWORD });
    const entry = await call<EntrySummary>(options, 'entry.add', {
      entry: {
        name: 'ERP connector',
        secret: SECRET,
        host: 'app.docbits.com',
        environment: 'production',
        source: 'manual',
      },
    });
    // Five copies within a minute: the default threshold (four raise nothing).
    const notifications = async () => (await shownNotifications(ext)).length;
    for (let i = 0; i < 4; i++) await call(options, 'entry.copy', { id: entry.id });
    expect(await notifications()).toBe(0);
    await call(options, 'entry.copy', { id: entry.id });
    // The alert is a notification as well as an audit record.
    await expect.poll(notifications, { timeout: 10_000 }).toBe(1);
    await call(options, 'vault.lock');
    const wrong = await sendMessage(options, 'vault.unlock', { password: `${PASSWORD}-wrong` });
    expect(wrong.ok).toBe(false);
    // Wait out the 1 s back-off, then unlock.
    await new Promise((r) => setTimeout(r, 1200));
    await call(options, 'vault.unlock', { password: PASSWORD });

    const events = await call<AuditEvent[]>(options, 'audit.list', { filter: {} });
    expect(JSON.stringify(events).includes(SECRET)).toBe(false);
    const types = events.map((e) => e.type).reverse();
    expect(types).toEqual([
      'vault.created',
      'entry.added',
      'entry.copied',
      'entry.copied',
      'entry.copied',
      'entry.copied',
      'entry.copied',
      'anomaly.copyBurst',
      'vault.locked',
      'vault.unlockFailed',
      'vault.unlocked',
    ]);
    expect(events.find((e) => e.type === 'vault.unlockFailed')?.late).toBe(true);

    // The viewer: reload the options page (unlocked) and read the table.
    await options.reload({ waitUntil: 'domcontentloaded' });
    await findByName(options, 'Verify log', 'button');
    await expect.poll(() => bodyText(options), { timeout: 10_000 }).toContain('anomaly.copyBurst');
    expect(await bodyText(options)).toContain('11 of 11 events');
    expect(await bodyText(options)).toContain('recorded while locked');
    await (await findByName(options, 'Verify log', 'button')).click();
    await expect.poll(() => bodyText(options), { timeout: 10_000 }).toContain('Log OK: 11 records verified');
    // Filter by event type.
    await options.getByLabel('Event', { exact: true }).selectOption('entry.copied');
    await expect.poll(() => bodyText(options), { timeout: 10_000 }).toContain('5 of 5 events');
    expect(JSON.stringify(await bodyText(options)).includes(SECRET)).toBe(false);
  });

  it('"Verify log" names the first broken link after a stored record is changed', async () => {
    // Change the time of record #3 directly in IndexedDB, as someone with access to the profile could.
    const changed = await options.evaluate(
      () =>
        new Promise<boolean>((resolve, reject) => {
          const req = indexedDB.open('keyguard');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const db = req.result;
            const tx = db.transaction('auditLog', 'readwrite');
            const store = tx.objectStore('auditLog');
            const get = store.get(3);
            get.onsuccess = () => {
              const rec = get.result as { at: number };
              store.put({ ...rec, at: rec.at - 3_600_000 });
            };
            tx.oncomplete = () => {
              db.close();
              resolve(true);
            };
            tx.onerror = () => reject(tx.error);
          };
        }),
    );
    expect(changed).toBe(true);
    const report = await call<AuditVerifyReport>(options, 'audit.verify');
    expect(report).toMatchObject({ ok: false, broken: { seq: 3, reason: 'altered' } });
    await (await findByName(options, 'Verify log', 'button')).click();
    await expect
      .poll(() => bodyText(options), { timeout: 10_000 })
      .toContain('Log broken at record #3: the record was changed.');
  });
});

/**
 * The vault set-up most Firefox suites share: created through the popup's own controls, then entries added
 * through the protocol (what the Chromium suites already prove through the UI).
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { findByName } from './a11y.js';
import { call } from './pages.js';

/** A fresh master password per test process (never printed). */
export const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;

/** Creates the vault in an open popup and waits until it shows "Lock". */
export async function createVaultInPopup(popup: Page, password = PASSWORD): Promise<void> {
  await (await findByName(popup, 'Master password', 'textbox')).fill(password);
  await (await findByName(popup, 'Confirm master password', 'textbox')).fill(password);
  await (await findByName(popup, 'Create vault', 'button')).click();
  await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
}

/** Unlocks in an open popup and waits until it shows "Lock". */
export async function unlockInPopup(popup: Page, password = PASSWORD): Promise<void> {
  await (await findByName(popup, 'Master password', 'textbox')).fill(password);
  await (await findByName(popup, 'Unlock', 'button')).click();
  await findByName(popup, 'Lock', 'button', { timeoutMs: 30_000 });
}

/** Adds a manual entry for app.docbits.com; returns its id. */
export async function addEntry(page: Page, name: string, secret: string): Promise<string> {
  const summary = await call<{ id: string }>(page, 'entry.add', {
    entry: { name, secret, host: 'app.docbits.com', environment: 'production', source: 'manual' },
  });
  return summary.id;
}

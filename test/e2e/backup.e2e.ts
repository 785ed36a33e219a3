/**
 * Export → a new profile → import, through the options page of the production build: the entries arrive
 * identical (secrets compared as booleans, never printed). Also: the file holds no secret in the clear,
 * and a wrong file password is refused with the vault unchanged.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry, EntrySummary } from '../../lib/vault/model';
import { call, type ExtensionBrowser, findByName, launchExtension, openOptions } from './harness/index.js';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const OTHER_PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const SECRETS = [
  `dbk_live_${randomBytes(24).toString('base64url')}`,
  randomBytes(20).toString('hex'),
  crypto.randomUUID(),
];

const browsers: ExtensionBrowser[] = [];
afterAll(async () => {
  for (const b of browsers) await b.close();
});

async function freshVault(): Promise<{ ext: ExtensionBrowser; options: Page }> {
  const ext = await launchExtension();
  browsers.push(ext);
  const options = await openOptions(ext);
  await call(options, 'vault.create', { password: PASSWORD });
  await options.reload();
  return { ext, options };
}

/** Entries compared on everything but history and source (import adds an event and marks the source). */
const comparable = (e: Entry) => {
  const { history: _h, source: _s, secret, ...rest } = e;
  return {
    ...rest,
    secretHash: Buffer.from(secret).toString('base64').length,
    secretOk: SECRETS.includes(secret),
  };
};

async function fullEntries(page: Page): Promise<Entry[]> {
  const list = await call<EntrySummary[]>(page, 'entry.list');
  const out: Entry[] = [];
  for (const s of list) out.push(await call<Entry>(page, 'entry.get', { id: s.id }));
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

describe('export and import between profiles', () => {
  it('exports from one profile and imports identical entries into a new one', async () => {
    const a = await freshVault();
    for (const [i, secret] of SECRETS.entries()) {
      await call(a.options, 'entry.add', {
        entry: {
          name: `Key ${i}`,
          secret,
          host: 'app.docbits.com',
          environment: 'production',
          source: 'manual',
        },
      });
    }
    const before = await fullEntries(a.options);

    // Export with the master password through the options page.
    const section = a.options.locator('#backup');
    await section.getByLabel('Master password').fill(PASSWORD);
    const [download] = await Promise.all([
      a.options.waitForEvent('download'),
      (await findByName(a.options, 'Export vault', 'button')).click(),
    ]);
    const path = await download.path();
    const file = readFileSync(path, 'utf8');
    expect(
      SECRETS.some((s) => file.includes(s)),
      'a secret in the export file',
    ).toBe(false);
    expect(JSON.parse(file).kind).toBe('keyguard-export');

    // A new profile with its own master password imports the file.
    const b = await freshVault();
    const picker = b.options.getByLabel('Import vault');
    await picker.setInputFiles({
      name: 'backup.json',
      mimeType: 'application/json',
      buffer: Buffer.from(file),
    });
    await b.options.getByLabel('Password of the file').fill(OTHER_PASSWORD);
    await b.options.getByRole('button', { name: 'Check file' }).click();
    await findByName(b.options, 'Wrong password, or the file was changed.', undefined, { timeoutMs: 15_000 });
    expect(await call<EntrySummary[]>(b.options, 'entry.list')).toEqual([]);

    await b.options.getByLabel('Password of the file').fill(PASSWORD);
    await b.options.getByRole('button', { name: 'Check file' }).click();
    await findByName(b.options, 'New keys: 3', undefined, { timeoutMs: 15_000 });
    await b.options.getByRole('button', { name: 'Import these keys' }).click();
    await findByName(b.options, 'Imported: 3 new, 0 replaced.', undefined, { timeoutMs: 15_000 });

    const after = await fullEntries(b.options);
    expect(after.map(comparable)).toEqual(before.map(comparable));
    for (const [i, e] of after.entries()) {
      expect(e.secret === before[i]?.secret, `secret of entry ${i} survived the round trip`).toBe(true);
      expect(e.history.at(-1)?.event).toBe('imported');
    }
  });
});

/**
 * Firefox: export → a new profile → import, through the options page: the export is a real download (to a
 * test directory), the import a real file pick. Entries arrive identical (secrets compared as booleans);
 * the file holds no secret in the clear; a wrong file password is refused with the vault unchanged.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry, EntrySummary } from '../../../lib/vault/model';
import { randomSecrets } from '../harness/secrets.js';
import {
  becomes,
  call,
  type ExtensionBrowser,
  findByName,
  launchExtension,
  makeTempDir,
  navigate,
  openOptions,
  PASSWORD,
  setFiles,
} from './harness/index.js';

const OTHER_PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const SECRETS = randomSecrets(3).map((s) => s.value);

const browsers: ExtensionBrowser[] = [];
afterAll(async () => {
  for (const b of browsers) await b.close();
});

/** A new profile whose downloads go to `downloads` without asking, with a new vault; the options page open. */
async function freshVault(downloads: string): Promise<{ ext: ExtensionBrowser; options: Page }> {
  const ext = await launchExtension({
    prefs: {
      'browser.download.folderList': 2,
      'browser.download.dir': downloads,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.alwaysOpenPanel': false,
    },
  });
  browsers.push(ext);
  const options = await openOptions(ext);
  await call(options, 'vault.create', { password: PASSWORD });
  await navigate(options, `${ext.origin}/options.html`);
  return { ext, options };
}

async function fullEntries(page: Page): Promise<Entry[]> {
  const list = await call<EntrySummary[]>(page, 'entry.list');
  const out: Entry[] = [];
  for (const s of list) out.push(await call<Entry>(page, 'entry.get', { id: s.id }));
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Entries compared on everything but history and source (import adds an event and marks the source). */
const comparable = (e: Entry) => {
  const { history: _h, source: _s, secret, ...rest } = e;
  return { ...rest, secretOk: SECRETS.includes(secret) };
};

describe('Firefox: export and import between profiles', () => {
  it('exports from one profile and imports identical entries into a new one', async () => {
    const downloadsA = makeTempDir('ff-downloads');
    const a = await freshVault(downloadsA);
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

    await (await findByName(a.options, 'Master password', 'textbox', { within: '#backup' })).fill(PASSWORD);
    await (await findByName(a.options, 'Export vault', 'button')).click();
    // Firefox creates the file empty and fills it from a .part file: wait until it holds the whole export.
    const exported = () => {
      const name = readdirSync(downloadsA).find((f) => !f.endsWith('.part'));
      if (!name) return null;
      try {
        const text = readFileSync(join(downloadsA, name), 'utf8');
        JSON.parse(text);
        return { path: join(downloadsA, name), text };
      } catch {
        return null;
      }
    };
    expect(await becomes(async () => exported() !== null, true, 15_000), 'the export was downloaded').toBe(
      true,
    );
    const { path, text: file } = exported() ?? { path: '', text: '' };
    expect(
      SECRETS.some((s) => file.includes(s)),
      'a secret in the export file',
    ).toBe(false);
    expect(JSON.parse(file).kind).toBe('keyguard-export');

    const b = await freshVault(makeTempDir('ff-downloads'));
    const picker = await findByName(b.options, 'Import vault', 'button');
    await setFiles(b.options, picker.sharedId, [path]);
    await (await findByName(b.options, 'Password of the file', 'textbox')).fill(OTHER_PASSWORD);
    await (await findByName(b.options, 'Check file', 'button')).click();
    await findByName(b.options, 'Wrong password, or the file was changed.', undefined, { timeoutMs: 15_000 });
    expect(await call<EntrySummary[]>(b.options, 'entry.list')).toEqual([]);

    await (await findByName(b.options, 'Password of the file', 'textbox')).fill(PASSWORD);
    await (await findByName(b.options, 'Check file', 'button')).click();
    await findByName(b.options, 'New keys: 3', undefined, { timeoutMs: 15_000 });
    await (await findByName(b.options, 'Import these keys', 'button')).click();
    await findByName(b.options, 'Imported: 3 new, 0 replaced.', undefined, { timeoutMs: 15_000 });

    const after = await fullEntries(b.options);
    expect(after.map(comparable)).toEqual(before.map(comparable));
    for (const [i, e] of after.entries()) {
      expect(e.secret === before[i]?.secret, `secret of entry ${i} survived the round trip`).toBe(true);
      expect(e.history.at(-1)?.event).toBe('imported');
    }
  });
});

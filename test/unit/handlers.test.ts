import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { createRouter, Sender } from '../../lib/background/router';
import { DAY_MS } from '../../lib/rotation/schedule';
import { VaultService } from '../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../lib/vault/session';
import { openVaultStore } from '../../lib/vault/store';
import { DOCBITS, handlersFor, ONPREM, POPUP, routerFor } from './senders';

const PAGE = POPUP;

const FAST_KDF = { memoryKiB: 256, iterations: 1, parallelism: 1 };
const KEY = 'dbk_Q3vT9pLm2XcR8sWk4ZyHn6JbFd1GaE5u';
const NOW = Date.UTC(2026, 10, 27, 12);

let vault: VaultService;
let copies: Array<{ text: string; ms: number }>;
let unlockWindows: number;
let injected: Array<{ tabId: number; frameId: number; documentId?: string }>;
let route: ReturnType<typeof createRouter>;

async function call(type: string, payload: unknown, sender: Sender = DOCBITS) {
  return route({ type, payload }, sender);
}

beforeEach(async () => {
  const store = await openVaultStore(new IDBFactory(), 'handlers');
  vault = new VaultService({
    store,
    session: createMemorySessionKeyStorage(),
    kdf: FAST_KDF,
    now: () => NOW,
  });
  copies = [];
  unlockWindows = 0;
  injected = [];
  const settings: Record<string, unknown> = {
    settings: { docbitsHosts: ['app.docbits.com', 'docbits.example.test'], clipboardClearSeconds: 20 },
  };
  route = routerFor(
    handlersFor({
      vault,
      settingsArea: { get: async (k) => ({ [k]: settings[k] }), set: async () => {} },
      copyToClipboard: async (text, ms) => void copies.push({ text, ms }),
      openUnlockWindow: async () => void unlockWindows++,
      injectPageUi: async (target) => void injected.push(target),
      now: () => NOW,
    }),
  );
  await vault.create('correct horse battery');
});

describe('entry.capture from the DocBits page', () => {
  it('saves the key with the host from the sender, not the payload, and never echoes the secret', async () => {
    const reply = await call('entry.capture', {
      entry: {
        secret: KEY,
        name: 'ERP connector',
        notes: 'from dialog',
        orgId: 'org-1',
        expiresAt: NOW + DAY_MS,
      },
    });
    expect(reply.ok).toBe(true);
    expect(JSON.stringify(reply).includes(KEY)).toBe(false);
    const [summary] = await vault.list();
    expect(summary).toMatchObject({
      name: 'ERP connector',
      host: 'app.docbits.com',
      environment: 'production',
      source: 'captured',
      orgId: 'org-1',
    });
    const full = await vault.get(summary?.id ?? '');
    expect(full.secret === KEY).toBe(true);
  });

  it('takes the environment chosen in the save form, else the one the host implies', async () => {
    await call('entry.capture', { entry: { secret: KEY, name: 'A', environment: 'sandbox' } });
    await call('entry.capture', { entry: { secret: `${KEY}x`, name: 'B' } }, ONPREM);
    const byName = Object.fromEntries((await vault.list()).map((e) => [e.name, e]));
    expect(byName.A).toMatchObject({ host: 'app.docbits.com', environment: 'sandbox' });
    expect(byName.B).toMatchObject({ host: 'docbits.example.test', environment: 'sandbox' });
  });

  it('a second save of the same key returns the existing entry', async () => {
    await call('entry.capture', { entry: { secret: KEY, name: 'A' } });
    const again = await call('entry.capture', { entry: { secret: KEY, name: 'B' } });
    expect(again).toMatchObject({ ok: true, data: { existing: true, entry: { name: 'A' } } });
    expect(await vault.list()).toHaveLength(1);
  });

  it('answers "locked" when the vault is locked, so the page can ask for the password', async () => {
    await vault.lock();
    expect(await call('entry.capture', { entry: { secret: KEY, name: 'A' } })).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    expect(await call('ui.openUnlock', {})).toMatchObject({ ok: true });
    expect(unlockWindows).toBe(1);
  });

  it('is refused from the popup and from other sites', async () => {
    for (const sender of [PAGE, { ...DOCBITS, url: 'https://evil.example/' }]) {
      expect(await call('entry.capture', { entry: { secret: KEY, name: 'A' } }, sender)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
  });
});

describe('the clear index', () => {
  it("is for extension pages only: a DocBits page learns its own rows through page.rows, not other hosts' keys", async () => {
    expect(await call('entry.index', {}, PAGE)).toMatchObject({ ok: true });
    expect(await call('entry.index', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('page controls', () => {
  it('injects them into the asking DocBits tab (top frame) only, locked or not', async () => {
    await vault.lock();
    expect(await call('ui.load', {}, { ...DOCBITS, tab: { id: 12 } })).toMatchObject({
      ok: true,
    });
    expect(injected).toEqual([{ tabId: 12, frameId: 0 }]);
  });

  it('names the very document that asked when the browser says which, so a navigation cannot get them', async () => {
    expect(await call('ui.load', {}, { ...DOCBITS, tab: { id: 12 }, documentId: 'DOC-1' })).toMatchObject({
      ok: true,
    });
    expect(injected).toEqual([{ tabId: 12, frameId: 0, documentId: 'DOC-1' }]);
  });

  it('is refused without a tab, from a sub-frame, from extension pages and from other sites', async () => {
    const { tab: _, ...tabless } = DOCBITS;
    for (const sender of [
      tabless,
      { ...DOCBITS, frameId: 3 },
      PAGE,
      { ...DOCBITS, url: 'https://evil.example/' },
    ]) {
      expect(await call('ui.load', {}, sender)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(injected).toEqual([]);
  });
});

describe('copy', () => {
  it('copies a page key with the configured clear time', async () => {
    expect(await call('clipboard.copyPageKey', { text: KEY })).toEqual({
      ok: true,
      data: { clearAfterSeconds: 20 },
    });
    expect(copies).toEqual([{ text: KEY, ms: 20_000 }]);
  });

  it('copies a vault key for its own host only; the reply never carries it', async () => {
    const added = await vault.add({
      name: 'k',
      secret: KEY,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
    });
    const ok = await call('entry.copy', { id: added.id });
    expect(ok).toEqual({ ok: true, data: { clearAfterSeconds: 20 } });
    expect(copies.length).toBe(1);
    const other = await call('entry.copy', { id: added.id }, ONPREM);
    expect(other).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(copies.length).toBe(1);
    expect(await call('entry.copy', { id: added.id }, PAGE)).toMatchObject({ ok: true });
  });
});

describe('page.rows', () => {
  const rows = (status: 'active' | 'revoked', prefix = 'dbk_Q3vT') => ({
    orgId: 'org-1',
    lang: 'en',
    rows: [
      { prefix, name: 'ERP connector', status, expires: 'Never expires', lastUsed: '2026-11-26 12:00' },
      { prefix: 'ffff0000', name: 'unknown', status: 'active' },
    ],
  });

  it('learns the prefix of a captured key, marks rows, and stores what the page showed', async () => {
    await call('entry.capture', { entry: { secret: KEY, name: 'ERP connector', orgId: 'org-1' } });
    const reply = await call('page.rows', rows('active'));
    expect(reply.ok).toBe(true);
    const data = (reply as { data: { unlocked: boolean; rows: Array<{ prefix: string; entry: unknown }> } })
      .data;
    expect(data.unlocked).toBe(true);
    expect(data.rows[0]?.entry).toMatchObject({ state: 'active', rotation: 'ok', expiry: 'none' });
    expect(data.rows[1]?.entry).toBeNull();
    const [rec] = await vault.listIndex();
    expect(rec?.prefix).toBe('dbk_Q3vT');
    expect(rec?.observed).toEqual({
      status: 'active',
      expiresAt: null,
      lastUsedAt: new Date(2026, 10, 26, 12, 0).getTime(),
      at: NOW,
    });
    expect(JSON.stringify(reply).includes(KEY)).toBe(false);
  });

  it('retires an entry whose row turns Revoked, and records why', async () => {
    await call('entry.capture', { entry: { secret: KEY, name: 'ERP connector', orgId: 'org-1' } });
    await call('page.rows', rows('active'));
    const reply = await call('page.rows', rows('revoked'));
    expect((reply as { data: { rows: Array<{ entry: { state: string } }> } }).data.rows[0]?.entry.state).toBe(
      'retired',
    );
    const [summary] = await vault.list();
    const full = await vault.get(summary?.id ?? '');
    expect(full.state).toBe('retired');
    expect(full.history.at(-1)).toMatchObject({ event: 'state:retired', detail: 'revoked on DocBits' });
  });

  it('while locked: remembers the revocation and retires the entry at the next unlock', async () => {
    await call('entry.capture', { entry: { secret: KEY, name: 'ERP connector', orgId: 'org-1' } });
    await call('page.rows', rows('active'));
    await vault.lock();
    const reply = await call('page.rows', rows('revoked'));
    expect(reply).toMatchObject({ ok: true, data: { unlocked: false } });
    expect((await vault.listIndex())[0]?.state).toBe('active');
    await call('vault.unlock', { password: 'correct horse battery' }, PAGE);
    expect((await vault.listIndex())[0]?.state).toBe('retired');
  });

  it('does not match entries of another host or organisation', async () => {
    await vault.add({
      name: 'x',
      secret: KEY,
      host: 'docbits.example.test',
      environment: 'other',
      source: 'manual',
      prefix: 'dbk_Q3vT',
    });
    await vault.add({
      name: 'y',
      secret: `${KEY}2`,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
      prefix: 'dbk_Q3vT',
      orgId: 'org-2',
    });
    const reply = await call('page.rows', rows('active'));
    expect((reply as { data: { rows: Array<{ entry: unknown }> } }).data.rows[0]?.entry).toBeNull();
  });
});

describe('export and import', () => {
  it('exports with the master password, and a second vault previews and imports the file', async () => {
    await vault.add({
      name: 'ERP',
      secret: KEY,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
    });
    const exported = await call('vault.export', { password: 'correct horse battery', separate: false }, PAGE);
    expect(exported).toMatchObject({ ok: true, data: { count: 1 } });
    const file = (exported as { data: { file: string } }).data.file;
    expect(file.includes(KEY)).toBe(false);

    // Same vault: everything is identical, nothing to add.
    const same = await call('vault.importPreview', { file, password: 'correct horse battery' }, PAGE);
    expect(same).toMatchObject({ ok: true, data: { added: [], identical: 1, conflicts: [] } });

    // A fresh vault (as on a new profile) gets the entry.
    await vault.remove((await vault.list())[0]?.id ?? '');
    const preview = await call('vault.importPreview', { file, password: 'correct horse battery' }, PAGE);
    expect(preview).toMatchObject({ ok: true, data: { identical: 0, conflicts: [] } });
    expect(JSON.stringify(preview).includes(KEY)).toBe(false);
    expect(
      await call('vault.importApply', { file, password: 'correct horse battery', conflicts: 'skip' }, PAGE),
    ).toEqual({
      ok: true,
      data: { added: 1, replaced: 0 },
    });
    const [summary] = await vault.list();
    const full = await vault.get(summary?.id ?? '');
    expect(full.secret === KEY).toBe(true);
    expect(full.history.at(-1)).toMatchObject({ event: 'imported', detail: 'new' });
    // A mistyped master password makes no backup (and counts as a failed attempt).
    const wrong = await call('vault.export', { password: 'not the password', separate: false }, PAGE);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad-password' } });
  });

  it('refuses a bad file with a clear message and leaves the vault unchanged', async () => {
    await vault.add({
      name: 'ERP',
      secret: KEY,
      host: 'app.docbits.com',
      environment: 'production',
      source: 'manual',
    });
    const before = JSON.stringify(await vault.exportEntries());
    const cases: Array<[string, string]> = [
      [' ', 'not-json'],
      ['not json', 'not-json'],
      ['{"kind":"keyguard-export","format":99}', 'version'],
      ['{"__proto__":{}}', 'not-export'],
    ];
    for (const [file, problem] of cases) {
      const reply = await call('vault.importApply', { file, password: 'p', conflicts: 'replace' }, PAGE);
      expect(reply.ok).toBe(false);
      // The English message for logs, and the problem for the options page to say in the user's language.
      expect((reply as { error: { message: string } }).error.message.length).toBeGreaterThan(10);
      expect(reply).toMatchObject({ error: { code: 'invalid', file: { problem } } });
    }
    expect(JSON.stringify(await vault.exportEntries())).toBe(before);
  });

  it('is for extension pages only', async () => {
    expect(await call('vault.export', { password: 'correct horse battery', separate: false })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });
});

// @vitest-environment happy-dom
/**
 * The options page with a fake background (`send`) and fake `permissions`: the keys table, add / edit /
 * delete, settings, DocBits hosts and the master password. English text from the generated locale.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Send } from '../../../components/api';
import { parseHost } from '../../../components/options/HostsSection';
import { type HostPermissions, OptionsPage } from '../../../components/options/Options';
import { setMessageSource, sourceFromJson } from '../../../lib/i18n';
import type { MessageType, PayloadOf, VaultStatus } from '../../../lib/messages';
import { DAY_MS } from '../../../lib/rotation/schedule';
import { ProtocolError } from '../../../lib/send';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/settings';
import type { Entry, EntrySummary } from '../../../lib/vault/model';
import en from '../../../public/_locales/en/messages.json';

const NOW = Date.UTC(2025, 5, 15, 12);
/** Test-only fake secrets (never real keys). */
const SECRET_A = 'dbk_live_AAAA1111fakefakefakefake';
const SECRET_B = 'dbk_test_BBBB2222fakefakefakefake';

beforeAll(() => {
  setMessageSource(sourceFromJson(en));
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function entry(over: Partial<Entry> & Pick<Entry, 'id' | 'name'>): Entry {
  return {
    secret: SECRET_A,
    notes: '',
    host: 'app.docbits.com',
    orgId: null,
    environment: 'production',
    prefix: '',
    createdAt: NOW - 10 * DAY_MS,
    expiresAt: null,
    rotateAfterDays: null,
    state: 'active',
    source: 'captured',
    successorId: null,
    predecessorId: null,
    history: [],
    ...over,
  };
}

const summary = ({ secret: _s, history: _h, ...rest }: Entry): EntrySummary => rest;

type Failure = Partial<Record<MessageType, () => Error>>;

/**
 * An in-memory background: entries, settings and the vault state, with every call logged (in order, shared
 * with the fake permissions so the order of settings.set and permissions.remove can be checked).
 */
function fakeBackground(
  options: { entries?: Entry[]; status?: Partial<VaultStatus>; settings?: Partial<Settings> } = {},
) {
  const entries = new Map((options.entries ?? []).map((e) => [e.id, e]));
  let settings: Settings = {
    ...DEFAULT_SETTINGS,
    docbitsHosts: [...DEFAULT_SETTINGS.docbitsHosts],
    ...options.settings,
  };
  const status: VaultStatus = {
    exists: true,
    unlocked: true,
    retryAfterMs: 0,
    ...options.status,
  } as VaultStatus;
  const log: Array<{ type: string; payload: unknown }> = [];
  const fail: Failure = {};
  let nextId = 1;
  // Resolved by tests that need to observe an operation in progress.
  let hold: Promise<void> | null = null;

  const handle = async <T extends MessageType>(type: T, payload: PayloadOf<T>): Promise<unknown> => {
    log.push({ type, payload });
    if (hold) await hold;
    const failure = fail[type];
    if (failure) throw failure();
    switch (type) {
      case 'vault.status':
        return { ...status };
      case 'settings.get':
        return { ...settings, docbitsHosts: [...settings.docbitsHosts] };
      case 'settings.set': {
        const { patch } = payload as PayloadOf<'settings.set'>;
        settings = { ...settings, ...patch };
        return { ...settings, docbitsHosts: [...settings.docbitsHosts] };
      }
      case 'entry.list':
        return [...entries.values()].map(summary);
      case 'entry.get': {
        const e = entries.get((payload as { id: string }).id);
        if (!e) throw new ProtocolError({ code: 'not-found', message: 'No such entry' });
        return e;
      }
      case 'entry.add': {
        const { entry: n } = payload as PayloadOf<'entry.add'>;
        const e = entry({ ...n, id: `00000000-0000-4000-8000-00000000000${nextId++}`, createdAt: NOW });
        entries.set(e.id, e);
        return summary(e);
      }
      case 'entry.update': {
        const { id, patch } = payload as PayloadOf<'entry.update'>;
        const e = entries.get(id);
        if (!e) throw new ProtocolError({ code: 'not-found', message: 'No such entry' });
        const next = { ...e, ...patch };
        entries.set(id, next);
        return summary(next);
      }
      case 'entry.remove':
        entries.delete((payload as { id: string }).id);
        return null;
      case 'vault.changePassword':
        return null;
      case 'vault.export':
        return { file: '{"kind":"keyguard-export"}', count: entries.size };
      case 'vault.importPreview':
        return {
          added: [summary(entry({ id: '00000000-0000-4000-8000-0000000000aa', name: 'Imported one' }))],
          identical: 2,
          conflicts: [
            {
              incoming: summary(entry({ id: '00000000-0000-4000-8000-0000000000bb', name: 'Clash' })),
              existingId: '00000000-0000-4000-8000-0000000000cc',
              reason: 'prefix',
            },
          ],
        };
      case 'vault.importApply': {
        const e = entry({ id: '00000000-0000-4000-8000-0000000000aa', name: 'Imported one' });
        entries.set(e.id, e);
        return { added: 1, replaced: 0 };
      }
      case 'vault.unlock':
        status.unlocked = true;
        return { ...status };
      case 'vault.lock':
        status.unlocked = false;
        return { ...status };
      case 'audit.list':
        return [];
      default:
        throw new Error(`unexpected ${type}`);
    }
  };
  const send = vi.fn(handle) as unknown as Send & ReturnType<typeof vi.fn>;
  return {
    send,
    log,
    fail,
    entries,
    get settings() {
      return settings;
    },
    calls: (type: MessageType) => log.filter((c) => c.type === type).map((c) => c.payload),
    holdUntil(p: Promise<void> | null) {
      hold = p;
    },
  };
}

function fakePermissions(log: Array<{ type: string; payload: unknown }>, granted = new Set<string>()) {
  const answer = { request: true };
  const permissions = {
    request: vi.fn(async ({ origins }: { origins: string[] }) => {
      log.push({ type: 'permissions.request', payload: origins });
      if (answer.request) for (const o of origins) granted.add(o);
      return answer.request;
    }),
    remove: vi.fn(async ({ origins }: { origins: string[] }) => {
      log.push({ type: 'permissions.remove', payload: origins });
      for (const o of origins) granted.delete(o);
      return true;
    }),
    contains: vi.fn(async ({ origins }: { origins: string[] }) => origins.every((o) => granted.has(o))),
  } satisfies HostPermissions;
  return { permissions, answer, granted };
}

function renderPage(bg: ReturnType<typeof fakeBackground>, perms = fakePermissions(bg.log)) {
  render(<OptionsPage send={bg.send} permissions={perms.permissions} locale="en-GB" now={() => NOW} />);
  return perms;
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.input(input(label), { target: { value } });
const keysTable = () => screen.getByRole('table');
const row = (name: string) => {
  const header = within(keysTable()).getByRole('rowheader', { name });
  return header.closest('tr') as HTMLTableRowElement;
};

describe('options page: vault state', () => {
  it('shows the unlock form when the vault is locked, and the sections once unlocked', async () => {
    const bg = fakeBackground({ status: { unlocked: false } });
    renderPage(bg);
    fireEvent.input(await screen.findByLabelText('Master password'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('heading', { name: 'Keys' })).toBeTruthy();
    expect(bg.calls('vault.unlock')).toEqual([{ password: 'correct horse' }]);
    expect(screen.queryByRole('button', { name: 'Unlock' })).toBeNull();
  });

  it('without a vault, says where to create one and offers the create form', async () => {
    const bg = fakeBackground({ status: { exists: false, unlocked: false } });
    renderPage(bg);
    expect(await screen.findByText(/Create the vault here or in the KeyGuard popup/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create vault' })).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('goes back to the unlock form when the vault turns out to be locked', async () => {
    const bg = fakeBackground({ entries: [entry({ id: 'a1', name: 'Alpha' })] });
    renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Alpha' }));
    bg.fail['entry.remove'] = () => new ProtocolError({ code: 'locked', message: 'Vault is locked' });
    fireEvent.click(screen.getByRole('button', { name: 'Delete key' }));
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
  });

  it('lists every section, the backup one with the automation-contract names', async () => {
    renderPage(fakeBackground());
    await screen.findByRole('heading', { name: 'Keys' });
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual([
      'Keys',
      'Settings',
      'DocBits hosts',
      'Master password',
      'Backup',
      'Leak guard and alerts',
      'Command line',
      'Audit log',
    ]);
    expect(screen.getByRole('button', { name: 'Export vault' })).toBeTruthy();
    expect(screen.getByLabelText('Import vault')).toBeTruthy();
  });
});

/** The options page with an export file chosen and its password typed, ready for "Check file". */
async function withImportFile() {
  const bg = fakeBackground();
  render(<OptionsPage send={bg.send} permissions={fakePermissions(bg.log).permissions} now={() => NOW} />);
  const picker = (await screen.findByLabelText('Import vault')) as HTMLInputElement;
  const file = new File(['{"kind":"keyguard-export"}'], 'backup.json', { type: 'application/json' });
  Object.defineProperty(picker, 'files', { value: [file] });
  fireEvent.change(picker);
  fireEvent.input(screen.getByLabelText('Password of the file'), { target: { value: 'p4ss' } });
  return bg;
}

describe('options page: backup', () => {
  it('exports with the master password and hands the file over', async () => {
    const bg = fakeBackground({
      entries: [entry({ id: '00000000-0000-4000-8000-000000000001', name: 'A' })],
    });
    const saved: Array<[string, string]> = [];
    render(
      <OptionsPage
        send={bg.send}
        permissions={fakePermissions(bg.log).permissions}
        save={(n, t) => void saved.push([n, t])}
        now={() => NOW}
      />,
    );
    await screen.findByRole('button', { name: 'Export vault' });
    fireEvent.click(screen.getByRole('button', { name: 'Export vault' }));
    expect(await screen.findByText('Enter the password.')).toBeTruthy();
    const backup = screen.getByRole('region', { name: 'Backup' });
    fireEvent.input(within(backup).getAllByLabelText('Master password')[0] as HTMLElement, {
      target: { value: 'correct horse battery' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Export vault' }));
    await screen.findByText(/Exported 1 keys/);
    expect(bg.log.find((c) => c.type === 'vault.export')?.payload).toEqual({
      password: 'correct horse battery',
      separate: false,
    });
    expect(saved).toEqual([['keyguard-export-2025-06-15.json', '{"kind":"keyguard-export"}']]);
  });

  it('previews an import (new, identical, conflicts) and merges only on confirmation', async () => {
    const bg = await withImportFile();
    await waitFor(() =>
      expect((screen.getByRole('button', { name: 'Check file' }) as HTMLButtonElement).disabled).toBe(false),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Check file' }));
    await screen.findByText('New keys: 1');
    expect(screen.getByText('Already in the vault, unchanged: 2')).toBeTruthy();
    expect(screen.getByText('Conflicts: 1')).toBeTruthy();
    expect(bg.log.some((c) => c.type === 'vault.importApply')).toBe(false);
    fireEvent.click(screen.getByLabelText('Keep both'));
    fireEvent.click(screen.getByRole('button', { name: 'Import these keys' }));
    await screen.findByText('Imported: 1 new, 0 replaced.');
    expect(bg.log.find((c) => c.type === 'vault.importApply')?.payload).toEqual({
      file: '{"kind":"keyguard-export"}',
      password: 'p4ss',
      conflicts: 'keep-both',
    });
    // In the keys table (the audit viewer's key filter lists the name too).
    expect(await screen.findByRole('rowheader', { name: 'Imported one' })).toBeTruthy();
  });

  it("says why a file was refused in the page's language, naming the key in it that is not valid", async () => {
    const bg = await withImportFile();
    const check = async () => {
      await waitFor(() =>
        expect((screen.getByRole('button', { name: 'Check file' }) as HTMLButtonElement).disabled).toBe(
          false,
        ),
      );
      fireEvent.click(screen.getByRole('button', { name: 'Check file' }));
    };
    // The reply's own message is English text for logs; the page words it from the problem.
    bg.fail['vault.importPreview'] = () =>
      new ProtocolError({
        code: 'invalid',
        message: 'Key 3 in the file is not valid: name is empty.',
        file: { problem: 'entries', key: 3 },
      });
    await check();
    await screen.findByText(
      'The file opened, but key 3 in it is not valid (or repeats an earlier one’s id). Nothing was imported.',
    );
    expect(screen.queryByText(/name is empty/)).toBeNull();
    bg.fail['vault.importPreview'] = () =>
      new ProtocolError({ code: 'invalid', message: 'The file is empty.', file: { problem: 'not-json' } });
    await check();
    await screen.findByText(
      'The file is not a KeyGuard export: it is empty or not valid JSON (it may be truncated).',
    );
  });

  it('refuses an oversized file before reading it', async () => {
    const bg = fakeBackground();
    render(<OptionsPage send={bg.send} permissions={fakePermissions(bg.log).permissions} now={() => NOW} />);
    const picker = (await screen.findByLabelText('Import vault')) as HTMLInputElement;
    const huge = { name: 'huge.json', size: 21 * 1024 * 1024, text: vi.fn() };
    Object.defineProperty(picker, 'files', { value: [huge] });
    fireEvent.change(picker);
    await screen.findByText('This file is far too large to be a KeyGuard export.');
    expect(huge.text).not.toHaveBeenCalled();
  });
});

describe('options page: keys table', () => {
  const entries = [
    entry({
      id: 'b2',
      name: 'beta sandbox',
      secret: SECRET_B,
      host: 'docbits.example.test',
      orgId: 'org-42',
      environment: 'sandbox',
      prefix: 'dbk_test_BBBB',
      createdAt: NOW - 200 * DAY_MS,
      expiresAt: NOW + 5 * DAY_MS,
    }),
    entry({ id: 'a1', name: 'Alpha', prefix: 'dbk_live_AAAA' }),
    entry({ id: 'c3', name: 'Old', state: 'retired', createdAt: NOW - 400 * DAY_MS }),
  ];

  it('lists every entry with host/org, environment, prefix, state, created and expiry, live ones first by name', async () => {
    const bg = fakeBackground({
      entries,
      settings: { docbitsHosts: ['app.docbits.com', 'docbits.example.test'] },
    });
    renderPage(bg);
    await screen.findByRole('rowheader', { name: 'Alpha' });
    const names = within(keysTable())
      .getAllByRole('rowheader')
      .map((h) => h.textContent);
    expect(names).toEqual(['Alpha', 'beta sandbox', 'Old']);

    const alpha = within(row('Alpha'));
    expect(alpha.getByText('app.docbits.com')).toBeTruthy();
    expect(alpha.getByText('Production')).toBeTruthy();
    expect(alpha.getByText('dbk_live_AAAA')).toBeTruthy();
    expect(alpha.getByText('Active')).toBeTruthy();
    expect(alpha.getByText('Never')).toBeTruthy();
    expect(
      alpha.getByText(new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(NOW - 10 * DAY_MS)),
    ).toBeTruthy();

    const beta = within(row('beta sandbox'));
    expect(beta.getByText('docbits.example.test')).toBeTruthy();
    expect(beta.getByText('org-42')).toBeTruthy();
    expect(beta.getByText('Sandbox')).toBeTruthy();
    expect(beta.getByText('Expires soon')).toBeTruthy();
    expect(beta.getByText('Rotation overdue')).toBeTruthy();
    expect(within(row('Old')).getByText('Retired')).toBeTruthy();

    // Lists never carry secrets, and the page does not ask for one.
    expect(document.body.textContent).not.toContain(SECRET_A);
    expect(bg.calls('entry.get')).toEqual([]);
  });

  it('shows progress until the settings and the list are in, then the whole table at once', async () => {
    const bg = fakeBackground({ entries });
    let release = () => {};
    renderPage(bg);
    await screen.findByRole('rowheader', { name: 'Alpha' });
    // Reload with the background slow: the page keeps its structure and shows progress.
    bg.holdUntil(
      new Promise<void>((r) => {
        release = r;
      }),
    );
    cleanup();
    renderPage(bg);
    expect(await screen.findByText('Loading…')).toBeTruthy();
    release();
    bg.holdUntil(null);
    expect(await screen.findByRole('rowheader', { name: 'Alpha' })).toBeTruthy();
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('says so when the vault has no keys', async () => {
    renderPage(fakeBackground());
    expect(await screen.findByText(/No keys yet/)).toBeTruthy();
  });
});

describe('options page: add a key by hand', () => {
  const openAdd = async () => {
    fireEvent.click(await screen.findByRole('button', { name: 'Add key' }));
    return screen.getByRole('dialog', { name: 'Add a key by hand' });
  };

  it('refuses bad input with inline errors, focuses the first, and keeps everything typed', async () => {
    const bg = fakeBackground({ entries: [entry({ id: 'a1', name: 'Alpha' })] });
    renderPage(bg);
    const dialog = within(await openAdd());
    dialog.getByRole('button', { name: 'Add to vault' }).click();
    expect(await dialog.findByText('Enter a name for the key.')).toBeTruthy();
    expect(dialog.getByText('Paste the API key.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(input('Key name')));
    expect(input('Key name').getAttribute('aria-invalid')).toBe('true');
    expect(input('Key name').getAttribute('aria-describedby')).toBeTruthy();

    type('Key name', 'Billing export');
    type('API key', `${SECRET_B} trailing`);
    type('Key prefix', 'dbk_live_');
    type('Expiry date', '2020-01-01');
    type('Rotate after (days)', 'ninety');
    type('Organisation ID', 'org-7');
    fireEvent.input(screen.getByLabelText('Notes'), { target: { value: 'for the nightly job' } });
    dialog.getByRole('button', { name: 'Add to vault' }).click();
    expect(
      await dialog.findByText('The key contains spaces or line breaks. Paste only the key.'),
    ).toBeTruthy();
    expect(dialog.getByText('This date has passed. Enter the date the key expires.')).toBeTruthy();
    expect(dialog.getByText('Enter a whole number of days from 1 to 3650, or leave it empty.')).toBeTruthy();
    expect(bg.calls('entry.add')).toEqual([]);
    // Nothing typed was lost.
    expect(input('Key name').value).toBe('Billing export');
    expect(input('API key').value === `${SECRET_B} trailing`).toBe(true);
    expect(input('Key prefix').value).toBe('dbk_live_');
    expect(input('Expiry date').value).toBe('2020-01-01');
    expect(input('Rotate after (days)').value).toBe('ninety');
    expect(input('Organisation ID').value).toBe('org-7');
    expect((screen.getByLabelText('Notes') as HTMLTextAreaElement).value).toBe('for the nightly job');

    // The prefix must be the start of the key.
    type('API key', SECRET_B);
    dialog.getByRole('button', { name: 'Add to vault' }).click();
    expect(await dialog.findByText('The key does not start with this prefix. Check both.')).toBeTruthy();
    expect(bg.calls('entry.add')).toEqual([]);
  });

  it('adds a valid key as a manual entry and lists it', async () => {
    const bg = fakeBackground({
      entries: [entry({ id: 'a1', name: 'Alpha' })],
      settings: { docbitsHosts: ['app.docbits.com', 'docbits.example.test'] },
    });
    renderPage(bg);
    const dialog = within(await openAdd());
    const secretField = input('API key');
    expect(secretField.type).toBe('password');
    fireEvent.click(dialog.getByRole('button', { name: 'Show key' }));
    expect(input('API key').type).toBe('text');
    expect(dialog.getByRole('button', { name: 'Hide key' }).getAttribute('aria-pressed')).toBe('true');

    type('Key name', '  Billing export ');
    type('API key', `${SECRET_B}\n`);
    fireEvent.change(screen.getByLabelText('DocBits host'), { target: { value: 'docbits.example.test' } });
    fireEvent.change(screen.getByLabelText('Environment'), { target: { value: 'sandbox' } });
    type('Key prefix', 'dbk_test_BBBB');
    type('Expiry date', '2026-03-01');
    type('Rotate after (days)', '30');
    dialog.getByRole('button', { name: 'Add to vault' }).click();

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const [added] = bg.calls('entry.add') as Array<PayloadOf<'entry.add'>>;
    expect(added?.entry.secret === SECRET_B).toBe(true);
    expect({ ...added?.entry, secret: '<checked>' }).toEqual({
      name: 'Billing export',
      secret: '<checked>',
      host: 'docbits.example.test',
      environment: 'sandbox',
      source: 'manual',
      notes: '',
      orgId: null,
      prefix: 'dbk_test_BBBB',
      expiresAt: new Date(2026, 2, 1).getTime(),
      rotateAfterDays: 30,
    });
    expect(within(row('Billing export')).getByText('docbits.example.test')).toBeTruthy();
    expect(screen.getByText('Added “Billing export”.').getAttribute('role')).toBe('status');
    expect(document.body.textContent).not.toContain(SECRET_B);
  });

  it('keeps the form as typed when the background refuses', async () => {
    const bg = fakeBackground();
    bg.fail['entry.add'] = () => new ProtocolError({ code: 'invalid', message: 'prefix is too long' });
    renderPage(bg);
    const dialog = within(await openAdd());
    type('Key name', 'Kept');
    type('API key', SECRET_A);
    dialog.getByRole('button', { name: 'Add to vault' }).click();
    expect((await dialog.findByRole('alert')).textContent).toBe(
      'The key was not added. Something went wrong: prefix is too long',
    );
    expect(input('Key name').value).toBe('Kept');
    expect(input('API key').value === SECRET_A).toBe(true);
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('Esc or Cancel closes the dialog without adding', async () => {
    const bg = fakeBackground();
    renderPage(bg);
    await openAdd();
    type('Key name', 'Draft');
    fireEvent.keyDown(input('Key name'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add key' })));
    expect(bg.calls('entry.add')).toEqual([]);
  });
});

describe('options page: edit a key', () => {
  const alpha = entry({
    id: 'a1',
    name: 'Alpha',
    notes: 'old note',
    prefix: 'dbk_live_AAAA',
    expiresAt: new Date(2026, 0, 31).getTime(),
  });

  it('edits name, notes, environment, expiry and rotation without fetching the secret', async () => {
    const bg = fakeBackground({ entries: [alpha] });
    renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Alpha' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Edit “Alpha”' }));
    expect(input('Key name').value).toBe('Alpha');
    expect(input('Expiry date').value).toBe('2026-01-31');
    expect(input('Rotate after (days)').value).toBe('');
    expect(dialog.queryByLabelText('API key')).toBeNull();

    type('Key name', 'Alpha (billing)');
    fireEvent.input(screen.getByLabelText('Notes'), { target: { value: 'new note' } });
    fireEvent.change(screen.getByLabelText('Environment'), { target: { value: 'other' } });
    type('Expiry date', '');
    type('Rotate after (days)', '45');
    dialog.getByRole('button', { name: 'Save' }).click();

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(bg.calls('entry.update')).toEqual([
      {
        id: 'a1',
        patch: {
          name: 'Alpha (billing)',
          notes: 'new note',
          environment: 'other',
          expiresAt: null,
          rotateAfterDays: 45,
        },
      },
    ]);
    expect(bg.calls('entry.get')).toEqual([]);
    expect(within(row('Alpha (billing)')).getByText('Other')).toBeTruthy();
  });

  it('reveals the secret only on request, and hides it again', async () => {
    const bg = fakeBackground({ entries: [alpha] });
    renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Alpha' }));
    const dialog = within(screen.getByRole('dialog'));
    fireEvent.click(dialog.getByRole('button', { name: 'Reveal key' }));
    await waitFor(() => expect(bg.calls('entry.get')).toEqual([{ id: 'a1' }]));
    const shown = (await dialog.findByLabelText('API key')) as HTMLInputElement;
    expect(shown.readOnly).toBe(true);
    expect(shown.value === SECRET_A).toBe(true);
    fireEvent.click(dialog.getByRole('button', { name: 'Hide revealed key' }));
    expect(dialog.queryByLabelText('API key')).toBeNull();
  });

  it('refuses a bad rotation age inline and sends nothing', async () => {
    const bg = fakeBackground({ entries: [alpha] });
    renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Alpha' }));
    type('Key name', '   ');
    type('Rotate after (days)', '0');
    within(screen.getByRole('dialog')).getByRole('button', { name: 'Save' }).click();
    expect(await screen.findByText('Enter a name for the key.')).toBeTruthy();
    expect(screen.getByText('Enter a whole number of days from 1 to 3650, or leave it empty.')).toBeTruthy();
    expect(input('Rotate after (days)').value).toBe('0');
    expect(bg.calls('entry.update')).toEqual([]);
  });
});

describe('options page: delete a key', () => {
  const list = () => [entry({ id: 'a1', name: 'Alpha' }), entry({ id: 'b2', name: 'Beta' })];

  it('asks first, naming the key; Esc cancels and focus returns to the button', async () => {
    const bg = fakeBackground({ entries: list() });
    renderPage(bg);
    const button = await screen.findByRole('button', { name: 'Delete Beta' });
    button.focus();
    fireEvent.click(button);
    const dialog = screen.getByRole('alertdialog', { name: 'Delete key?' });
    expect(within(dialog).getByText('Delete “Beta” from the vault?')).toBeTruthy();
    // The safe choice has the focus.
    await waitFor(() =>
      expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' })),
    );
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete Beta' })),
    );
    expect(bg.calls('entry.remove')).toEqual([]);
    expect(row('Beta')).toBeTruthy();
  });

  it('deletes on confirmation: the entry disappears and the vault is asked to remove it', async () => {
    const bg = fakeBackground({ entries: list() });
    renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Beta' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete key' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(bg.calls('entry.remove')).toEqual([{ id: 'b2' }]);
    expect(within(keysTable()).queryByRole('rowheader', { name: 'Beta' })).toBeNull();
    expect(row('Alpha')).toBeTruthy();
    expect(screen.getByText('Deleted “Beta”.')).toBeTruthy();
    // The button that opened the dialog is gone: focus lands on the section heading, not on <body>.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Keys' })));
  });

  it('keeps the entry and says why when the delete fails', async () => {
    const bg = fakeBackground({ entries: list() });
    bg.fail['entry.remove'] = () =>
      new ProtocolError({ code: 'corrupt', message: 'Vault data could not be decrypted' });
    renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Alpha' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete key' }));
    expect((await within(screen.getByRole('alertdialog')).findByRole('alert')).textContent).toContain(
      'The key was not deleted.',
    );
    expect(row('Alpha')).toBeTruthy();
  });
});

describe('options page: settings', () => {
  it('offers the listed choices and saves them with settings.set', async () => {
    const bg = fakeBackground();
    renderPage(bg);
    const autoLock = (await screen.findByLabelText('Lock after inactivity')) as HTMLSelectElement;
    expect([...autoLock.options].map((o) => o.value)).toEqual(['1', '5', '15', '30', '60', '240', '0']);
    expect(autoLock.value).toBe('15');
    expect(autoLock.options[6]?.textContent).toBe('On browser restart only');
    const clipboard = screen.getByLabelText(
      'Clear copied keys from the clipboard after',
    ) as HTMLSelectElement;
    expect([...clipboard.options].map((o) => o.value)).toEqual(['0', '10', '20', '30', '60', '120']);
    expect(clipboard.options[0]?.textContent).toBe('Never (off)');
    expect(input('Rotate keys after (days)').value).toBe('90');
    expect(input('Remind me before (days)').value).toBe('14');

    fireEvent.change(autoLock, { target: { value: '0' } });
    fireEvent.change(clipboard, { target: { value: '120' } });
    type('Rotate keys after (days)', '60');
    type('Remind me before (days)', '7');
    expect(input('Repeat an alert about the same key after (minutes)').value).toBe('60');
    type('Repeat an alert about the same key after (minutes)', '30');
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Settings saved.')).toBeTruthy();
    expect(bg.calls('settings.set')).toEqual([
      {
        patch: {
          autoLockMinutes: 0,
          clipboardClearSeconds: 120,
          rotationDays: 60,
          reminderLeadDays: 7,
          anomalyRepeatMinutes: 30,
        },
      },
    ]);
  });

  it('refuses out-of-range numbers inline, and reports a failed save', async () => {
    const bg = fakeBackground();
    renderPage(bg);
    await screen.findByLabelText('Rotate keys after (days)');
    type('Rotate keys after (days)', '0');
    type('Remind me before (days)', '1000');
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Enter a whole number from 1 to 3650.')).toBeTruthy();
    expect(screen.getByText('Enter a whole number from 0 to 365.')).toBeTruthy();
    expect(bg.calls('settings.set')).toEqual([]);
    expect(input('Rotate keys after (days)').value).toBe('0');

    type('Rotate keys after (days)', '90');
    type('Remind me before (days)', '14');
    bg.fail['settings.set'] = () => new ProtocolError({ code: 'internal', message: 'storage full' });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The settings were not saved. Something went wrong: storage full',
    );
    expect(screen.queryByText('Settings saved.')).toBeNull();
  });
});

describe('options page: DocBits hosts', () => {
  it('reads a bare host name: lower case, international names in ASCII, IPv4 allowed', () => {
    expect(parseHost(' DocBits.ACME.example. ')).toEqual({ host: 'docbits.acme.example' });
    expect(parseHost('dócbits.example')).toEqual({ host: 'xn--dcbits-bxa.example' });
    expect(parseHost('10.20.30.40')).toEqual({ host: '10.20.30.40' });
    expect(parseHost('docbits')).toEqual({ host: 'docbits' });
    for (const bad of [
      'http://x.example',
      'x.example/path',
      'x.example:443',
      'user@x.example',
      '*.example',
    ]) {
      expect(parseHost(bad), bad).toEqual({ error: 'not-bare' });
    }
    expect(parseHost('under_score.example')).toEqual({ error: 'invalid' });
    expect(parseHost('999.1.1.1')).toEqual({ error: 'invalid' });
  });

  it('asks for the host permission inside the click, then saves the host', async () => {
    const bg = fakeBackground();
    const perms = renderPage(bg);
    expect(await screen.findByText('app.docbits.com')).toBeTruthy();
    type('On-premise host name', '  DocBits.Example.TEST ');
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    // Synchronously: the browser only shows its prompt during the user's gesture.
    expect(perms.permissions.request).toHaveBeenCalledWith({ origins: ['https://docbits.example.test/*'] });
    expect(bg.calls('settings.set')).toEqual([]);
    expect(await screen.findByText(/KeyGuard now works on docbits.example.test/)).toBeTruthy();
    expect(bg.calls('settings.set')).toEqual([
      { patch: { docbitsHosts: ['app.docbits.com', 'docbits.example.test'] } },
    ]);
    expect(screen.getByRole('button', { name: 'Remove docbits.example.test' })).toBeTruthy();
    expect(input('On-premise host name').value).toBe('');
    // The new host is offered for keys added by hand.
    fireEvent.click(screen.getByRole('button', { name: 'Add key' }));
    const hostSelect = screen.getByLabelText('DocBits host') as HTMLSelectElement;
    expect([...hostSelect.options].map((o) => o.value)).toEqual(['app.docbits.com', 'docbits.example.test']);
  });

  it('does not save a host whose permission was denied', async () => {
    const bg = fakeBackground();
    const perms = fakePermissions(bg.log);
    perms.answer.request = false;
    renderPage(bg, perms);
    await screen.findByLabelText('On-premise host name');
    type('On-premise host name', 'docbits.example.test');
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Access to docbits.example.test was not allowed, so it was not added.',
    );
    expect(bg.calls('settings.set')).toEqual([]);
    expect(input('On-premise host name').value).toBe('docbits.example.test');
  });

  it.each([
    ['', 'Enter a host name.'],
    ['https://docbits.example.test/', 'Enter only the host name, without https://, a port, a path or *.'],
    ['docbits.example.test:8443', 'Enter only the host name, without https://, a port, a path or *.'],
    ['*.example.test', 'Enter only the host name, without https://, a port, a path or *.'],
    ['-bad-.example', 'This is not a valid host name.'],
    ['app.docbits.com', 'app.docbits.com is already in the list.'],
  ])('refuses %j without asking for a permission', async (typed, message) => {
    const bg = fakeBackground();
    const perms = renderPage(bg);
    await screen.findByText('app.docbits.com');
    type('On-premise host name', typed);
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    expect(await screen.findByText(message)).toBeTruthy();
    expect(input('On-premise host name').getAttribute('aria-invalid')).toBe('true');
    expect(input('On-premise host name').value).toBe(typed);
    expect(perms.permissions.request).not.toHaveBeenCalled();
    expect(bg.calls('settings.set')).toEqual([]);
  });

  it('gives the permission back when the host cannot be saved', async () => {
    const bg = fakeBackground();
    bg.fail['settings.set'] = () =>
      new ProtocolError({ code: 'bad-request', message: 'docbitsHosts: too many' });
    const perms = renderPage(bg);
    await screen.findByLabelText('On-premise host name');
    type('On-premise host name', 'docbits.example.test');
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    expect((await screen.findByRole('alert')).textContent).toContain('docbits.example.test was not added.');
    expect(perms.permissions.remove).toHaveBeenCalledWith({ origins: ['https://docbits.example.test/*'] });
  });

  it('removes a host: settings.set without it first, then permissions.remove', async () => {
    const bg = fakeBackground({
      settings: { docbitsHosts: ['app.docbits.com', 'a.example.test', 'b.example.test'] },
    });
    const perms = fakePermissions(bg.log, new Set(['https://a.example.test/*', 'https://b.example.test/*']));
    renderPage(bg, perms);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove a.example.test' }));
    expect(
      await screen.findByText('Removed a.example.test; KeyGuard no longer has access to it.'),
    ).toBeTruthy();
    const order = bg.log
      .filter((c) => c.type === 'settings.set' || c.type === 'permissions.remove')
      .map((c) => [c.type, c.payload]);
    expect(order).toEqual([
      ['settings.set', { patch: { docbitsHosts: ['app.docbits.com', 'b.example.test'] } }],
      ['permissions.remove', ['https://a.example.test/*']],
    ]);
    expect(screen.queryByRole('button', { name: 'Remove a.example.test' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Remove b.example.test' })).toBeTruthy();
    // app.docbits.com is built in: it has no remove button.
    expect(screen.queryByRole('button', { name: 'Remove app.docbits.com' })).toBeNull();
  });

  it('keeps the host and its permission when saving the list fails', async () => {
    const bg = fakeBackground({ settings: { docbitsHosts: ['app.docbits.com', 'a.example.test'] } });
    const perms = fakePermissions(bg.log, new Set(['https://a.example.test/*']));
    bg.fail['settings.set'] = () => new ProtocolError({ code: 'internal', message: 'storage full' });
    renderPage(bg, perms);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove a.example.test' }));
    expect((await screen.findByRole('alert')).textContent).toContain('a.example.test was not removed.');
    expect(perms.permissions.remove).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Remove a.example.test' })).toBeTruthy();
  });

  it('shows a host whose access was taken back, and asks again on request', async () => {
    const bg = fakeBackground({ settings: { docbitsHosts: ['app.docbits.com', 'a.example.test'] } });
    const perms = renderPage(bg);
    fireEvent.click(await screen.findByRole('button', { name: 'Allow KeyGuard on a.example.test' }));
    expect(perms.permissions.request).toHaveBeenCalledWith({ origins: ['https://a.example.test/*'] });
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Allow KeyGuard on a.example.test' })).toBeNull(),
    );
  });
});

describe('options page: change master password', () => {
  const fill = (current: string, next: string, confirm = next) => {
    fireEvent.input(screen.getByLabelText('Current master password'), { target: { value: current } });
    fireEvent.input(screen.getByLabelText('New master password'), { target: { value: next } });
    fireEvent.input(screen.getByLabelText('Confirm new master password'), { target: { value: confirm } });
    fireEvent.click(screen.getByRole('button', { name: 'Change master password' }));
  };
  const STRONG = 'violet-tundra-compass-41-harbor';

  it('checks the new password before sending: too short, mismatch, same as the current one', async () => {
    const bg = fakeBackground();
    renderPage(bg);
    await screen.findByLabelText('Current master password');
    fill('old password 1', 'short');
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getAllByText('The master password needs at least 8 characters.').length).toBeGreaterThan(0);
    fill('old password 1', STRONG, `${STRONG}x`);
    expect((await screen.findByRole('alert')).textContent).toBe('The two passwords do not match.');
    fill(STRONG, STRONG);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The new master password is the same as the current one.',
    );
    expect(bg.calls('vault.changePassword')).toEqual([]);
  });

  it('warns about a weak new password', async () => {
    renderPage(fakeBackground());
    fireEvent.input(await screen.findByLabelText('New master password'), {
      target: { value: 'password123' },
    });
    expect(screen.getByText(/This password is weak/)).toBeTruthy();
  });

  it('says when the current password is wrong, keeping what was typed', async () => {
    const bg = fakeBackground();
    bg.fail['vault.changePassword'] = () =>
      new ProtocolError({ code: 'bad-password', message: 'Wrong password' });
    renderPage(bg);
    await screen.findByLabelText('Current master password');
    fill('not it at all', STRONG);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The current master password is wrong. Nothing was changed.',
    );
    expect(input('Current master password').getAttribute('aria-invalid')).toBe('true');
    expect(input('New master password').value).toBe(STRONG);
  });

  it('shows the back-off after too many wrong passwords and blocks the button meanwhile', async () => {
    const bg = fakeBackground();
    bg.fail['vault.changePassword'] = () =>
      new ProtocolError({ code: 'backoff', message: 'Too many wrong passwords', retryAfterMs: 8000 });
    renderPage(bg);
    await screen.findByLabelText('Current master password');
    fill('not it at all', STRONG);
    expect(await screen.findByText('Too many failed attempts. Try again in 8 s.')).toBeTruthy();
    expect(
      (screen.getByRole('button', { name: 'Change master password' }) as HTMLButtonElement).disabled,
    ).toBe(true);
  });

  it('shows progress while deriving, then confirms and clears the fields', async () => {
    const bg = fakeBackground();
    let release = () => {};
    renderPage(bg);
    await screen.findByLabelText('Current master password');
    bg.holdUntil(
      new Promise<void>((r) => {
        release = r;
      }),
    );
    fill('the old one 123', STRONG);
    expect(await screen.findByText(/Checking the current password/)).toBeTruthy();
    release();
    expect(await screen.findByText('Master password changed. Use the new one from now on.')).toBeTruthy();
    expect(bg.calls('vault.changePassword')).toEqual([
      { oldPassword: 'the old one 123', newPassword: STRONG },
    ]);
    expect(input('Current master password').value).toBe('');
    expect(input('New master password').value).toBe('');
  });
});

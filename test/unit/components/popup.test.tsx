// @vitest-environment happy-dom
/**
 * The popup, by state, with a fake `send`: create / unlock / the key list (badges, order, search, keyboard,
 * copy, open, lock) and its windowing with 1,000 entries.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { askForPopup, type CachedList, Popup } from '../../../components/popup/Popup';
import { setMessageSource, sourceFromJson } from '../../../lib/i18n';
import type { MessageType, PayloadOf, ReplyOf, VaultStatus } from '../../../lib/messages';
import { policyOf } from '../../../lib/rotation/schedule';
import { ProtocolError } from '../../../lib/send';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/settings';
import type { EntrySummary } from '../../../lib/vault/model';
import en from '../../../public/_locales/en/messages.json';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1, 12);
const SETTINGS: Settings = { ...DEFAULT_SETTINGS, rotationDays: 90, reminderLeadDays: 14 };
/** What the list cache keeps of the settings. */
const POLICY = policyOf(SETTINGS);

beforeAll(() => {
  setMessageSource(sourceFromJson(en));
});
afterEach(() => {
  cleanup();
});

function entry(over: Partial<EntrySummary> & Pick<EntrySummary, 'id' | 'name'>): EntrySummary {
  return {
    notes: '',
    host: 'app.docbits.com',
    orgId: null,
    environment: 'production',
    prefix: '',
    createdAt: NOW - DAY,
    expiresAt: null,
    rotateAfterDays: null,
    state: 'active',
    source: 'manual',
    successorId: null,
    predecessorId: null,
    ...over,
  };
}

/** In the order `entry.list` gives them (by folded name); the popup only moves retired ones last. */
const ENTRIES: EntrySummary[] = [
  entry({ id: 'a1', name: 'Archive', orgId: 'Initech', prefix: 'dbk_Ab12', environment: 'sandbox' }),
  entry({ id: 'b2', name: 'Billing', state: 'retired', prefix: 'dbk_Old9' }),
  entry({ id: 'c3', name: 'CRM sync', createdAt: NOW - 80 * DAY, host: 'docbits.acme.example' }),
  entry({ id: 'd4', name: 'Data lake', createdAt: NOW - 95 * DAY, expiresAt: NOW + 3 * DAY }),
  entry({ id: 'e5', name: 'ERP export', createdAt: NOW - 200 * DAY, expiresAt: NOW - DAY }),
  entry({ id: 'z6', name: 'Zürich Rückversicherung', orgId: 'Société Générale', environment: 'other' }),
];

type Handler = { [T in MessageType]?: (payload: PayloadOf<T>) => ReplyOf<T> | Promise<ReplyOf<T>> };

/** A fake background: answers from `handlers`, records every call, refuses what it does not know. */
function fakeSend(handlers: Handler, initial: Partial<VaultStatus> = {}) {
  let status: VaultStatus = { exists: true, unlocked: true, retryAfterMs: 0, ...initial } as VaultStatus;
  const calls: Array<{ type: MessageType; payload: unknown }> = [];
  const all: Handler = {
    'vault.status': () => status,
    'vault.lock': () => {
      status = { ...status, unlocked: false };
      return status;
    },
    'vault.unlock': () => {
      status = { ...status, unlocked: true };
      return status;
    },
    'entry.list': () => {
      if (!status.unlocked) throw new ProtocolError({ code: 'locked', message: 'The vault is locked' });
      return ENTRIES;
    },
    'settings.get': () => SETTINGS,
    'entry.copy': () => ({ clearAfterSeconds: 10 }),
    ...handlers,
  };
  const send = vi.fn(async (type: MessageType, payload: unknown) => {
    calls.push({ type, payload });
    const h = all[type] as ((p: unknown) => unknown) | undefined;
    if (!h) throw new ProtocolError({ code: 'unknown-type', message: type });
    return h(payload);
  });
  return {
    send: send as unknown as Parameters<typeof Popup>[0]['send'],
    calls,
    of: (type: MessageType) => calls.filter((c) => c.type === type).map((c) => c.payload),
    setStatus: (s: Partial<VaultStatus>) => {
      status = { ...status, ...s };
    },
  };
}

async function openList(handlers: Handler = {}, props: Partial<Parameters<typeof Popup>[0]> = {}) {
  const bg = fakeSend(handlers);
  const openTab = vi.fn();
  const onListReady = vi.fn();
  render(<Popup send={bg.send} openTab={openTab} onListReady={onListReady} now={() => NOW} {...props} />);
  await screen.findByRole('button', { name: 'Copy Archive' });
  const search = screen.getByRole('searchbox', { name: 'Search keys' }) as HTMLInputElement;
  return { bg, openTab, onListReady, search };
}

const rows = () => screen.getAllByRole('listitem');
const rowNames = () => rows().map((r) => r.querySelector('.key-name')?.textContent);
const selectedRow = () => rows().find((r) => r.getAttribute('aria-current') === 'true');
const rowOf = (name: string) => {
  const row = rows().find((r) => r.querySelector('.key-name')?.textContent === name);
  if (!row) throw new Error(`no row ${name}`);
  return row;
};
const badges = (name: string) => [...rowOf(name).querySelectorAll('.badge')].map((b) => b.textContent);

describe('popup states', () => {
  it('offers to create a vault when there is none', async () => {
    const bg = fakeSend({}, { exists: false, unlocked: false });
    render(<Popup send={bg.send} />);
    expect(await screen.findByRole('button', { name: 'Create vault' })).toBeTruthy();
    expect(screen.getByLabelText('Master password')).toBeTruthy();
    expect(screen.getByLabelText('Confirm master password')).toBeTruthy();
  });

  it('shows the unlock form when locked, then the list once unlocked', async () => {
    const bg = fakeSend({}, { unlocked: false });
    render(<Popup send={bg.send} now={() => NOW} />);
    const field = await screen.findByLabelText('Master password');
    fireEvent.input(field, { target: { value: 'correct horse battery' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('button', { name: 'Copy Archive' })).toBeTruthy();
    expect(bg.of('vault.unlock')).toEqual([{ password: 'correct horse battery' }]);
  });

  it('keeps counting the back-off down after failed unlocks', async () => {
    const bg = fakeSend(
      {
        'vault.unlock': () => {
          throw new ProtocolError({ code: 'backoff', message: 'wait', retryAfterMs: 8000 });
        },
      },
      { unlocked: false },
    );
    render(<Popup send={bg.send} />);
    fireEvent.input(await screen.findByLabelText('Master password'), { target: { value: 'wrong password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByText('Too many failed attempts. Try again in 8 s.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Unlock' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('as the unlock window, hands over once unlocked instead of listing keys', async () => {
    const bg = fakeSend({});
    const onUnlocked = vi.fn();
    render(<Popup send={bg.send} onUnlocked={onUnlocked} />);
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledTimes(1));
    expect(bg.of('entry.list')).toEqual([]);
    expect(screen.queryByRole('searchbox')).toBeNull();
  });

  it('uses the questions the page asked before rendering, and asks afresh after that', async () => {
    const bg = fakeSend({});
    const firstLoad = askForPopup(bg.send, true);
    render(<Popup send={bg.send} firstLoad={firstLoad} now={() => NOW} />);
    await screen.findByRole('button', { name: 'Copy Archive' });
    expect(bg.calls.map((c) => c.type)).toEqual(['vault.status', 'entry.list', 'settings.get']);
    fireEvent.click(screen.getByRole('button', { name: 'Lock' }));
    fireEvent.input(await screen.findByLabelText('Master password'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await screen.findByRole('button', { name: 'Copy Archive' });
    expect(bg.of('entry.list').length).toBe(2);
  });

  it('shows the list from the session cache before the background answers, and keeps it when equal', async () => {
    let releaseStatus: (s: VaultStatus) => void = () => undefined;
    let releaseList: (l: EntrySummary[]) => void = () => undefined;
    const bg = fakeSend({
      'vault.status': () => new Promise<VaultStatus>((r) => (releaseStatus = r)),
      'entry.list': () => new Promise<EntrySummary[]>((r) => (releaseList = r)),
    });
    const onListReady = vi.fn();
    const firstLoad = askForPopup(bg.send, true, async () => ({ entries: ENTRIES, policy: POLICY }));
    render(<Popup send={bg.send} firstLoad={firstLoad} now={() => NOW} onListReady={onListReady} />);
    const copyArchive = await screen.findByRole('button', { name: 'Copy Archive' });
    expect(onListReady).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search keys' }));
    await act(async () => releaseStatus({ exists: true, unlocked: true, retryAfterMs: 0 }));
    await act(async () => releaseList(ENTRIES.map((e) => ({ ...e }))));
    // The same rows, the same elements: nothing flickered.
    expect(screen.getByRole('button', { name: 'Copy Archive' })).toBe(copyArchive);
    expect(onListReady).toHaveBeenCalledTimes(1);
  });

  it('shows the head of a long cached list first (full size), then the rest of it', async () => {
    let releaseStatus: (s: VaultStatus) => void = () => undefined;
    const bg = fakeSend({ 'vault.status': () => new Promise<VaultStatus>((r) => (releaseStatus = r)) });
    const head = ENTRIES.slice(0, 2);
    const firstLoad = askForPopup(bg.send, true, async () => ({
      entries: head,
      policy: POLICY,
      count: ENTRIES.length,
      rest: async () => ({ entries: ENTRIES, policy: POLICY }),
    }));
    render(<Popup send={bg.send} firstLoad={firstLoad} now={() => NOW} />);
    const first = await screen.findByRole('button', { name: 'Copy Archive' });
    expect(first.closest('li')?.getAttribute('aria-setsize')).toBe(String(ENTRIES.length));
    await screen.findByRole('button', { name: 'Copy Zürich Rückversicherung' });
    await act(async () => releaseStatus({ exists: true, unlocked: true, retryAfterMs: 0 }));
    expect(screen.getByRole('button', { name: 'Copy Archive' })).toBe(first);
  });

  it('opened as the page with the cache: the list frame at once, search focused, no placeholder rows; the background asked only after the rows', async () => {
    let releaseCache: (c: CachedList) => void = () => undefined;
    const bg = fakeSend({});
    const onListReady = vi.fn();
    const firstLoad = askForPopup(bg.send, true, () => new Promise((r) => (releaseCache = r)), true);
    render(<Popup send={bg.send} firstLoad={firstLoad} now={() => NOW} onListReady={onListReady} />);
    // The first render, before the cache is read: the key list's frame, its search box focused.
    const search = screen.getByRole('searchbox', { name: 'Search keys' });
    expect(document.activeElement).toBe(search);
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(document.querySelector('.skeleton')).toBeNull();
    expect(onListReady).not.toHaveBeenCalled();
    expect(bg.calls.map((c) => c.type)).toEqual([]);
    await act(async () => releaseCache({ entries: ENTRIES, policy: POLICY }));
    await screen.findByRole('button', { name: 'Copy Archive' });
    expect(onListReady).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('searchbox', { name: 'Search keys' })).toBe(search);
    expect(document.activeElement).toBe(search);
    // Then the background confirms: status, list and settings.
    await waitFor(() =>
      expect(bg.calls.map((c) => c.type).sort()).toEqual(['entry.list', 'settings.get', 'vault.status']),
    );
  });

  it('opened as the page with the cache but there is none (a stale page): "Loading…", then the unlock form', async () => {
    let releaseStatus: (s: VaultStatus) => void = () => undefined;
    const bg = fakeSend({ 'vault.status': () => new Promise<VaultStatus>((r) => (releaseStatus = r)) });
    const firstLoad = askForPopup(bg.send, true, async () => null, true);
    render(<Popup send={bg.send} firstLoad={firstLoad} now={() => NOW} />);
    expect(screen.getByRole('searchbox', { name: 'Search keys' })).toBeTruthy();
    await screen.findByText('Loading…');
    expect(screen.queryByRole('searchbox', { name: 'Search keys' })).toBeNull();
    await act(async () => releaseStatus({ exists: true, unlocked: false, retryAfterMs: 0 }));
    expect(await screen.findByLabelText('Master password')).toBeTruthy();
  });

  it('not opened as the page with the cache: the status is asked at once, "Loading…" until an answer', async () => {
    const bg = fakeSend({ 'vault.status': () => new Promise<VaultStatus>(() => undefined) });
    render(
      <Popup
        send={bg.send}
        firstLoad={askForPopup(bg.send, true, () => new Promise(() => undefined))}
        now={() => NOW}
      />,
    );
    expect(screen.getByText('Loading…')).toBeTruthy();
    expect(bg.calls.map((c) => c.type)).toEqual(['vault.status']);
  });

  it('corrects a cache the background disagrees with', async () => {
    const bg = fakeSend({ 'entry.list': () => ENTRIES.filter((e) => e.id !== 'a1') });
    const cached = { entries: ENTRIES, policy: POLICY };
    render(
      <Popup send={bg.send} firstLoad={askForPopup(bg.send, true, async () => cached)} now={() => NOW} />,
    );
    await screen.findByRole('button', { name: 'Copy Billing' });
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Copy Archive' })).toBeNull());
  });

  it("badges the cached rows with the cache's rotation policy, and again when the background's settings differ", async () => {
    let releaseSettings: (s: Settings) => void = () => undefined;
    const bg = fakeSend({ 'settings.get': () => new Promise<Settings>((r) => (releaseSettings = r)) });
    const cached = { entries: ENTRIES, policy: { rotationDays: 30, reminderLeadDays: 0 } };
    render(
      <Popup send={bg.send} firstLoad={askForPopup(bg.send, true, async () => cached)} now={() => NOW} />,
    );
    await screen.findByRole('button', { name: 'Copy CRM sync' });
    expect(badges('CRM sync')).toEqual(['Rotation overdue']);
    await waitFor(() => expect(bg.calls.map((c) => c.type)).toContain('settings.get'));
    await act(async () => releaseSettings(SETTINGS));
    await waitFor(() => expect(badges('CRM sync')).toEqual(['Rotation due soon']));
  });

  it('shows the unlock form when the background says locked, whatever a cache says', async () => {
    const bg = fakeSend({}, { unlocked: false });
    const cached = { entries: ENTRIES, policy: POLICY };
    render(
      <Popup send={bg.send} firstLoad={askForPopup(bg.send, true, async () => cached)} now={() => NOW} />,
    );
    expect(await screen.findByLabelText('Master password')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Copy Archive' })).toBeNull();
  });

  it('reports a failed first question instead of hanging on "Loading…"', async () => {
    const bg = fakeSend({
      'vault.status': () => {
        throw new ProtocolError({ code: 'internal', message: 'Vault storage unavailable' });
      },
    });
    render(<Popup send={bg.send} firstLoad={askForPopup(bg.send, true)} />);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Something went wrong: Vault storage unavailable',
    );
  });

  it('reserves the list box while loading (skeleton), so nothing moves when the keys arrive', async () => {
    let release: (list: EntrySummary[]) => void = () => undefined;
    const bg = fakeSend({ 'entry.list': () => new Promise<EntrySummary[]>((r) => (release = r)) });
    const { container } = render(<Popup send={bg.send} now={() => NOW} />);
    const search = await screen.findByRole('searchbox', { name: 'Search keys' });
    const box = container.querySelector('.key-scroll');
    expect(box?.querySelector('.skeleton')).toBeTruthy();
    expect(container.querySelector('.keys')?.getAttribute('aria-busy')).toBe('true');
    expect(document.activeElement).toBe(search);
    await act(async () => release(ENTRIES));
    await screen.findByRole('button', { name: 'Copy Archive' });
    expect(container.querySelector('.key-scroll')).toBe(box);
    expect(container.querySelector('.keys')?.getAttribute('aria-busy')).toBe('false');
  });

  it('says so when the vault holds no key', async () => {
    const bg = fakeSend({ 'entry.list': () => [] });
    render(<Popup send={bg.send} />);
    expect(await screen.findByText(/^No keys yet\./)).toBeTruthy();
  });
});

describe('popup list', () => {
  it('lists active keys in the vault’s order, then retired ones', async () => {
    await openList();
    expect(rowNames()).toEqual([
      'Archive',
      'CRM sync',
      'Data lake',
      'ERP export',
      'Zürich Rückversicherung',
      'Billing',
    ]);
    expect(rowOf('Billing').classList.contains('retired')).toBe(true);
  });

  it('shows organisation/host, environment and the prefix as DocBits shows it', async () => {
    await openList();
    expect(rowOf('Archive').querySelector('.key-meta')?.textContent).toBe(
      'Initech · app.docbits.com · Sandbox',
    );
    expect(rowOf('Archive').querySelector('.key-prefix')?.textContent).toBe('dbk_Ab12…');
    expect(rowOf('CRM sync').querySelector('.key-prefix')).toBeNull();
    expect(rowOf('CRM sync').querySelector('.key-meta')?.textContent).toBe(
      'docbits.acme.example · Production',
    );
    expect(rowOf('Zürich Rückversicherung').querySelector('.key-meta')?.textContent).toBe(
      'Société Générale · app.docbits.com · Other',
    );
  });

  it('badges rotation and expiry with the settings’ policy, and retired keys', async () => {
    await openList();
    expect(badges('Archive')).toEqual([]);
    expect(badges('CRM sync')).toEqual(['Rotation due soon']);
    expect(badges('Data lake')).toEqual(['Expires soon', 'Rotation due']);
    expect(badges('ERP export')).toEqual(['Expired', 'Rotation overdue']);
    expect(badges('Billing')).toEqual(['Retired']);
  });

  it('uses the rotation age and lead time from settings.get', async () => {
    await openList({ 'settings.get': () => ({ ...SETTINGS, rotationDays: 30, reminderLeadDays: 0 }) });
    expect(badges('Archive')).toEqual([]);
    expect(badges('CRM sync')).toEqual(['Rotation overdue']);
  });

  it('shows how many keys there are and how many match', async () => {
    const { search } = await openList();
    expect(await screen.findByText('Unlocked. Keys in the vault: 6.')).toBeTruthy();
    fireEvent.input(search, { target: { value: 'a' } });
    expect(screen.getByText(/^\d of 6 keys$/)).toBeTruthy();
  });

  it('tells the bench when the list is ready, once, with the search box focused', async () => {
    const { onListReady, search } = await openList();
    expect(onListReady).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(search);
  });
});

describe('popup search', () => {
  const type = (search: HTMLInputElement, value: string) => fireEvent.input(search, { target: { value } });

  it.each([
    ['name', 'crm', ['CRM sync']],
    ['organisation', 'INITECH', ['Archive']],
    ['host', 'docbits.acme', ['CRM sync']],
    ['prefix', 'dbk_ab', ['Archive']],
    ['retired prefix', 'OLD9', ['Billing']],
    ['name without diacritics', 'zurich ruck', ['Zürich Rückversicherung']],
    ['organisation without diacritics', 'societe generale', ['Zürich Rückversicherung']],
    ['diacritics in the query', 'ZÜRICH', ['Zürich Rückversicherung']],
    ['several words', 'export erp', ['ERP export']],
  ])('matches by %s', async (_what, query, expected) => {
    const { search } = await openList();
    type(search, query);
    expect(rowNames()).toEqual(expected);
  });

  it('says when nothing matches, and lists everything again when cleared', async () => {
    const { search } = await openList();
    type(search, 'nothing like this');
    expect(screen.queryAllByRole('listitem')).toEqual([]);
    expect(screen.getByText('No key matches the search.')).toBeTruthy();
    type(search, '');
    expect(rows().length).toBe(6);
  });
});

describe('popup keyboard', () => {
  const key = (el: Element, k: string) => fireEvent.keyDown(el, { key: k });

  it('moves the selection with the arrows and points the search box at it', async () => {
    const { search } = await openList();
    expect(selectedRow()?.textContent).toContain('Archive');
    const active = () => document.getElementById(search.getAttribute('aria-activedescendant') ?? '');
    expect(active()).toBe(selectedRow());
    key(search, 'ArrowDown');
    key(search, 'ArrowDown');
    expect(selectedRow()?.textContent).toContain('Data lake');
    expect(active()).toBe(selectedRow());
    key(search, 'ArrowUp');
    expect(selectedRow()?.textContent).toContain('CRM sync');
    key(search, 'ArrowUp');
    key(search, 'ArrowUp');
    expect(selectedRow()?.textContent).toContain('Archive');
    expect(search.getAttribute('aria-controls')).toBe(
      screen.getByRole('list', { name: 'Keys in the vault' }).id,
    );
    expect(document.activeElement).toBe(search);
  });

  it('keeps only the selected row’s buttons in the tab order', async () => {
    const { search } = await openList();
    key(search, 'ArrowDown');
    const tabbable = [...document.querySelectorAll('.key-actions [tabindex="0"]')];
    const row = within(rowOf('CRM sync'));
    expect(tabbable).toEqual([
      row.getByRole('button', { name: 'Copy CRM sync' }),
      row.getByRole('button', { name: 'Rotate CRM sync' }),
      row.getByRole('link', { name: 'Open DocBits API keys' }),
    ]);
  });

  it('copies the selected entry with Enter', async () => {
    const { bg, search } = await openList();
    key(search, 'ArrowDown');
    key(search, 'Enter');
    await screen.findByText('Copied. The clipboard clears in 10 s.');
    expect(bg.of('entry.copy')).toEqual([{ id: 'c3' }]);
  });

  it('copies the first match with Enter after typing', async () => {
    const { bg, search } = await openList();
    fireEvent.input(search, { target: { value: 'zur' } });
    key(search, 'Enter');
    await waitFor(() => expect(bg.of('entry.copy')).toEqual([{ id: 'z6' }]));
  });

  it('clears the search with Esc, and leaves Esc alone when the search is empty', async () => {
    const { search } = await openList();
    fireEvent.input(search, { target: { value: 'crm' } });
    expect(rows().length).toBe(1);
    const cleared = fireEvent.keyDown(search, { key: 'Escape' });
    expect(cleared).toBe(false); // default prevented: the popup must not close
    expect(search.value).toBe('');
    expect(rows().length).toBe(6);
    const passed = fireEvent.keyDown(search, { key: 'Escape' });
    expect(passed).toBe(true);
  });

  it('moves the focus along the rows’ buttons with the arrows, and Esc returns to the search', async () => {
    const { search } = await openList();
    fireEvent.input(search, { target: { value: 'a' } });
    const copy = within(selectedRow() as HTMLElement).getByRole('button', { name: /^Copy / });
    copy.focus();
    key(copy, 'ArrowDown');
    const next = selectedRow() as HTMLElement;
    expect(document.activeElement).toBe(within(next).getByRole('button', { name: /^Copy / }));
    key(document.activeElement as Element, 'Escape');
    expect(search.value).toBe('');
    expect(document.activeElement).toBe(search);
  });
});

describe('popup actions', () => {
  it('copies through entry.copy with the entry’s id and announces the clear time', async () => {
    const { bg } = await openList();
    fireEvent.click(screen.getByRole('button', { name: 'Copy Data lake' }));
    const status = await screen.findByText('Copied. The clipboard clears in 10 s.');
    expect(status.getAttribute('role')).toBe('status');
    expect(bg.of('entry.copy')).toEqual([{ id: 'd4' }]);
    expect(selectedRow()?.textContent).toContain('Data lake');
  });

  it('says just "Copied." when the clipboard is never cleared', async () => {
    await openList({ 'entry.copy': () => ({ clearAfterSeconds: 0 }) });
    fireEvent.click(screen.getByRole('button', { name: 'Copy Archive' }));
    expect(await screen.findByText('Copied.')).toBeTruthy();
  });

  it('shows an error when copying fails', async () => {
    const { bg } = await openList({
      'entry.copy': () => {
        throw new ProtocolError({ code: 'internal', message: 'offscreen failed' });
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Copy Archive' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Something went wrong: offscreen failed');
    expect(bg.of('entry.copy')).toEqual([{ id: 'a1' }]);
  });

  it('shows the unlock form when the vault was locked meanwhile (auto-lock)', async () => {
    const lockNow: { fn: () => void } = { fn: () => undefined };
    const { bg } = await openList({
      'entry.copy': () => {
        lockNow.fn();
        throw new ProtocolError({ code: 'locked', message: 'The vault is locked' });
      },
    });
    lockNow.fn = () => bg.setStatus({ unlocked: false });
    fireEvent.click(screen.getByRole('button', { name: 'Copy Archive' }));
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('opens the entry’s DocBits API-key page in a new tab', async () => {
    const { openTab } = await openList();
    const row = rowOf('CRM sync');
    const link = within(row).getByRole('link', { name: 'Open DocBits API keys' });
    expect(link.getAttribute('href')).toBe('https://docbits.acme.example/settings/integration');
    const notPrevented = fireEvent.click(link);
    expect(notPrevented).toBe(false);
    expect(openTab).toHaveBeenCalledWith('https://docbits.acme.example/settings/integration');
  });

  it('locks: vault.lock, then the unlock form', async () => {
    const { bg } = await openList();
    fireEvent.click(screen.getByRole('button', { name: 'Lock' }));
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
    expect(bg.of('vault.lock')).toEqual([{}]);
    expect(screen.queryByRole('list')).toBeNull();
  });
});

describe('popup with 1,000 entries', () => {
  const many = Array.from({ length: 1000 }, (_, i) =>
    entry({ id: `k${i}`, name: `Key ${String(i).padStart(4, '0')}`, prefix: `dbk_${i}` }),
  );

  it('renders a window of items, tells the full size, and keeps the selection rendered', async () => {
    const bg = fakeSend({ 'entry.list': () => many });
    render(<Popup send={bg.send} now={() => NOW} />);
    await screen.findByRole('button', { name: 'Copy Key 0000' });
    expect(rows().length).toBeLessThan(40);
    expect(rows()[0]?.getAttribute('aria-posinset')).toBe('1');
    expect(rows()[0]?.getAttribute('aria-setsize')).toBe('1000');
    const search = screen.getByRole('searchbox', { name: 'Search keys' });
    for (let i = 0; i < 60; i++) fireEvent.keyDown(search, { key: 'PageDown' });
    expect(selectedRow()?.getAttribute('aria-posinset')).toBe('301');
    expect(document.getElementById(search.getAttribute('aria-activedescendant') ?? '')).toBeTruthy();
    expect(rows().length).toBeLessThan(40);
    fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(bg.of('entry.copy')).toEqual([{ id: 'k300' }]));
    fireEvent.input(search, { target: { value: 'dbk_999' } });
    expect(rowNames()).toEqual(['Key 0999']);
  });
});

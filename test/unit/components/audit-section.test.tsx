// @vitest-environment happy-dom
/**
 * The audit viewer and the guard/alerts section with a fake background: filters go to audit.list, Verify
 * shows OK or the first broken link, exports are CSV (formula-safe) and JSON; the guard toggle asks for
 * the all-sites permission before saving, and gives it back when turned off.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Send } from '../../../components/api';
import { AuditSection, auditCsv } from '../../../components/options/AuditSection';
import { GuardSection } from '../../../components/options/GuardSection';
import { GUARD_ORIGINS } from '../../../lib/guard/fingerprint';
import { setMessageSource, sourceFromJson } from '../../../lib/i18n';
import type { AuditEvent, AuditVerifyReport } from '../../../lib/messages';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/settings';
import en from '../../../public/_locales/en/messages.json';

beforeAll(() => setMessageSource(sourceFromJson(en)));
afterEach(cleanup);

const AT = Date.UTC(2026, 10, 27, 10);
const EVENTS: AuditEvent[] = [
  { seq: 2, at: AT + 1000, type: 'entry.copied', entryId: 'e1', origin: 'popup', host: 'app.docbits.com' },
  { seq: 1, at: AT, type: 'vault.unlockFailed', origin: 'popup', detail: '=cmd|calc', late: true },
];

describe('audit viewer', () => {
  it('lists, filters, verifies and exports', async () => {
    const calls: Array<[string, unknown]> = [];
    let report: AuditVerifyReport = {
      ok: true,
      records: 2,
      checked: 2,
      broken: null,
      checkpoint: null,
      pending: 0,
      full: false,
    };
    const send = (async (type: string, payload: unknown) => {
      calls.push([type, payload]);
      if (type === 'audit.list') {
        const f = (payload as { filter: { type?: string } }).filter;
        return EVENTS.filter((e) => !f.type || e.type === f.type);
      }
      if (type === 'audit.verify') return report;
      throw new Error(type);
    }) as Send;
    const saved: Array<[string, string]> = [];
    render(
      <AuditSection
        send={send}
        entries={[{ id: 'e1', name: 'ERP connector' } as never]}
        save={(n, t) => saved.push([n, t])}
        locale="en"
        now={() => AT}
      />,
    );
    await screen.findByText('2 of 2 events');
    expect(screen.getByRole('cell', { name: 'ERP connector' })).toBeTruthy();
    // Made while locked: anyone who can write the profile could have forged it (issue 15, finding 10).
    expect(screen.getByText(/recorded while locked; not authenticated/)).toBeTruthy();
    expect(screen.queryByText(/The audit log is full/)).toBeNull();
    fireEvent.change(screen.getByLabelText('Event'), { target: { value: 'entry.copied' } });
    await screen.findByText('1 of 1 events');
    expect(calls.at(-1)).toEqual(['audit.list', { filter: { type: 'entry.copied' } }]);
    fireEvent.click(screen.getByRole('button', { name: 'Verify log' }));
    await screen.findByText('Log OK: 2 records verified, no broken link.');
    report = { ...report, ok: false, checked: 0, broken: { seq: 1, reason: 'altered' } };
    fireEvent.click(screen.getByRole('button', { name: 'Verify log' }));
    await screen.findByText('Log broken at record #1: the record was changed.');
    // Over the count with nothing retention may drop: the page says so (issue 15, finding 1).
    report = { ...report, ok: true, checked: 2, broken: null, full: true };
    fireEvent.click(screen.getByRole('button', { name: 'Verify log' }));
    await screen.findByText(/The audit log is full/);
    fireEvent.click(screen.getByRole('button', { name: 'Export JSON' }));
    expect(saved[0]?.[0]).toBe('keyguard-audit-2026-11-27.json');
    expect(JSON.parse(saved[0]?.[1] ?? '{}').events).toHaveLength(1);
  });

  it('writes CSV that a spreadsheet cannot run', () => {
    const csv = auditCsv(EVENTS, new Map([['e1', 'ERP, "main"']]));
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('time,seq,type,entryId,entryName,origin,host,detail,late');
    expect(lines[1]).toContain('"ERP, ""main"""');
    expect(lines[2]).toContain(",'=cmd|calc,yes");
  });
});

describe('guard and alerts section', () => {
  function setup(granted: boolean) {
    let settings: Settings = { ...DEFAULT_SETTINGS };
    const log: string[] = [];
    const send = (async (type: string, payload: { patch: Partial<Settings> }) => {
      log.push(`${type} ${JSON.stringify(payload.patch)}`);
      settings = { ...settings, ...payload.patch };
      return settings;
    }) as unknown as Send;
    const permissions = {
      request: async (p: { origins: string[] }) => {
        log.push(`request ${p.origins.join(' ')}`);
        return granted;
      },
      remove: async (p: { origins: string[] }) => {
        log.push(`remove ${p.origins.join(' ')}`);
        return true;
      },
      contains: async () => granted,
    };
    const view = () =>
      render(
        <GuardSection
          send={send}
          permissions={permissions}
          settings={settings}
          onSaved={(s) => (settings = s)}
        />,
      );
    return {
      log,
      view,
      get settings() {
        return settings;
      },
    };
  }

  it('asks for all sites first, then saves; turning off saves, then gives the permission back', async () => {
    const s = setup(true);
    s.view();
    fireEvent.click(screen.getByLabelText('Turn on the leak guard'));
    await waitFor(() => expect(s.settings.guardEnabled).toBe(true));
    expect(s.log).toEqual([`request ${GUARD_ORIGINS.join(' ')}`, 'settings.set {"guardEnabled":true}']);
    cleanup();
    s.view();
    fireEvent.click(screen.getByLabelText('Turn on the leak guard'));
    await waitFor(() => expect(s.log).toHaveLength(4));
    expect(s.log.slice(2)).toEqual([
      'settings.set {"guardEnabled":false}',
      `remove ${GUARD_ORIGINS.join(' ')}`,
    ]);
  });

  it('says when giving back all sites also took the DocBits hosts, and asks for them again on a click', async () => {
    // What Chromium does (checked in a real profile): removing https://*/* also removes every granted
    // origin it contains — an on-premise host, and app.docbits.com drops out of `contains` too.
    const granted = new Set([
      'https://*/*',
      'http://*/*',
      'https://app.docbits.com/*',
      'https://docbits.acme.test/*',
    ]);
    const log: string[] = [];
    let settings: Settings = {
      ...DEFAULT_SETTINGS,
      guardEnabled: true,
      docbitsHosts: ['app.docbits.com', 'docbits.acme.test'],
    };
    const send = (async (_type: string, payload: { patch: Partial<Settings> }) => {
      settings = { ...settings, ...payload.patch };
      return settings;
    }) as unknown as Send;
    const permissions = {
      request: async (p: { origins: string[] }) => {
        log.push(`request ${p.origins.join(' ')}`);
        for (const o of p.origins) granted.add(o);
        return true;
      },
      remove: async (p: { origins: string[] }) => {
        if (p.origins.includes('https://*/*')) {
          for (const o of [...granted]) if (o.startsWith('https://')) granted.delete(o);
        }
        for (const o of p.origins) granted.delete(o);
        return true;
      },
      contains: async (p: { origins: string[] }) => p.origins.every((o) => granted.has(o)),
    };
    render(
      <GuardSection
        send={send}
        permissions={permissions}
        settings={settings}
        onSaved={(s) => (settings = s)}
      />,
    );
    fireEvent.click(screen.getByLabelText('Turn on the leak guard'));
    await screen.findByText(/also took back KeyGuard’s access to app\.docbits\.com, docbits\.acme\.test/);
    expect(settings.guardEnabled).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Restore access to the DocBits hosts' }));
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Restore access to the DocBits hosts' })).toBeNull(),
    );
    expect(log).toEqual(['request https://app.docbits.com/* https://docbits.acme.test/*']);
    expect(granted.has('https://*/*')).toBe(false);
  });

  it('stays off when the permission is refused, and checks the thresholds', async () => {
    const s = setup(false);
    s.view();
    fireEvent.click(screen.getByLabelText('Turn on the leak guard'));
    await screen.findByText('The leak guard needs access to all sites; it stays off.');
    expect(s.settings.guardEnabled).toBe(false);
    fireEvent.input(screen.getByLabelText('Alert after this many copies'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save guard and alerts' }));
    await screen.findByText('Enter a whole number from 2 to 100.');
    expect(s.log.some((l) => l.startsWith('settings.set'))).toBe(false);
  });
});

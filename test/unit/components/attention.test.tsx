// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Send } from '../../../components/api';
import { Attention } from '../../../components/popup/Attention';
import { setMessageSource, sourceFromJson } from '../../../lib/i18n';
import type { HygieneItem, RotationView } from '../../../lib/messages';
import en from '../../../public/_locales/en/messages.json';

beforeAll(() => setMessageSource(sourceFromJson(en)));
afterEach(cleanup);

const rotation: RotationView = {
  oldId: 'old',
  newId: 'new',
  host: 'app.docbits.com',
  step: 'revoke',
  name: 'ERP',
  suggestedName: 'ERP (rotated 2026-11-27)',
  expiryDays: 90,
  warning: true,
};
const finding: HygieneItem = {
  kind: 'past-age',
  entryId: 'crm',
  host: 'app.docbits.com',
  prefix: 'dbk_Crm1',
  action: 'rotate',
  name: 'CRM sync',
};

function setup(replies: Record<string, unknown> = {}) {
  const calls: Array<[string, unknown]> = [];
  const all: Record<string, unknown> = {
    'rotation.list': [rotation],
    'hygiene.report': [
      finding,
      { ...finding, kind: 'unused', action: 'open', entryId: 'u', name: 'Old export' },
    ],
    'reminder.status': { ids: ['crm', 'old'] },
    'rotation.start': { ...rotation, oldId: 'crm', step: 'create' },
    'rotation.cancel': null,
    'reminder.snooze': null,
    ...replies,
  };
  const send = vi.fn(async (type: string, payload: unknown) => {
    calls.push([type, payload]);
    return all[type];
  }) as unknown as Send;
  const opened: string[] = [];
  render(<Attention send={send} openTab={(u) => opened.push(u)} version={0} />);
  return { calls, opened };
}

describe('popup: rotations, hygiene and reminders', () => {
  it('shows each rotation’s checklist with its warning, and cancels it', async () => {
    const { calls } = setup();
    await screen.findByText('Rotations in progress');
    const region = screen.getByRole('region', { name: 'Rotating ERP' });
    expect(region.querySelectorAll('li.done')).toHaveLength(3);
    expect(screen.getByRole('alert').textContent).toContain('Something still uses the old key');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel rotation' }));
    await waitFor(() => expect(calls).toContainEqual(['rotation.cancel', { id: 'old' }]));
  });

  it('lists hygiene findings with their fix and the button that starts it', async () => {
    const { calls, opened } = setup();
    fireEvent.click(await screen.findByText('Key hygiene (2)'));
    expect(screen.getByText('Past its rotation age — rotate it.', { exact: false })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Rotate CRM sync' }));
    await waitFor(() => expect(opened).toEqual(['https://app.docbits.com/settings/integration']));
    expect(calls).toContainEqual(['rotation.start', { id: 'crm' }]);
  });

  it('snoozes the pending reminders for a day or a week', async () => {
    const { calls } = setup();
    await screen.findByText('Reminders: 2 keys need attention', { exact: false });
    fireEvent.click(screen.getByRole('button', { name: 'Snooze for a week' }));
    await screen.findByText('Reminders snoozed.');
    expect(calls).toContainEqual(['reminder.snooze', { ids: ['crm', 'old'], length: 'week' }]);
  });

  it('says so when nothing needs fixing', async () => {
    setup({ 'rotation.list': [], 'hygiene.report': [], 'reminder.status': { ids: [] } });
    fireEvent.click(await screen.findByText('Key hygiene (0)'));
    expect(screen.getByText('Nothing to fix.')).toBeTruthy();
    expect(screen.queryByText('Rotations in progress')).toBeNull();
  });
});

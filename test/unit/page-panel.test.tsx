// @vitest-environment happy-dom
import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GuidePanel } from '../../components/page/GuidePanel';
import { RowBadge } from '../../components/page/RowBadge';
import { setMessageSource, sourceFromJson } from '../../lib/i18n';
import type { RotationView, RowMatch, RowsReply } from '../../lib/messages';
import { type ControllerDeps, startPageController } from '../../lib/page/controller';
import { fillCreateDialogName } from '../../lib/page/detect';
import { UI_ATTR } from '../../lib/page/mask';
import { ProtocolError } from '../../lib/send';
import en from '../../public/_locales/en/messages.json';
import { loadFixture } from './docbits/fixtures';

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 5; j++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 40));
  }
};

const rotation: RotationView = {
  oldId: 'old',
  newId: null,
  host: 'app.docbits.com',
  step: 'create',
  name: 'ERP',
  suggestedName: 'ERP (rotated 2026-11-27)',
  expiryDays: 90,
  warning: false,
};

beforeEach(() => {
  setMessageSource(sourceFromJson(en));
  document.body.innerHTML = '';
  history.pushState(null, '', '/settings/integration');
});

describe('the panel before the key table', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('is mounted before .api-keys-card when there is a rotation or a finding, remounted after DocBits drops it, and removed when both are gone', async () => {
    loadFixture('current-en');
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    let extra: Partial<RowsReply> = { rotations: [rotation], hygiene: [] };
    const replies: RowsReply[] = [];
    const send = vi.fn(async (_t: string, payload: { rows: Array<{ prefix: string }> }) => ({
      unlocked: true,
      rows: payload.rows.map((r): RowMatch => ({ prefix: r.prefix, entry: null })),
      ...extra,
    }));
    let mounts = 0;
    const controller = startPageController({
      doc: document,
      send: send as unknown as ControllerDeps['send'],
      mountKeyControls: () => ({ host: document.createElement('span'), unmount() {} }),
      mountRowBadge: () => ({ host: document.createElement('span'), unmount() {} }),
      mountPanel: (anchor, reply) => {
        mounts++;
        replies.push(reply);
        const host = document.createElement('span');
        host.setAttribute(UI_ATTR, '');
        anchor.before(host);
        return { host, unmount: () => host.remove() };
      },
    });
    stop = () => controller.stop();
    await settle();
    const card = document.querySelector('.api-keys-card');
    expect(mounts).toBe(1);
    expect(card?.previousElementSibling?.hasAttribute(UI_ATTR)).toBe(true);
    expect(replies[0]?.rotations).toEqual([rotation]);

    // DocBits re-renders and drops the panel: the next page change puts it back.
    card?.previousElementSibling?.remove();
    controller.refresh();
    await settle();
    expect(mounts).toBe(2);

    extra = { rotations: [], hygiene: [] };
    controller.refresh(true);
    await settle();
    expect(card?.previousElementSibling?.hasAttribute(UI_ATTR) ?? false).toBe(false);
  });
});

describe('GuidePanel', () => {
  it('shows the checklist with the steps done, the suggestion, the warning and the hygiene findings', () => {
    const box = document.createElement('div');
    document.body.append(box);
    render(
      <GuidePanel
        rotations={[
          rotation,
          { ...rotation, oldId: 'b', name: null, suggestedName: null, step: 'revoke', warning: true },
        ]}
        hygiene={[
          { kind: 'no-expiry', entryId: 'x', host: 'app.docbits.com', prefix: 'dbk_AbCd', action: 'rotate' },
        ]}
        send={vi.fn() as never}
        guard={() => null}
        fillName={() => true}
        changed={() => {}}
      />,
      box,
    );
    const text = box.textContent ?? '';
    expect(text).toContain('Rotating ERP');
    expect(text).toContain(
      'Suggested name: ERP (rotated 2026-11-27) · Expiration: 90 days, like the old key',
    );
    expect(text).toContain('Key rotation in progress');
    expect(box.querySelectorAll('li.done')).toHaveLength(3);
    expect(box.querySelector('[role=alert]')?.textContent).toContain('Something still uses the old key');
    expect(text).toContain('KeyGuard found 1 key hygiene issues here');
    expect(text).toContain('dbk_AbCd… Never expires — rotate it to a key with an expiration date.');
    expect(box.querySelector('button[aria-label="Rotate dbk_AbCd…"]')).not.toBeNull();
    render(null, box);
  });
});

describe('fillCreateDialogName', () => {
  it('fills an empty Key Name once per dialog, never over what the admin typed', () => {
    document.body.innerHTML =
      '<div role="dialog"><div class="text-h6">Create API Key</div><input type="text" aria-label="Key Name"><textarea></textarea><div role="combobox"></div></div>';
    const input = document.querySelector('input') as HTMLInputElement;
    const events: string[] = [];
    input.addEventListener('input', () => events.push(input.value));
    expect(fillCreateDialogName(document, 'ERP (rotated)')).toBe(true);
    expect(events).toEqual(['ERP (rotated)']);
    input.value = '';
    expect(fillCreateDialogName(document, 'ERP (rotated)')).toBe(false);
    input.value = 'Mine';
    expect(fillCreateDialogName(document, 'ERP (rotated)')).toBe(false);
    expect(fillCreateDialogName(document, 'ERP (rotated)', true)).toBe(true);
    expect(input.value).toBe('ERP (rotated)');
  });
});

describe('a key-table row on a locked vault', () => {
  it('Copy full key and Rotate open the unlock window and say to try again; other errors are shown', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const asked: string[] = [];
    const send = vi.fn(async (type: string) => {
      asked.push(type);
      if (type === 'ui.openUnlock') return null;
      if (type === 'entry.copy') throw new ProtocolError({ code: 'locked', message: 'The vault is locked' });
      throw new ProtocolError({ code: 'forbidden', message: 'This key belongs to another DocBits host' });
    });
    const match: RowMatch = {
      prefix: 'dbk_OLDa',
      entry: { id: 'old', createdAt: 0, expiresAt: null, state: 'active', rotation: 'ok', expiry: 'none' },
    };
    render(
      <RowBadge
        match={match}
        send={send as never}
        now={0}
        guard={() => null}
        onRotate={async () => {
          await send('rotation.start');
        }}
      />,
      host,
    );
    const button = (name: string) =>
      [...host.querySelectorAll('button')].find(
        (b) => (b.getAttribute('aria-label') ?? b.textContent) === name,
      );
    button('Copy full key')?.click();
    await settle();
    expect(asked).toEqual(['entry.copy', 'ui.openUnlock']);
    expect(host.textContent).toContain(
      'KeyGuard is locked. Unlock it in the window that opened, then try again.',
    );
    button('Rotate this key')?.click();
    await settle();
    expect(asked.slice(2)).toEqual(['rotation.start']);
    expect(host.textContent).toContain('This key belongs to another DocBits host');
    render(null, host);
  });
});

// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RowMatch } from '../../lib/messages';
import { type ControllerDeps, startPageController } from '../../lib/page/controller';
import { UI_ATTR } from '../../lib/page/mask';
import { loadFixture } from './docbits/fixtures';

const KEY = 'q8Zr2VbX7mKp1LsT9yWc4NdF6hJ0gE3uA5iO';
const showOnce = `<div id="q-portal--dialog--9"><div class="q-dialog" role="dialog"><div class="q-card"><div class="key-display"><code>${KEY}</code> <button type="button"></button></div></div></div></div>`;

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 5; j++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 40));
  }
};

/** A controller on the test document whose mounts are plain marked spans, counted. */
function start() {
  const counts = { controls: 0, badges: 0, unmounted: 0 };
  const mount = (anchor: Element, where: 'after' | 'append') => {
    const host = document.createElement('span');
    host.setAttribute(UI_ATTR, '');
    if (where === 'after') anchor.after(host);
    else anchor.append(host);
    return {
      host,
      unmount() {
        counts.unmounted++;
        host.remove();
      },
    };
  };
  const send = vi.fn(async (_type: string, payload: { rows: Array<{ prefix: string }> }) => ({
    rows: payload.rows.map((r): RowMatch => ({ prefix: r.prefix, entry: null })),
  }));
  const controller = startPageController({
    doc: document,
    send: send as unknown as ControllerDeps['send'],
    mountKeyControls: (site) => {
      counts.controls++;
      return mount(site.anchor, 'after');
    },
    mountRowBadge: (row) => {
      counts.badges++;
      return mount(row.keyCell, 'append');
    },
  });
  return { controller, send, counts };
}

let stop: (() => void) | undefined;
beforeEach(() => {
  document.body.innerHTML = '';
  history.pushState(null, '', '/settings/integration');
});
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe('startPageController', () => {
  it('marks the table once, re-sends it when a status changes, and ignores a busy widget', async () => {
    loadFixture('current-en');
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    const { controller, send, counts } = start();
    stop = () => controller.stop();
    await settle();
    const rows = document.querySelectorAll('.api-keys-card tbody tr').length;
    expect(rows).toBeGreaterThan(0);
    expect(send).toHaveBeenCalledTimes(1);
    expect(counts.badges).toBe(rows);

    const box = document.createElement('div');
    document.querySelector('.integration-page')?.appendChild(box);
    for (let i = 0; i < 500; i++) {
      const el = document.createElement(i % 2 ? 'code' : 'span');
      el.textContent = `item ${i}`;
      box.appendChild(el);
      if (box.children.length > 32) box.firstElementChild?.remove();
    }
    await settle();
    expect(send).toHaveBeenCalledTimes(1);
    expect(counts.badges).toBe(rows);

    const badge = document.querySelector('.api-keys-card [role=status]') as HTMLElement;
    badge.setAttribute('aria-label', 'Revoked');
    (badge.firstChild as Text).data = 'Revoked';
    await settle();
    expect(send).toHaveBeenCalledTimes(2);
    expect(send.mock.calls[1]?.[1].rows[0]).toMatchObject({ status: 'revoked' });
    expect(counts.badges).toBe(rows); // same answer: the marks stay
  });

  it('mounts controls by a show-once key and removes them when the dialog closes', async () => {
    const { controller, counts } = start();
    stop = () => controller.stop();
    await settle();
    document.body.insertAdjacentHTML('beforeend', showOnce);
    await settle();
    expect(counts.controls).toBe(1);
    expect(document.querySelector('.key-display')?.nextElementSibling?.hasAttribute(UI_ATTR)).toBe(true);

    document.querySelector('#q-portal--dialog--9')?.remove();
    await settle();
    expect(counts.unmounted).toBe(1);

    controller.stop();
    expect(document.querySelectorAll(`[${UI_ATTR}]`).length).toBe(0);
  });

  it('remounts controls the app removed; stop() removes them', async () => {
    document.body.insertAdjacentHTML('beforeend', showOnce);
    const { controller, counts } = start();
    stop = () => controller.stop();
    await settle();
    expect(counts.controls).toBe(1);
    document.querySelector(`[${UI_ATTR}]`)?.remove();
    await settle();
    expect(counts.controls).toBe(2);

    history.pushState(null, '', '/dashboard');
    document.body.appendChild(document.createElement('div')); // the app renders the new route
    await settle();
    // the show-once hook is found anywhere: its controls stay (the stable hooks do not depend on the path)
    expect(counts.controls).toBe(2);
    controller.stop();
    expect(document.querySelectorAll(`[${UI_ATTR}]`).length).toBe(0);
  });
});

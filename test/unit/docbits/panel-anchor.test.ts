// @vitest-environment happy-dom
/**
 * The rotation/hygiene panel goes before the key table also where the page lost DocBits' `.api-keys-card`
 * class: before the <table> or ARIA grid the key rows are in.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { RowMatch } from '../../../lib/messages';
import { type ControllerDeps, startPageController } from '../../../lib/page/controller';
import { UI_ATTR } from '../../../lib/page/mask';

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 5; j++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 40));
  }
};

let stop: (() => void) | undefined;
beforeEach(() => history.pushState(null, '', '/settings/integration'));
afterEach(() => stop?.());

it.each([
  [
    'an ARIA grid',
    '<div role="grid" id="t"><div role="row"><div role="gridcell"><code class="key-prefix">dbk_A1b2****</code></div></div></div>',
  ],
  ['a plain table', '<table id="t"><tr><td><code class="key-prefix">dbk_A1b2****</code></td></tr></table>'],
])('is mounted before %s without .api-keys-card', async (_, html) => {
  document.body.innerHTML = `<section><h2>API Keys</h2>${html}</section>`;
  const send = vi.fn(async (_t: string, payload: { rows: Array<{ prefix: string }> }) => ({
    unlocked: true,
    rows: payload.rows.map((r): RowMatch => ({ prefix: r.prefix, entry: null })),
    rotations: [],
    hygiene: [
      { kind: 'no-expiry', entryId: 'x', host: 'app.docbits.com', prefix: 'dbk_A1b2', action: 'rotate' },
    ],
  }));
  const anchors: Element[] = [];
  const controller = startPageController({
    doc: document,
    send: send as unknown as ControllerDeps['send'],
    mountKeyControls: () => ({ host: document.createElement('span'), unmount() {} }),
    mountRowBadge: () => ({ host: document.createElement('span'), unmount() {} }),
    mountPanel: (anchor) => {
      anchors.push(anchor);
      const host = document.createElement('span');
      host.setAttribute(UI_ATTR, '');
      anchor.before(host);
      return { host, unmount: () => host.remove() };
    },
  });
  stop = () => controller.stop();
  await settle();
  expect(anchors.map((a) => a.id)).toEqual(['t']);
  expect(document.getElementById('t')?.previousElementSibling?.hasAttribute(UI_ATTR)).toBe(true);
});

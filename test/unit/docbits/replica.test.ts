// @vitest-environment happy-dom
/**
 * The replica really is on Quasar's runtime with the Notify plugin installed: the condition KeyGuard must
 * survive on DocBits (issue 13) is present on every dumped page, and Chromium measured the centre lists
 * covering the whole viewport, click-through and transparent, above the page.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LANGS, loadFixture } from './fixtures';

interface NotifyLayers {
  viewport: [number, number];
  centerLists: Array<{
    rect: [number, number, number, number];
    position: string;
    pointerEvents: string;
    zIndex: string;
    background: string;
    parent: string;
  }>;
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const measured = (JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, unknown>)[
  'notify-layers'
] as NotifyLayers | undefined;

describe("Quasar's Notify layers in the replica", () => {
  const pages = [...LANGS.flatMap((l) => [`current-${l}`, `create-${l}`, `legacy-${l}`]), 'legacy-loading'];

  it.each(pages)('%s has the notification lists in body, the three centre ones included', (name) => {
    loadFixture(name);
    // Quasar mounts the plugin's own app on a div it appends to body: body > div#q-notify > div.q-notifications
    const root = document.body.querySelector(':scope > #q-notify > .q-notifications');
    expect(root, 'div.q-notifications in the div Quasar appended to body').not.toBeNull();
    expect(root?.querySelectorAll('.q-notifications__list--center').length).toBe(3);
    expect(root?.querySelectorAll('.q-notifications__list').length).toBe(9);
  });

  it('measured in Chromium: each centre list covers the viewport, click-through, transparent, z-index 9500', () => {
    expect(measured, 'dump.ts measured the layers').toBeDefined();
    const [width, height] = measured?.viewport ?? [0, 0];
    expect(measured?.centerLists.length).toBe(3);
    for (const list of measured?.centerLists ?? []) {
      const [x, y, w, h] = list.rect;
      expect([x, y, w]).toEqual([0, 0, width]);
      // Quasar gives every list a 10 px bottom margin; the rest of the viewport is covered.
      expect(h).toBeGreaterThanOrEqual(height - 10);
      expect(list).toMatchObject({
        position: 'fixed',
        pointerEvents: 'none',
        zIndex: '9500',
        background: 'rgba(0, 0, 0, 0)',
        parent: 'q-notifications',
      });
    }
  });
});

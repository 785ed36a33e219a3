/**
 * The popup list's view model: badges at their boundaries, order, search folding and the windowing maths.
 */
import { describe, expect, it } from 'vitest';
import {
  apiKeysUrl,
  badgesOf,
  filterItems,
  fold,
  haystackOf,
  ROW_HEIGHT,
  rowAt,
  rowOffsets,
  shownPrefix,
  TALL_ROW_HEIGHT,
  toItems,
} from '../../../components/popup/keys';
import type { EntrySummary } from '../../../lib/vault/model';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 15);
const POLICY = { rotationDays: 90, reminderLeadDays: 14 };

function entry(over: Partial<EntrySummary> = {}): EntrySummary {
  return {
    id: 'id-1',
    name: 'Key',
    notes: '',
    host: 'app.docbits.com',
    orgId: null,
    environment: 'production',
    prefix: '',
    createdAt: NOW,
    expiresAt: null,
    rotateAfterDays: null,
    state: 'active',
    source: 'manual',
    successorId: null,
    predecessorId: null,
    ...over,
  };
}

describe('badgesOf', () => {
  it.each([
    [0, []],
    [90 - 14 - 1, []],
    [90 - 14, ['due-soon']],
    [89, ['due-soon']],
    [90, ['due']],
    [90 + 13, ['due']],
    [90 + 14, ['overdue']],
  ])('rotation with the default age: %i days old → %j', (age, expected) => {
    expect(badgesOf(entry({ createdAt: NOW - age * DAY }), POLICY, NOW)).toEqual(expected);
  });

  it("uses the entry's own rotation age over the default", () => {
    expect(badgesOf(entry({ createdAt: NOW - 31 * DAY, rotateAfterDays: 30 }), POLICY, NOW)).toEqual(['due']);
  });

  it.each([
    [null, []],
    [NOW + 15 * DAY, []],
    [NOW + 14 * DAY, ['expiring']],
    [NOW + 1, ['expiring']],
    [NOW, ['expired']],
  ])('expiry at %s → %j', (expiresAt, expected) => {
    expect(badgesOf(entry({ expiresAt }), POLICY, NOW)).toEqual(expected);
  });

  it('says only "retired" for a retired key, however old or expired', () => {
    const old = { createdAt: NOW - 400 * DAY, expiresAt: NOW - DAY };
    expect(badgesOf(entry({ ...old, state: 'retired' }), POLICY, NOW)).toEqual(['retired']);
  });

  it('says "rotating" instead of a rotation reminder while a rotation runs', () => {
    expect(badgesOf(entry({ createdAt: NOW - 200 * DAY, state: 'rotating' }), POLICY, NOW)).toEqual([
      'rotating',
    ]);
  });
});

describe('toItems', () => {
  it('keeps the given order and moves retired entries last', () => {
    const list = [
      entry({ id: 'a', state: 'retired' }),
      entry({ id: 'b' }),
      entry({ id: 'c', state: 'rotating' }),
      entry({ id: 'd', state: 'retired' }),
      entry({ id: 'e' }),
    ];
    expect(toItems(list, POLICY, NOW).map((i) => i.entry.id)).toEqual(['b', 'c', 'e', 'a', 'd']);
  });
});

describe('search', () => {
  it('folds case and diacritics', () => {
    expect(fold('Zürich ÉCOLE Ñandú Ørsted')).toBe('zurich ecole nandu ørsted');
  });

  it('matches every word against name, organisation, host and prefix', () => {
    const items = toItems(
      [
        entry({ id: 'a', name: 'Crème brûlée', orgId: 'Café', prefix: 'dbk_X1' }),
        entry({ id: 'b', name: 'Other', host: 'docbits.creme.example' }),
      ],
      POLICY,
      NOW,
    );
    const hay = items.map((i) => haystackOf(i.entry));
    const ids = (q: string) => filterItems(items, hay, q).map((i) => i.entry.id);
    expect(ids('creme')).toEqual(['a', 'b']);
    expect(ids('CREME brulee')).toEqual(['a']);
    expect(ids('cafe dbk_x')).toEqual(['a']);
    expect(ids('   ')).toEqual(['a', 'b']);
    expect(ids('creme nothing')).toEqual([]);
  });
});

describe('display helpers', () => {
  it('shows the prefix as DocBits does, and nothing when unknown', () => {
    expect(shownPrefix('dbk_Ab12')).toBe('dbk_Ab12…');
    expect(shownPrefix('')).toBe('');
  });

  it("links to the host's API-key page", () => {
    expect(apiKeysUrl('docbits.acme.example')).toBe('https://docbits.acme.example/settings/integration');
  });
});

describe('windowing', () => {
  const items = toItems(
    [entry({ id: 'a' }), entry({ id: 'b', expiresAt: NOW }), entry({ id: 'c' })],
    POLICY,
    NOW,
  );
  const offsets = rowOffsets(items);

  it('stacks rows by their height (taller with badges)', () => {
    expect([...offsets]).toEqual([
      0,
      ROW_HEIGHT,
      ROW_HEIGHT + TALL_ROW_HEIGHT,
      2 * ROW_HEIGHT + TALL_ROW_HEIGHT,
    ]);
  });

  it('finds the row under a pixel, clamped to the list', () => {
    expect(rowAt(offsets, -5)).toBe(0);
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, ROW_HEIGHT - 1)).toBe(0);
    expect(rowAt(offsets, ROW_HEIGHT)).toBe(1);
    expect(rowAt(offsets, ROW_HEIGHT + TALL_ROW_HEIGHT)).toBe(2);
    expect(rowAt(offsets, 10_000)).toBe(2);
    expect(rowAt(rowOffsets([]), 10)).toBe(0);
  });
});

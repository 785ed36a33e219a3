import { describe, expect, it } from 'vitest';
import {
  advance,
  COMPLETED_KEEP_MS,
  loadRotations,
  newRotation,
  ROTATIONS_KEY,
  saveRotations,
  stepOf,
  suggestedExpiryDays,
  suggestedName,
} from '../../lib/rotation/flow';
import { hygieneFindings } from '../../lib/rotation/hygiene';
import { addDays, DAY_MS } from '../../lib/rotation/schedule';
import type { IndexRecord, Observed } from '../../lib/vault/model';

const T0 = Date.UTC(2026, 4, 10, 9);
const seen = (lastUsedAt: number | null, status: Observed['status'] = 'active'): Observed => ({
  status,
  lastUsedAt,
  expiresAt: null,
  at: T0,
});

describe('guided rotation progress', () => {
  it('create → use → revoke → done, each event once', () => {
    let r = newRotation('old', 'app.docbits.com', T0);
    expect(stepOf(r)).toBe('create');
    r = { ...r, newId: 'new' };
    expect(stepOf(r)).toBe('use');
    // The new key not used yet: nothing happens, however often the page is read.
    expect(advance(r, seen(T0 - DAY_MS), seen(null), T0).events).toEqual([]);
    const used = advance(r, seen(T0 - DAY_MS), seen(T0 + 1000), T0 + 2000);
    expect(used.events).toEqual(['newKeyUsed']);
    expect(used.record).toMatchObject({ newUsedAt: T0 + 2000, oldLastUsedBaseline: T0 - DAY_MS });
    expect(stepOf(used.record)).toBe('revoke');
    expect(advance(used.record, seen(T0 - DAY_MS), seen(T0 + 5000), T0 + 6000).events).toEqual([]);
    const done = advance(used.record, seen(T0 - DAY_MS, 'revoked'), seen(T0 + 5000), T0 + 7000);
    expect(done.events).toEqual(['completed']);
    expect(stepOf(done.record)).toBe('done');
    expect(advance(done.record, seen(T0, 'revoked'), seen(T0), T0 + 8000).events).toEqual([]);
  });

  it('warns once per movement of the old key’s "Last used" after the new key is in use', () => {
    const r = { ...newRotation('old', 'h', T0), newId: 'new' };
    const used = advance(r, seen(null), seen(T0), T0).record;
    const first = advance(used, seen(T0 + 60_000), seen(T0), T0 + 61_000);
    expect(first.events).toEqual(['oldKeyStillUsed']);
    expect(advance(first.record, seen(T0 + 60_000), seen(T0), T0 + 62_000).events).toEqual([]);
    expect(advance(first.record, seen(T0 + 120_000), seen(T0), T0 + 121_000).events).toEqual([
      'oldKeyStillUsed',
    ]);
    // Used before the switch (the baseline) is no warning.
    const before = advance(r, seen(T0 - 1000), seen(T0), T0).record;
    expect(advance(before, seen(T0 - 1000), seen(T0), T0 + 1).events).toEqual([]);
  });

  it('the suggested name and expiry: "NAME (rotated DATE)", no stacked suffixes, same lifetime', () => {
    const fmt = (n: string, d: string) => `${n} (rotated ${d})`;
    const at = new Date(2026, 0, 31, 23, 30).getTime();
    expect(suggestedName('ERP', at, fmt)).toBe('ERP (rotated 2026-01-31)');
    expect(suggestedName('ERP (rotated 2025-10-01)', at, fmt)).toBe('ERP (rotated 2026-01-31)');
    expect(suggestedExpiryDays(T0, null)).toBeNull();
    expect(suggestedExpiryDays(T0, T0 + 90 * DAY_MS + 3_600_000)).toBe(90);
    expect(suggestedExpiryDays(T0, T0 + 45 * DAY_MS)).toBe(45);
  });

  it('storage keeps valid records, drops damaged ones and forgets old completed ones', async () => {
    const store: Record<string, unknown> = {};
    const area = {
      get: async (k: string) => ({ [k]: store[k] }),
      set: async (o: object) => void Object.assign(store, o),
    };
    const live = newRotation('a', 'h', T0);
    const done = { ...newRotation('b', 'h', T0), newId: 'n', completedAt: T0 };
    await saveRotations(
      area,
      new Map([
        ['a', live],
        ['b', done],
      ]),
    );
    (store[ROTATIONS_KEY] as Record<string, unknown>).c = { oldId: 'c', host: 5 };
    (store[ROTATIONS_KEY] as Record<string, unknown>).d = { ...live, oldId: 'x' };
    expect([...(await loadRotations(area, T0)).keys()]).toEqual(['a', 'b']);
    expect([...(await loadRotations(area, T0 + COMPLETED_KEEP_MS + 1)).keys()]).toEqual(['a']);
    // No name or secret is ever part of a stored record.
    expect(Object.keys(live).sort()).toEqual(
      [
        'completedAt',
        'host',
        'newId',
        'newUsedAt',
        'oldId',
        'oldLastUsedBaseline',
        'startedAt',
        'warnedLastUsed',
      ].sort(),
    );
  });
});

describe('key hygiene', () => {
  const now = T0;
  const policy = { rotationDays: 90, reminderLeadDays: 14 };
  const rec = (id: string, extra: Partial<IndexRecord> = {}): IndexRecord => ({
    id,
    host: 'app.docbits.com',
    orgId: 'org',
    prefix: `p_${id}`,
    createdAt: addDays(now, -10),
    expiresAt: addDays(now, 80),
    rotateBy: null,
    state: 'active',
    ...extra,
  });

  it('finds each kind, with its fix action, most serious first', () => {
    const records = [
      rec('fine', {
        observed: { status: 'active', lastUsedAt: now - DAY_MS, expiresAt: addDays(now, 80), at: now },
      }),
      rec('noexp', {
        expiresAt: null,
        observed: { status: 'active', lastUsedAt: now, expiresAt: null, at: now },
      }),
      rec('idle', {
        observed: { status: 'active', lastUsedAt: now - 30 * DAY_MS, expiresAt: undefined, at: now },
      }),
      rec('never', { observed: { status: 'active', lastUsedAt: null, at: now } }),
      rec('old', { createdAt: addDays(now, -100) }),
      rec('ghost', { state: 'retired', observed: { status: 'active', lastUsedAt: null, at: now } }),
      rec('gone', { state: 'retired', observed: { status: 'revoked', lastUsedAt: null, at: now } }),
      rec('dup1'),
      rec('dup2'),
    ];
    const names = new Map([
      ['dup1', 'ERP Upload'],
      ['dup2', ' erp upload '],
      ['fine', 'Fine'],
    ]);
    const found = hygieneFindings(records, policy, now, names).map((f) => [f.kind, f.entryId, f.action]);
    expect(found).toEqual([
      ['retired-active', 'ghost', 'open'],
      ['past-age', 'old', 'rotate'],
      ['no-expiry', 'noexp', 'rotate'],
      ['unused', 'idle', 'open'],
      ['never-used', 'never', 'open'],
      ['duplicate-name', 'dup1', 'open'],
      ['duplicate-name', 'dup2', 'open'],
    ]);
    // Locked (no names): everything but the duplicate names.
    expect(hygieneFindings(records, policy, now).some((f) => f.kind === 'duplicate-name')).toBe(false);
  });

  it('a key created today is not "never used" yet, a rotating one is not told to rotate', () => {
    const found = hygieneFindings(
      [
        rec('new', { createdAt: now - 3_600_000, observed: { status: 'active', lastUsedAt: null, at: now } }),
        rec('rot', { state: 'rotating', createdAt: addDays(now, -200), expiresAt: null }),
      ],
      policy,
      now,
    );
    expect(found).toEqual([]);
  });
});

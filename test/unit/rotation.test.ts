import { describe, expect, it } from 'vitest';
import { ageDays, DAY_MS, expiryStatus, rotateByOf, rotationStatus } from '../../lib/rotation/schedule';

const policy = { rotationDays: 90, reminderLeadDays: 14 };
const created = Date.UTC(2026, 0, 1);

describe('rotation and expiry status', () => {
  it('walks ok → due-soon → due → overdue around createdAt + 90 days', () => {
    const facts = { createdAt: created, expiresAt: null, rotateBy: null };
    const due = rotateByOf(facts, policy);
    expect(due).toBe(created + 90 * DAY_MS);
    expect(rotationStatus(facts, policy, due - 15 * DAY_MS)).toBe('ok');
    expect(rotationStatus(facts, policy, due - 14 * DAY_MS)).toBe('due-soon');
    expect(rotationStatus(facts, policy, due)).toBe('due');
    expect(rotationStatus(facts, policy, due + 14 * DAY_MS - 1)).toBe('due');
    expect(rotationStatus(facts, policy, due + 14 * DAY_MS)).toBe('overdue');
  });

  it('an entry’s own rotate-by date wins over the default age', () => {
    const facts = { createdAt: created, expiresAt: null, rotateBy: created + 30 * DAY_MS };
    expect(rotationStatus(facts, policy, created + 31 * DAY_MS)).toBe('due');
  });

  it('expiry: none, ok, soon, expired', () => {
    const base = { createdAt: created, rotateBy: null };
    expect(expiryStatus({ ...base, expiresAt: null }, policy, created)).toBe('none');
    expect(expiryStatus({ ...base, expiresAt: created + 30 * DAY_MS }, policy, created)).toBe('ok');
    expect(expiryStatus({ ...base, expiresAt: created + 7 * DAY_MS }, policy, created)).toBe('soon');
    expect(expiryStatus({ ...base, expiresAt: created }, policy, created)).toBe('expired');
  });

  it('age in whole days', () => {
    expect(ageDays(created, created)).toBe(0);
    expect(ageDays(created, created + 100 * DAY_MS + 5)).toBe(100);
    expect(ageDays(created, created - DAY_MS)).toBe(0);
  });
});

import { afterEach, beforeEach, vi } from 'vitest';
import { addDays, daysUntil, expiryStage, snoozeUntil } from '../../lib/rotation/schedule';

/** Calendar parts of `ms` in the current TZ: what a user sees, independent of the arithmetic under test. */
const parts = (ms: number) => {
  const d = new Date(ms);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()];
};

describe.each(['Europe/Berlin', 'America/New_York'])('calendar arithmetic in %s (fake clock)', (tz) => {
  const saved = process.env.TZ;
  beforeEach(() => {
    process.env.TZ = tz;
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    process.env.TZ = saved;
  });

  it('keeps the wall-clock time across the spring DST change (rotation due date and stages)', () => {
    // 2026: Berlin springs forward on 29 March, New York on 8 March — both inside these 60 days.
    vi.setSystemTime(new Date(2026, 1, 1, 10, 0));
    const facts = { createdAt: Date.now(), expiresAt: null, rotateBy: null };
    const p = { rotationDays: 60, reminderLeadDays: 14 };
    const due = rotateByOf(facts, p);
    expect(parts(due)).toEqual([2026, 4, 2, 10, 0]);
    // A fixed 24 h step would be an hour off the wall clock here.
    expect(due - facts.createdAt).toBe(60 * DAY_MS - 3_600_000);
    vi.setSystemTime(new Date(2026, 2, 19, 9, 59));
    expect(rotationStatus(facts, p, Date.now())).toBe('ok');
    vi.setSystemTime(new Date(2026, 2, 19, 10, 0));
    expect(rotationStatus(facts, p, Date.now())).toBe('due-soon');
    vi.setSystemTime(new Date(2026, 3, 2, 9, 59));
    expect(rotationStatus(facts, p, Date.now())).toBe('due-soon');
    vi.setSystemTime(new Date(2026, 3, 2, 10, 0));
    expect(rotationStatus(facts, p, Date.now())).toBe('due');
    vi.setSystemTime(new Date(2026, 3, 16, 10, 0));
    expect(rotationStatus(facts, p, Date.now())).toBe('overdue');
  });

  it('keeps the wall-clock time across the autumn DST change (90 days, the default)', () => {
    vi.setSystemTime(new Date(2026, 8, 1, 8, 30));
    const facts = { createdAt: Date.now(), expiresAt: null, rotateBy: null };
    const due = rotateByOf(facts, policy);
    expect(parts(due)).toEqual([2026, 11, 30, 8, 30]);
    expect(due - facts.createdAt).toBe(90 * DAY_MS + 3_600_000);
    vi.setSystemTime(due - 60_000);
    expect(rotationStatus(facts, policy, Date.now())).toBe('due-soon');
    vi.setSystemTime(due);
    expect(rotationStatus(facts, policy, Date.now())).toBe('due');
  });

  it('crosses month ends and leap days by calendar days', () => {
    vi.setSystemTime(new Date(2026, 0, 31, 9, 0));
    expect(parts(addDays(Date.now(), 30))).toEqual([2026, 3, 2, 9, 0]);
    expect(parts(addDays(Date.now(), 1))).toEqual([2026, 2, 1, 9, 0]);
    vi.setSystemTime(new Date(2028, 1, 28, 12, 0));
    expect(parts(addDays(Date.now(), 1))).toEqual([2028, 2, 29, 12, 0]);
    expect(parts(addDays(Date.now(), 2))).toEqual([2028, 3, 1, 12, 0]);
    // Created on a leap day: 365 days later is 28 February, not 1 March.
    vi.setSystemTime(new Date(2028, 1, 29, 12, 0));
    expect(
      parts(
        rotateByOf(
          { createdAt: Date.now(), expiresAt: null, rotateBy: null },
          { rotationDays: 365, reminderLeadDays: 14 },
        ),
      ),
    ).toEqual([2029, 2, 28, 12, 0]);
    expect(daysUntil(new Date(2028, 2, 1, 0, 5).getTime(), Date.now())).toBe(1);
    expect(daysUntil(new Date(2029, 1, 28, 23, 0).getTime(), Date.now())).toBe(365);
  });

  it('expiry stages 14 / 7 / 1 days before, at the same wall-clock time across DST', () => {
    const expires = new Date(2026, 3, 3, 18, 0).getTime(); // DST change in both zones before it
    const at = (m: number, d: number, h: number, min = 0) => new Date(2026, m, d, h, min).getTime();
    expect(expiryStage(expires, at(2, 20, 17, 59))).toBe('ok');
    expect(expiryStage(expires, at(2, 20, 18))).toBe('in14');
    expect(expiryStage(expires, at(2, 27, 17, 59))).toBe('in14');
    expect(expiryStage(expires, at(2, 27, 18))).toBe('in7');
    expect(expiryStage(expires, at(3, 2, 18))).toBe('in1');
    expect(expiryStage(expires, expires)).toBe('expired');
    expect(expiryStage(null, expires)).toBe('none');
    // Berlin's spring-forward night (29 March) holds only 23 hours: still one calendar day.
    expect(daysUntil(at(2, 29, 23, 30), at(2, 28, 23, 30))).toBe(1);
  });

  it('snoozes for a calendar day or week, also over the night the clocks go back', () => {
    // Berlin: 25 October 2026; New York: 1 November 2026.
    const night = tz === 'Europe/Berlin' ? new Date(2026, 9, 24, 22, 0) : new Date(2026, 9, 31, 22, 0);
    vi.setSystemTime(night);
    const day = snoozeUntil(Date.now(), 'day');
    expect(day - Date.now()).toBe(25 * 3_600_000);
    expect(new Date(day).getHours()).toBe(22);
    expect(daysUntil(snoozeUntil(Date.now(), 'week'), Date.now())).toBe(7);
  });
});

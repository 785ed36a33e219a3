import { describe, expect, it } from 'vitest';
import { ageDays, DAY_MS, expiryStatus, rotateByOf, rotationStatus } from '../../lib/rotation';

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

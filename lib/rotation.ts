/**
 * When a key is due for rotation or about to expire, from clear-index facts only (so it works while the
 * vault is locked).
 */

export const DAY_MS = 86_400_000;

export type RotationStatus = 'ok' | 'due-soon' | 'due' | 'overdue';
export type ExpiryStatus = 'none' | 'ok' | 'soon' | 'expired';

export interface RotationFacts {
  createdAt: number;
  expiresAt: number | null;
  /** Explicit rotate-by date, or null to use createdAt + the default rotation age. */
  rotateBy: number | null;
}

export interface RotationPolicy {
  rotationDays: number;
  reminderLeadDays: number;
}

/** The rotate-by date: the entry's own, else createdAt + the default age. */
export function rotateByOf(facts: RotationFacts, policy: RotationPolicy): number {
  return facts.rotateBy ?? facts.createdAt + policy.rotationDays * DAY_MS;
}

/**
 * ok → due soon (within the lead time) → due (from the rotate-by date for one more lead time) → overdue.
 */
export function rotationStatus(facts: RotationFacts, policy: RotationPolicy, now: number): RotationStatus {
  const due = rotateByOf(facts, policy);
  const lead = policy.reminderLeadDays * DAY_MS;
  if (now < due - lead) return 'ok';
  if (now < due) return 'due-soon';
  if (now < due + lead) return 'due';
  return 'overdue';
}

/** none (never expires) → ok → soon (within the lead time) → expired. */
export function expiryStatus(facts: RotationFacts, policy: RotationPolicy, now: number): ExpiryStatus {
  if (facts.expiresAt === null) return 'none';
  if (now >= facts.expiresAt) return 'expired';
  return facts.expiresAt - now <= policy.reminderLeadDays * DAY_MS ? 'soon' : 'ok';
}

/** Whole days since `createdAt` (0 on the first day). */
export function ageDays(createdAt: number, now: number): number {
  return Math.max(0, Math.floor((now - createdAt) / DAY_MS));
}

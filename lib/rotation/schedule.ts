/**
 * When a key is due for rotation or about to expire, from clear-index facts only (so it works while the
 * vault is locked).
 *
 * Days are calendar days in the user's time zone: "90 days after 10:00 on 1 March" is 10:00 on 30 May even
 * when a daylight-saving change lies between (a fixed 24 h step would land at 09:00 or 11:00, and a reminder
 * could flip a day early or late around midnight). Leap days count as days like any other.
 *
 * The `lib/rotation/` area: the rotation schedule (this file), the guided flow, reminders and the hygiene
 * report. It imports itself, `lib/vault/model`, `lib/audit/events` and the shared files (docs/architecture.md).
 */

export const DAY_MS = 86_400_000;

export type RotationStatus = 'ok' | 'due-soon' | 'due' | 'overdue';
export type ExpiryStatus = 'none' | 'ok' | 'soon' | 'expired';
/** Expiry reminders: 14, 7 and 1 day(s) before the key expires, then expired. */
export type ExpiryStage = 'none' | 'ok' | 'in14' | 'in7' | 'in1' | 'expired';
export const EXPIRY_STAGE_DAYS = [14, 7, 1] as const;

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

/** The policy out of anything that has it (the settings): those two numbers, nothing else. */
export function policyOf({ rotationDays, reminderLeadDays }: RotationPolicy): RotationPolicy {
  return { rotationDays, reminderLeadDays };
}

/** `ms` moved by `days` calendar days in the local time zone, keeping the wall-clock time. */
export function addDays(ms: number, days: number): number {
  const d = new Date(ms);
  d.setDate(d.getDate() + days);
  return d.getTime();
}

/** Local midnight of the day holding `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Calendar days from `now`'s day to `target`'s day (negative when past); DST days count as one. */
export function daysUntil(target: number, now: number): number {
  return Math.round((startOfDay(target) - startOfDay(now)) / DAY_MS);
}

/** The rotate-by date: the entry's own, else createdAt + the default age (calendar days). */
export function rotateByOf(facts: RotationFacts, policy: RotationPolicy): number {
  return facts.rotateBy ?? addDays(facts.createdAt, policy.rotationDays);
}

/** The rotate-by date of an entry with its own rotation age in days (null = the default applies). */
export function rotateByFor(createdAt: number, rotateAfterDays: number | null): number | null {
  return rotateAfterDays === null ? null : addDays(createdAt, rotateAfterDays);
}

/**
 * ok → due soon (within the lead time) → due (from the rotate-by date for one more lead time) → overdue.
 */
export function rotationStatus(facts: RotationFacts, policy: RotationPolicy, now: number): RotationStatus {
  const due = rotateByOf(facts, policy);
  const lead = policy.reminderLeadDays;
  if (now < addDays(due, -lead)) return 'ok';
  if (now < due) return 'due-soon';
  // A zero lead time still leaves one day of "due" before "overdue".
  if (now < addDays(due, Math.max(1, lead))) return 'due';
  return 'overdue';
}

/** none (never expires) → ok → soon (within the lead time) → expired. */
export function expiryStatus(facts: RotationFacts, policy: RotationPolicy, now: number): ExpiryStatus {
  if (facts.expiresAt === null) return 'none';
  if (now >= facts.expiresAt) return 'expired';
  return now >= addDays(facts.expiresAt, -policy.reminderLeadDays) ? 'soon' : 'ok';
}

/** The expiry reminder stage: 14, 7 and 1 day(s) before `expiresAt` (same wall-clock time), then expired. */
export function expiryStage(expiresAt: number | null, now: number): ExpiryStage {
  if (expiresAt === null) return 'none';
  if (now >= expiresAt) return 'expired';
  if (now >= addDays(expiresAt, -1)) return 'in1';
  if (now >= addDays(expiresAt, -7)) return 'in7';
  if (now >= addDays(expiresAt, -14)) return 'in14';
  return 'ok';
}

export type SnoozeLength = 'day' | 'week';

/** Until when a reminder snoozed at `now` stays quiet: one or seven calendar days later. */
export function snoozeUntil(now: number, length: SnoozeLength): number {
  return addDays(now, length === 'day' ? 1 : 7);
}

/** Whole days since `createdAt` (0 on the first day). */
export function ageDays(createdAt: number, now: number): number {
  return Math.max(0, Math.floor((now - createdAt) / DAY_MS));
}

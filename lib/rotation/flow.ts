/**
 * The guided rotation: DocBits has no "regenerate", so rotating is create a new key → switch the
 * integrations → see the new key used → revoke the old one. KeyGuard keeps one progress record per old
 * entry and advances it from what DocBits' key table shows (observed facts, read also while locked).
 *
 * Progress is kept in `storage.local` (key `rotations`) as clear-text facts keyed by entry id: ids, hosts
 * and times only, never a name or a secret. Not in the vault, because the page's table moves a rotation on
 * while the vault is locked (the new key's first use, the old key revoked) and that must not be lost; the
 * entries themselves record the steps that change them (successor linked, state rotating/retired) in their
 * encrypted history when the vault is open.
 */

import type { KeyValueArea } from '../settings';
import type { Observed } from '../vault/model';
import { addDays, DAY_MS } from './schedule';

export const ROTATIONS_KEY = 'rotations';
/** A completed rotation stays listed (checklist all ticked) for this long, then is forgotten. */
export const COMPLETED_KEEP_MS = DAY_MS;

export interface RotationRecord {
  oldId: string;
  host: string;
  startedAt: number;
  /** The captured successor, null until the new key is saved to KeyGuard. */
  newId: string | null;
  /** When the page first showed a "Last used" for the new key. */
  newUsedAt: number | null;
  /** The old key's "Last used" at that moment (null: never used); a later value means it is still used. */
  oldLastUsedBaseline: number | null;
  /** The old key's "Last used" already warned about (one warning per movement). */
  warnedLastUsed: number | null;
  completedAt: number | null;
}

export type RotationEvent = 'newKeyUsed' | 'oldKeyStillUsed' | 'completed';

export type RotationStep = 'create' | 'use' | 'revoke' | 'done';

export function stepOf(r: RotationRecord): RotationStep {
  if (r.completedAt !== null) return 'done';
  if (r.newId === null) return 'create';
  if (r.newUsedAt === null) return 'use';
  return 'revoke';
}

export function newRotation(oldId: string, host: string, now: number): RotationRecord {
  return {
    oldId,
    host,
    startedAt: now,
    newId: null,
    newUsedAt: null,
    oldLastUsedBaseline: null,
    warnedLastUsed: null,
    completedAt: null,
  };
}

/**
 * Moves a rotation on from what the table shows for the old and the new key. Pure: returns the next record
 * and the events that happened (each at most once: the record remembers what was already seen).
 */
export function advance(
  r: RotationRecord,
  oldSeen: Observed | undefined,
  newSeen: Observed | undefined,
  now: number,
): { record: RotationRecord; events: RotationEvent[] } {
  if (r.completedAt !== null) return { record: r, events: [] };
  const next = { ...r };
  const events: RotationEvent[] = [];
  const oldUsed = typeof oldSeen?.lastUsedAt === 'number' ? oldSeen.lastUsedAt : null;
  if (next.newId !== null && next.newUsedAt === null && typeof newSeen?.lastUsedAt === 'number') {
    next.newUsedAt = now;
    next.oldLastUsedBaseline = oldUsed;
    events.push('newKeyUsed');
  } else if (
    next.newUsedAt !== null &&
    oldUsed !== null &&
    oldUsed > (next.oldLastUsedBaseline ?? Number.NEGATIVE_INFINITY) &&
    oldUsed !== next.warnedLastUsed
  ) {
    next.warnedLastUsed = oldUsed;
    events.push('oldKeyStillUsed');
  }
  if (oldSeen?.status === 'revoked') {
    next.completedAt = now;
    events.push('completed');
  }
  return { record: next, events };
}

const isRecord = (v: unknown): v is RotationRecord => {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const numOrNull = (x: unknown) => x === null || (typeof x === 'number' && Number.isFinite(x));
  return (
    typeof r.oldId === 'string' &&
    typeof r.host === 'string' &&
    typeof r.startedAt === 'number' &&
    (r.newId === null || typeof r.newId === 'string') &&
    ['newUsedAt', 'oldLastUsedBaseline', 'warnedLastUsed', 'completedAt'].every((k) => numOrNull(r[k]))
  );
};

/** The stored rotations by old entry id (damaged records are dropped; old completed ones forgotten). */
export async function loadRotations(area: KeyValueArea, now: number): Promise<Map<string, RotationRecord>> {
  const raw = (await area.get(ROTATIONS_KEY))[ROTATIONS_KEY];
  const out = new Map<string, RotationRecord>();
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [id, r] of Object.entries(raw)) {
    if (!isRecord(r) || r.oldId !== id) continue;
    if (r.completedAt !== null && now - r.completedAt > COMPLETED_KEEP_MS) continue;
    out.set(id, r);
  }
  return out;
}

export async function saveRotations(
  area: KeyValueArea,
  rotations: Map<string, RotationRecord>,
): Promise<void> {
  await area.set({ [ROTATIONS_KEY]: Object.fromEntries(rotations) });
}

/**
 * The name suggested for the successor: "NAME (rotated DATE)", with an earlier "(rotated …)" suffix
 * replaced rather than stacked. DATE is the local day as YYYY-MM-DD (unambiguous in every language).
 */
export function suggestedName(
  name: string,
  now: number,
  template: (name: string, date: string) => string,
): string {
  const base = name.replace(/\s*\([^()]*\d{4}-\d{2}-\d{2}\)$/, '');
  const d = new Date(now);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return template(base, date).slice(0, 200);
}

/**
 * The old key's expiry policy as a number of days for the new key (same lifetime), or null when it never
 * expired. DocBits offers 30/90/365 days: a lifetime within a day of one of those is that choice.
 */
export function suggestedExpiryDays(createdAt: number, expiresAt: number | null): number | null {
  if (expiresAt === null) return null;
  const days = Math.max(1, Math.round((expiresAt - createdAt) / DAY_MS));
  for (const choice of [30, 90, 365]) if (Math.abs(days - choice) <= 1) return choice;
  return days;
}

/** The successor's expiry date under the suggested policy, from `now`. */
export function suggestedExpiry(days: number | null, now: number): number | null {
  return days === null ? null : addDays(now, days);
}

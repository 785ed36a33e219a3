/**
 * The key-hygiene report: what DocBits' own advice (an expiry on every key, one key per integration,
 * revoke what is not needed, rotate regularly) finds wrong with the keys KeyGuard knows. Pure: computed
 * from the clear index (what DocBits' table last showed included) and, when the vault is open, names.
 */

import type { IndexRecord } from '../vault/model';
import { expiresAtOf } from './reminders';
import { DAY_MS, type RotationPolicy, rotationStatus } from './schedule';

export const UNUSED_DAYS = 30;

export const FINDING_KINDS = [
  'retired-active',
  'past-age',
  'no-expiry',
  'unused',
  'never-used',
  'duplicate-name',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** What fixes a finding: start a guided rotation, or go to DocBits (revoke there); null = no button. */
export type FindingAction = 'rotate' | 'open' | null;

export interface Finding {
  kind: FindingKind;
  entryId: string;
  host: string;
  prefix: string;
  action: FindingAction;
}

const ACTION: Record<FindingKind, FindingAction> = {
  'retired-active': 'open',
  'past-age': 'rotate',
  'no-expiry': 'rotate',
  unused: 'open',
  'never-used': 'open',
  'duplicate-name': 'open',
};

const fold = (s: string) => s.normalize('NFKC').trim().toLowerCase();

/**
 * Every finding, most serious kind first. `names` (entry id → name, vault open) enables the duplicate-name
 * check; without it the rest still works while locked. A key being rotated is not told to rotate; a key
 * created less than a day ago is not "never used" yet.
 */
export function hygieneFindings(
  records: readonly IndexRecord[],
  policy: RotationPolicy,
  now: number,
  names?: ReadonlyMap<string, string> | null,
): Finding[] {
  const out: Finding[] = [];
  const add = (kind: FindingKind, r: IndexRecord) =>
    out.push({ kind, entryId: r.id, host: r.host, prefix: r.prefix, action: ACTION[kind] });
  const byName = new Map<string, IndexRecord[]>();
  for (const r of records) {
    const seen = r.observed;
    if (r.state === 'retired') {
      if (seen?.status === 'active') add('retired-active', r);
      continue;
    }
    if (seen?.status === 'revoked') continue;
    const expiresAt = expiresAtOf(r);
    if (r.state === 'active') {
      const rotation = rotationStatus(
        { createdAt: r.createdAt, expiresAt, rotateBy: r.rotateBy },
        policy,
        now,
      );
      if (rotation === 'due' || rotation === 'overdue') add('past-age', r);
      // Unknown when the page's Expires cell could not be read.
      if (expiresAt === null && (!seen || seen.expiresAt === null)) add('no-expiry', r);
    }
    if (seen?.lastUsedAt === null && now - r.createdAt >= DAY_MS) add('never-used', r);
    else if (typeof seen?.lastUsedAt === 'number' && now - seen.lastUsedAt >= UNUSED_DAYS * DAY_MS)
      add('unused', r);
    const name = names?.get(r.id);
    if (name !== undefined) {
      const key = `${r.host}\n${r.orgId ?? ''}\n${fold(name)}`;
      byName.set(key, [...(byName.get(key) ?? []), r]);
    }
  }
  for (const group of byName.values()) if (group.length > 1) for (const r of group) add('duplicate-name', r);
  const rank = (k: FindingKind) => FINDING_KINDS.indexOf(k);
  return out.sort((a, b) => rank(a.kind) - rank(b.kind));
}

/**
 * The popup list's view model: which badges an entry gets, the list order, and the search. Pure functions
 * over entry summaries so the list can compute them once per load (or once per query) and rows stay cheap.
 */

import { tOnce } from '../../lib/i18n';
import { DAY_MS, expiryStatus, type RotationPolicy, rotationStatus } from '../../lib/rotation/schedule';
import type { ListRow } from '../../lib/vault/list-cache';

export type BadgeKind = 'due-soon' | 'due' | 'overdue' | 'expiring' | 'expired' | 'retired' | 'rotating';

/** An entry as the list shows it: the summary plus what is derived from it once per load. */
export interface KeyItem {
  entry: ListRow;
  badges: BadgeKind[];
  /** Retired entries are listed after the others, dimmed. */
  retired: boolean;
}

/** How serious a badge is: drives its colour (`warn` amber, `alert` red, `info` neutral). */
export const BADGE_TONE: Record<BadgeKind, 'info' | 'warn' | 'alert'> = {
  'due-soon': 'info',
  due: 'warn',
  overdue: 'alert',
  expiring: 'warn',
  expired: 'alert',
  retired: 'info',
  rotating: 'info',
};

export function badgeText(kind: BadgeKind): string {
  switch (kind) {
    case 'due-soon':
      return tOnce('rotationDueSoon');
    case 'due':
      return tOnce('rotationDue');
    case 'overdue':
      return tOnce('rotationOverdue');
    case 'expiring':
      return tOnce('expiresSoon');
    case 'expired':
      return tOnce('expired');
    case 'retired':
      return tOnce('retired');
    case 'rotating':
      return tOnce('popupRotating');
  }
}

/**
 * The badges of one entry under the user's rotation policy. A retired key is only "retired": reminding
 * to rotate or renew a key that is no longer used would be noise.
 */
export function badgesOf(entry: ListRow, policy: RotationPolicy, now: number): BadgeKind[] {
  if (entry.state === 'retired') return ['retired'];
  const facts = {
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    rotateBy: entry.rotateAfterDays === null ? null : entry.createdAt + entry.rotateAfterDays * DAY_MS,
  };
  const badges: BadgeKind[] = [];
  const expiry = expiryStatus(facts, policy, now);
  if (expiry === 'expired') badges.push('expired');
  else if (expiry === 'soon') badges.push('expiring');
  if (entry.state === 'rotating') badges.push('rotating');
  else {
    const rotation = rotationStatus(facts, policy, now);
    if (rotation !== 'ok') badges.push(rotation);
  }
  return badges;
}

/**
 * The list's items: active (and rotating) entries first, then retired ones, each group in the order
 * `entry.list` gives (by name, case- and accent-folded). No re-sort here: a collator costs ~25 ms to create
 * in a fresh page, a quarter of the popup's budget.
 */
export function toItems(entries: readonly ListRow[], policy: RotationPolicy, now: number): KeyItem[] {
  const active: KeyItem[] = [];
  const retired: KeyItem[] = [];
  for (const entry of entries) {
    const item = { entry, badges: badgesOf(entry, policy, now), retired: entry.state === 'retired' };
    (item.retired ? retired : active).push(item);
  }
  return active.concat(retired);
}

/** Lower case without diacritics ("Zürich" → "zurich", "Ørsted" stays "ørsted"), for matching only. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The text a query is matched against: name, organisation, host and prefix, folded. */
export function haystackOf(entry: ListRow): string {
  return fold([entry.name, entry.orgId ?? '', entry.host, entry.prefix].join('\n'));
}

/**
 * The items matching `query`: every whitespace-separated word must occur in the name, organisation, host or
 * prefix (case- and diacritics-insensitive). `haystacks` is parallel to `items`.
 */
export function filterItems(items: KeyItem[], haystacks: readonly string[], query: string): KeyItem[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return items;
  return items.filter((_, i) => {
    const hay = haystacks[i] ?? '';
    return words.every((w) => hay.includes(w));
  });
}

/** The prefix as DocBits shows it: what is known of the key, then an ellipsis; empty when unknown. */
export function shownPrefix(prefix: string): string {
  return prefix ? `${prefix}…` : '';
}

/** `https://HOST/settings/integration`: DocBits' API-key page for the entry's host. */
export function apiKeysUrl(host: string): string {
  return `https://${host}/settings/integration`;
}

export function environmentText(env: ListRow['environment']): string {
  return env === 'production'
    ? tOnce('popupEnvProduction')
    : env === 'sandbox'
      ? tOnce('popupEnvSandbox')
      : tOnce('popupEnvOther');
}

/** Row heights in px, matching theme.css (`.key-row`, `.key-row.tall`): the list is windowed on them. */
export const ROW_HEIGHT = 48;
export const TALL_ROW_HEIGHT = 70;

export function rowHeight(item: KeyItem): number {
  return item.badges.length > 0 ? TALL_ROW_HEIGHT : ROW_HEIGHT;
}

/** Top offsets of each row, plus the total height at the end (`offsets[n]`). */
export function rowOffsets(items: readonly KeyItem[]): Float64Array {
  const offsets = new Float64Array(items.length + 1);
  for (let i = 0; i < items.length; i++) offsets[i + 1] = (offsets[i] ?? 0) + rowHeight(items[i] as KeyItem);
  return offsets;
}

/** The index of the row containing pixel `y` (clamped to the list). */
export function rowAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  let lo = 0;
  let hi = n;
  // First offset greater than y, minus one.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((offsets[mid] ?? 0) <= y) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, Math.min(n - 1, lo - 1));
}

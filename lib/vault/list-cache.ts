/**
 * The popup's names-only list cache (issue #18, decision 3): what the unlocked popup's list shows — each
 * entry's name and the clear-index facts beside it, never a secret or a note — kept in `storage.session`
 * next to the data key, so the popup can read it directly when it opens and render before the background
 * answers. Same exposure as the key it sits beside: in memory only, trusted contexts only (the background
 * sets that access level), gone when the browser restarts. Never in `storage.local`.
 *
 * The background writes it after every change of the list (create, unlock, add, update, remove, import)
 * and removes it on every kind of lock: everything that drops the data key drops the cache with it
 * ({@link clearingListCache}), and a removal of the key seen in the area does too ({@link keyRemoved}).
 * The popup treats it as a first guess only: the background's answer confirms it or replaces it.
 *
 * Pure: the storage area and the list come in as parameters. The popup imports the reading side, so this
 * module imports types only.
 */
import type { EntrySummary } from './model';

/**
 * The rotation policy the rows' badges follow: the two numbers of the settings that `RotationPolicy`
 * (lib/rotation/schedule.ts) is made of. Spelled out here, as the vault imports no other area.
 */
export interface ListPolicy {
  rotationDays: number;
  reminderLeadDays: number;
}

/** Storage key of the cache (the whole list) in `storage.session`. */
export const LIST_CACHE_KEY = 'keyguard.listCache';
/**
 * Storage key of the list's head: its first {@link HEAD_ROWS} rows, its length, and the rotation policy the
 * rows' badges follow. Reading 1,000 rows out of storage.session takes the browser tens of milliseconds
 * here; the popup's first screen needs a dozen, so it reads the head first, shows it, and reads the rest
 * after that. The policy (two numbers from the settings) is in it so that the first screen waits for this
 * one read only: reading the settings from `storage.local` beside it made the popup 1.3 ms slower to be
 * ready (issue #18), as that area answers later.
 */
export const LIST_HEAD_KEY = 'keyguard.listHead';
/** More than the popup's first screen shows (its box holds 7–8 rows, plus the rows rendered around them). */
export const HEAD_ROWS = 24;

/** What the popup's list needs of an entry; all the cache holds per entry. */
export type ListRow = Pick<
  EntrySummary,
  | 'id'
  | 'name'
  | 'host'
  | 'orgId'
  | 'environment'
  | 'prefix'
  | 'createdAt'
  | 'expiresAt'
  | 'rotateAfterDays'
  | 'state'
>;

/** The cache's format version: a popup that finds another one ignores the cache and waits. */
const VERSION = 2;

type Packed = [
  string,
  string,
  string,
  string | null,
  ListRow['environment'],
  string,
  number,
  number | null,
  number | null,
  ListRow['state'],
];

/**
 * The stored value: one JSON string of one array per entry, in the list's order. One string crosses from
 * the storage area into the popup and is parsed in one go, which is much cheaper there than 1,000 objects
 * of ten fields each converted one by one.
 */
export function encodeListCache(rows: readonly ListRow[]): string {
  return JSON.stringify({ v: VERSION, rows: pack(rows) });
}

/** The head: the first {@link HEAD_ROWS} rows, how many rows the whole list has, and the rotation policy. */
export function encodeListHead(rows: readonly ListRow[], policy: ListPolicy): string {
  // Those two numbers only, whatever else the object passed in holds (it may be all the settings).
  const { rotationDays, reminderLeadDays } = policy;
  return JSON.stringify({
    v: VERSION,
    count: rows.length,
    rows: pack(rows.slice(0, HEAD_ROWS)),
    policy: { rotationDays, reminderLeadDays },
  });
}

/** What the popup's first screen needs: the first rows, the list's length, and the badges' policy. */
export interface ListHead {
  rows: ListRow[];
  count: number;
  policy: ListPolicy;
}

function pack(rows: readonly ListRow[]): Packed[] {
  return rows.map((r) => [
    r.id,
    r.name,
    r.host,
    r.orgId,
    r.environment,
    r.prefix,
    r.createdAt,
    r.expiresAt,
    r.rotateAfterDays,
    r.state,
  ]);
}

const isNumberOrNull = (v: unknown) => v === null || typeof v === 'number';
const isStringOrNull = (v: unknown) => v === null || typeof v === 'string';

/** The rows of a stored cache, or null when there is none or it is not one this version wrote. */
export function decodeListCache(raw: unknown): ListRow[] | null {
  return decode(raw)?.rows ?? null;
}

/** The first rows of the list, its length and the policy, or null (see {@link encodeListHead}). */
export function decodeListHead(raw: unknown): ListHead | null {
  const head = decode(raw);
  if (!head || typeof head.count !== 'number' || head.count < head.rows.length) return null;
  const { rotationDays, reminderLeadDays } = (head.policy ?? {}) as Partial<
    Record<keyof ListPolicy, unknown>
  >;
  if (!isDays(rotationDays) || !isDays(reminderLeadDays)) return null;
  return { rows: head.rows, count: head.count, policy: { rotationDays, reminderLeadDays } };
}

const isDays = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function decode(raw: unknown): { rows: ListRow[]; count?: unknown; policy?: unknown } | null {
  if (typeof raw !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const { v, rows, count, policy } = (parsed ?? {}) as {
    v?: unknown;
    rows?: unknown;
    count?: unknown;
    policy?: unknown;
  };
  if (v !== VERSION || !Array.isArray(rows)) return null;
  const out: ListRow[] = [];
  for (const p of rows as unknown[]) {
    if (!Array.isArray(p) || p.length !== 10) return null;
    const [id, name, host, orgId, environment, prefix, createdAt, expiresAt, rotateAfterDays, state] =
      p as unknown[];
    if (
      typeof id !== 'string' ||
      typeof name !== 'string' ||
      typeof host !== 'string' ||
      !isStringOrNull(orgId) ||
      typeof environment !== 'string' ||
      typeof prefix !== 'string' ||
      typeof createdAt !== 'number' ||
      !isNumberOrNull(expiresAt) ||
      !isNumberOrNull(rotateAfterDays) ||
      typeof state !== 'string'
    ) {
      return null;
    }
    out.push({
      id,
      name,
      host,
      orgId: orgId as string | null,
      environment: environment as ListRow['environment'],
      prefix,
      createdAt,
      expiresAt: expiresAt as number | null,
      rotateAfterDays: rotateAfterDays as number | null,
      state: state as ListRow['state'],
    });
  }
  return { rows: out, count, policy };
}

/** True when two lists show the same (the popup keeps what it shows when the background agrees). */
export function sameRows(a: readonly ListRow[], b: readonly ListRow[]): boolean {
  return a.length === b.length && encodeListCache(a) === encodeListCache(b);
}

/**
 * The toolbar popup's page while the cache is there: the background points the toolbar button at it
 * (`action.setPopup`), so the popup knows from its own URL, before any round trip, that the vault is
 * unlocked and the list is a storage read away. It then opens on the key list's frame (search box focused,
 * rows on their way) instead of a "Loading" line. Only a hint: the popup still reads the cache and asks
 * the background, and a stale hint costs a moment of skeleton, never a wrong list.
 */
export const POPUP_WITH_CACHE = '/popup.html?list=cached';
/** The toolbar popup's page while there is no cache (locked, or no vault): the manifest's own. */
export const POPUP_WITHOUT_CACHE = '/popup.html';

/** True when the popup was opened from {@link POPUP_WITH_CACHE} (`search` is `location.search`). */
export function openedWithCache(search: string): boolean {
  return new URLSearchParams(search).get('list') === 'cached';
}

/** The subset of a StorageArea (`browser.storage.session`) the cache uses. */
export interface ListCacheArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

/** The popup's side: the cached rows, or null (locked, never written, or unreadable). */
export async function readListCache(area: Pick<ListCacheArea, 'get'>): Promise<ListRow[] | null> {
  try {
    return decodeListCache((await area.get(LIST_CACHE_KEY))[LIST_CACHE_KEY]);
  } catch {
    return null;
  }
}

/** The popup's side, first: the list's head (see {@link LIST_HEAD_KEY}), or null. */
export async function readListHead(area: Pick<ListCacheArea, 'get'>): Promise<ListHead | null> {
  try {
    return decodeListHead((await area.get(LIST_HEAD_KEY))[LIST_HEAD_KEY]);
  } catch {
    return null;
  }
}

export interface ListCache {
  /**
   * Reads the list afresh and stores it. Calls that come while a write is under way share the one write
   * that starts after it, so a burst of changes costs two writes, not one per change. Resolves once the
   * cache holds a list read after the call (or is removed: when the list cannot be read, e.g. locked).
   * Never rejects.
   */
  refresh(): Promise<void>;
  /** Removes the cache; a write under way when it is called does not bring it back. */
  clear(): Promise<void>;
}

export interface ListCacheOptions {
  /** `browser.storage.session`; never `storage.local`. */
  area: ListCacheArea;
  /** The unlocked vault's list (`VaultService.list`); rejects while locked. */
  list: () => Promise<readonly ListRow[]>;
  /**
   * The rotation policy from the settings, for the head (see {@link LIST_HEAD_KEY}). The background calls
   * `refresh` after every change of the settings, so the head follows it.
   */
  policy: () => Promise<ListPolicy>;
  /** Told when a write or removal fails (the popup then just waits for the background). */
  onError?: (e: unknown) => void;
  /**
   * Told after every write (true) and removal (false) whether the cache is there now: the background
   * points the toolbar popup at {@link POPUP_WITH_CACHE} or {@link POPUP_WITHOUT_CACHE} with it.
   */
  onPresence?: (present: boolean) => void;
}

/** The background's side of the cache. */
export function createListCache({
  area,
  list,
  policy,
  onError = () => undefined,
  onPresence = () => undefined,
}: ListCacheOptions): ListCache {
  /** Bumped by every clear: a write that began before it must not land after it. */
  let generation = 0;
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;

  const remove = async () => {
    await area.remove([LIST_HEAD_KEY, LIST_CACHE_KEY]).catch(onError);
    onPresence(false);
  };

  async function write(): Promise<void> {
    const started = generation;
    let rows: readonly ListRow[];
    let rules: ListPolicy;
    try {
      [rows, rules] = await Promise.all([list(), policy()]);
    } catch {
      // Not readable (locked, or no vault): then there must be no cache either.
      await remove();
      return;
    }
    if (started !== generation) return;
    try {
      await area.set({
        [LIST_HEAD_KEY]: encodeListHead(rows, rules),
        [LIST_CACHE_KEY]: encodeListCache(rows),
      });
    } catch (e) {
      onError(e);
      return;
    }
    // A clear that came while the value was on its way: remove it again, after it.
    if (started !== generation) await remove();
    else onPresence(true);
  }

  function start(): Promise<void> {
    const run = write().finally(() => {
      if (running === run) running = null;
    });
    running = run;
    return run;
  }

  return {
    refresh() {
      if (next) return next;
      if (!running) return start();
      const queued = running.then(() => {
        next = null;
        return start();
      });
      next = queued;
      return queued;
    },
    async clear() {
      generation++;
      await remove();
    },
  };
}

/**
 * `session` (the data key's storage) whose `clear` — every lock, whatever its kind: the Lock button,
 * auto-lock, screen lock, browser start — removes the list cache as well, before the key.
 */
export function clearingListCache<S extends { clear(): Promise<void> }>(
  session: S,
  cache: Pick<ListCache, 'clear'>,
): S {
  return {
    ...session,
    clear: async () => {
      await cache.clear();
      await session.clear();
    },
  };
}

/** A `storage.onChanged` report in which the data key (stored under `keyName`) was removed. */
export function keyRemoved(
  changes: Record<string, { oldValue?: unknown; newValue?: unknown }>,
  areaName: string,
  keyName: string,
): boolean {
  const change = changes[keyName];
  // Browsers leave newValue out on a removal; WXT's fake browser sets it to null.
  return (
    areaName === 'session' &&
    change !== undefined &&
    (change.newValue === undefined || change.newValue === null)
  );
}

/**
 * `target` (the vault service) with its list-changing methods followed by `refresh`: the method's result
 * is returned once the cache holds the list it produced, so a popup opened right after a change finds it.
 * A failed refresh never fails the method (see {@link ListCache.refresh}).
 */
export function refreshingAfter<T extends object>(
  target: T,
  methods: readonly (keyof T & string)[],
  refresh: () => Promise<void>,
): T {
  const wrapped = new Set<PropertyKey>(methods);
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      if (!wrapped.has(prop)) return value.bind(obj);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(obj, args);
        await refresh();
        return result;
      };
    },
  });
}

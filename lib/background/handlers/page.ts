/**
 * The DocBits page: its key table's rows matched to the vault (and what they show recorded, rotations moved
 * on, revoked keys retired), the copy of a key the page itself shows, and the page's controls and unlock
 * window. The rows are the page's to forge, so they are rate-limited and tell it only about its own keys.
 */

import type { PageRow, RowMatch, RowsReply } from '../../messages';
import { cellDate } from '../../page/dates';
import { advance, loadRotations, type RotationRecord, saveRotations } from '../../rotation/flow';
import { hygieneFindings } from '../../rotation/hygiene';
import { expiryStatus, rotationStatus } from '../../rotation/schedule';
import { loadSettings, type Settings } from '../../settings';
import type { IndexRecord } from '../../vault/model';
import { type Handlers, RequestError } from '../router';
import type { HandlerDeps, VaultApi } from './deps';
import { createTabLimiter, displayedPrefix, type Shared, senderHost, viewOf } from './shared';

/**
 * How many `page.rows` one tab may send per window. The content script sends one per change of the key
 * table, a handful when the page loads or the user filters it; a page forging rows to flood the audit log
 * sends many more (issue 15, finding 1). Beyond the limit the request is refused, and recorded once.
 */
export const PAGE_ROWS_LIMIT = 120;
export const PAGE_ROWS_WINDOW_MS = 60_000;

type PageMessage = 'clipboard.copyPageKey' | 'page.rows' | 'ui.load' | 'ui.openUnlock';

/** Entries of the page's host and organisation (an entry without an org id matches any). */
function sameSite(records: IndexRecord[], host: string, orgId: string | null): IndexRecord[] {
  return records.filter((r) => r.host === host && (r.orgId === null || orgId === null || r.orgId === orgId));
}

/** A real table shows each key once: a prefix repeated in one message counts once (finding 1). */
function firstOfEachPrefix(rows: PageRow[]): PageRow[] {
  const firstRows = new Map<string, PageRow>();
  for (const row of rows) if (!firstRows.has(row.prefix)) firstRows.set(row.prefix, row);
  return [...firstRows.values()];
}

/** The entry a row shows: the live one when a retired one shares the prefix. */
function entryOfRow(records: IndexRecord[], prefix: string): IndexRecord | undefined {
  const candidates = records.filter((r) => r.prefix !== '' && r.prefix === prefix);
  return candidates.find((r) => r.state !== 'retired') ?? candidates[0];
}

/** What the page's rows were read with, the same for every row of one message. */
interface RowsContext {
  lang: string | undefined;
  at: number;
  unlocked: boolean;
  settings: Settings;
}

/** What the page learns of a matched row's entry: clear-index facts and their schedule. */
function rowEntry(
  rec: IndexRecord,
  state: IndexRecord['state'],
  { settings, at }: RowsContext,
): RowMatch['entry'] {
  const facts = { createdAt: rec.createdAt, expiresAt: rec.expiresAt, rotateBy: rec.rotateBy };
  return {
    id: rec.id,
    createdAt: rec.createdAt,
    expiresAt: rec.expiresAt,
    state,
    rotation: rotationStatus(facts, settings, at),
    expiry: expiryStatus(facts, settings, at),
  };
}

/**
 * Learns the DocBits prefix of entries without one (added by hand, or saved before KeyGuard stored it at
 * save time; needs the vault open). A row's prefix is taken only when it is exactly what DocBits shows for
 * the entry's key ({@link displayedPrefix}) and exactly one such entry has it: the page's rows are the
 * page's to forge, so anything looser is an oracle on the stored keys (issue 15, finding 2).
 */
async function learnPrefixes(vault: VaultApi, records: IndexRecord[], rows: PageRow[]): Promise<void> {
  const known = new Set(records.map((r) => r.prefix).filter(Boolean));
  const unknown = records.filter((r) => r.prefix === '' && r.state !== 'retired');
  if (unknown.length === 0) return;
  const shown = new Map<string, string[]>();
  for (const r of unknown) {
    const prefix = displayedPrefix((await vault.get(r.id)).secret);
    if (prefix !== '') shown.set(prefix, [...(shown.get(prefix) ?? []), r.id]);
  }
  for (const prefix of new Set(rows.map((row) => row.prefix))) {
    const ids = shown.get(prefix);
    if (known.has(prefix) || ids?.length !== 1) continue;
    const id = ids[0] as string;
    await vault.update(id, { prefix });
    known.add(prefix);
  }
}

/** The entries of the page's site, with the prefixes the rows teach while the vault is open. */
async function siteRecords(
  vault: VaultApi,
  host: string,
  orgId: string | null,
  unlocked: boolean,
  rows: PageRow[],
): Promise<IndexRecord[]> {
  const records = sameSite(await vault.listIndex(), host, orgId);
  if (!unlocked) return records;
  await learnPrefixes(vault, records, rows);
  return sameSite(await vault.listIndex(), host, orgId);
}

/**
 * Stores what a row shows of its entry. True when the row shows a key KeyGuard had retired whose "Last
 * used" moved: something still holds it (once per movement, as the new value is stored here and is the
 * next comparison's base).
 */
async function observeRow(
  vault: VaultApi,
  rec: IndexRecord,
  row: PageRow,
  { lang, at }: RowsContext,
): Promise<boolean> {
  if (row.status === 'unknown') return false;
  const lastUsedAt = cellDate(row.lastUsed ?? '', lang);
  const before = rec.observed?.lastUsedAt;
  const retiredUsed =
    rec.state === 'retired' &&
    typeof lastUsedAt === 'number' &&
    (before === null || (typeof before === 'number' && lastUsedAt > before));
  const observed = { status: row.status, expiresAt: cellDate(row.expires ?? '', lang), lastUsedAt, at };
  await vault.observe(rec.id, observed);
  // The next row's comparison starts from what was just stored.
  rec.observed = observed;
  return retiredUsed;
}

/** Matches each row to its entry, records what it shows and retires the keys it shows revoked. */
async function matchRows(vault: VaultApi, rows: PageRow[], records: IndexRecord[], rc: RowsContext) {
  const matches: RowMatch[] = [];
  const retiredUsed = new Set<string>();
  /** The entries the page's rows are about. */
  const shownIds = new Set<string>();
  for (const row of rows) {
    const rec = entryOfRow(records, row.prefix);
    if (!rec) {
      matches.push({ prefix: row.prefix, entry: null });
      continue;
    }
    shownIds.add(rec.id);
    if (await observeRow(vault, rec, row, rc)) retiredUsed.add(rec.id);
    let state = rec.state;
    if (row.status === 'revoked' && state !== 'retired' && rc.unlocked) {
      state = (await vault.update(rec.id, { state: 'retired' }, 'revoked on DocBits')).state;
    }
    matches.push({ prefix: row.prefix, entry: rowEntry(rec, state, rc) });
  }
  return { matches, retiredUsed, shownIds };
}

export function pageHandlers(
  deps: Pick<HandlerDeps, 'vault' | 'settingsArea' | 'injectPageUi' | 'openUnlockWindow'>,
  shared: Pick<Shared, 'now' | 'record' | 'recordOnce' | 'copy' | 'namesIfOpen'>,
): Pick<Handlers, PageMessage> {
  const { vault } = deps;
  const { now, record, recordOnce } = shared;
  const pageRowsAllowed = createTabLimiter(PAGE_ROWS_LIMIT, PAGE_ROWS_WINDOW_MS);

  /** Refuses a tab over its limit of key table updates, and records the flood once per window. */
  async function admitRows(host: string, tab: number): Promise<void> {
    if (pageRowsAllowed(tab, now())) return;
    await recordOnce(`anomaly.messageFlood:page.rows:${host}`, {
      type: 'anomaly.messageFlood',
      origin: 'docbits-page',
      host,
      detail: `key table updates refused: more than ${PAGE_ROWS_LIMIT} a minute from one tab`,
    });
    throw new RequestError('forbidden', 'Too many key table updates from this page');
  }

  /**
   * Moves every rotation of `host` on from the facts the page just showed: the new key's first use, the
   * old key still used afterwards (warned once per movement), the old key revoked (rotation complete).
   */
  async function advanceRotations(host: string, unlocked: boolean): Promise<RotationRecord[]> {
    const at = now();
    const rotations = await loadRotations(deps.settingsArea, at);
    const index = new Map((await vault.listIndex()).map((r) => [r.id, r]));
    let changed = false;
    for (const [id, r] of rotations) {
      if (r.host !== host) continue;
      const { record: next, events } = advance(
        r,
        index.get(r.oldId)?.observed,
        r.newId ? index.get(r.newId)?.observed : undefined,
        at,
      );
      if (events.length === 0) continue;
      changed = true;
      rotations.set(id, next);
      for (const event of events) {
        if (event === 'newKeyUsed') {
          await record({ type: 'rotation.newKeyUsed', entryId: r.newId ?? id, origin: 'docbits-page', host });
        } else if (event === 'oldKeyStillUsed') {
          await record({ type: 'rotation.oldKeyStillUsed', entryId: id, origin: 'docbits-page', host });
        } else {
          if (unlocked && index.get(id)?.state !== 'retired') {
            await vault.update(id, { state: 'retired' }, 'rotation completed: revoked on DocBits');
          }
          await record({ type: 'rotation.completed', entryId: id, origin: 'docbits-page', host });
        }
      }
    }
    if (changed) await saveRotations(deps.settingsArea, rotations);
    return [...rotations.values()].filter((r) => r.host === host);
  }

  return {
    'clipboard.copyPageKey': async ({ text }, ctx) => {
      const reply = await shared.copy(text);
      await record({
        type: 'entry.copied',
        origin: 'docbits-page',
        host: senderHost(ctx),
        detail: 'key shown on the page',
      });
      return reply;
    },
    'page.rows': async ({ orgId, lang, rows }, ctx): Promise<RowsReply> => {
      const host = senderHost(ctx);
      await admitRows(host, ctx.sender.tab?.id ?? -1);
      const shownRows = firstOfEachPrefix(rows);
      const settings = await loadSettings(deps.settingsArea);
      const unlocked = await vault.isUnlocked();
      const records = await siteRecords(vault, host, orgId, unlocked, shownRows);
      const at = now();
      const rc: RowsContext = { lang, at, unlocked, settings };
      const { matches, retiredUsed, shownIds } = await matchRows(vault, shownRows, records, rc);
      // An anomaly: the audit log raises its notification, like every other anomaly's. The page can move
      // "Last used" as often as it likes, so once per key per window (finding 1).
      for (const id of retiredUsed) {
        await recordOnce(`anomaly.retiredKeyUsed:${id}`, {
          type: 'anomaly.retiredKeyUsed',
          entryId: id,
          origin: 'docbits-page',
          host,
        });
      }
      const advanced = await advanceRotations(host, unlocked);
      // Without an organisation the page would see every tenant's keys on the host: it learns about the
      // entries its own rows show, and nothing else (issue 15, finding 8).
      const inScope = (id: string | null) => orgId !== null || (id !== null && shownIds.has(id));
      const index = sameSite(await vault.listIndex(), host, orgId).filter((r) => inScope(r.id));
      const rotations = advanced.filter((r) => inScope(r.oldId) || inScope(r.newId));
      const names = unlocked ? await shared.namesIfOpen() : null;
      // The old entry may just have been retired by a completed rotation.
      for (const m of matches) {
        const rec = m.entry && index.find((r) => r.id === m.entry?.id);
        if (m.entry && rec) m.entry.state = rec.state;
      }
      return {
        unlocked,
        rows: matches,
        rotations: rotations.map((r) => viewOf(r, index, names)),
        hygiene: hygieneFindings(index, settings, at, names),
      };
    },
    'ui.load': async (_, ctx) => {
      const tabId = ctx.sender.tab?.id;
      if (tabId === undefined) throw new RequestError('forbidden', 'Only a page in a tab gets controls');
      const { frameId = 0, documentId } = ctx.sender;
      await deps.injectPageUi(documentId ? { tabId, frameId, documentId } : { tabId, frameId });
      return null;
    },
    'ui.openUnlock': async () => {
      await deps.openUnlockWindow();
      return null;
    },
  };
}

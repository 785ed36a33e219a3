/**
 * Verify: decrypts every entry box and checks the clear index and the encrypted catalog against the
 * entries. Problems are named by entry id or as `catalog`, never by content.
 */
import { openCatalogById } from './catalog';
import { requireKey, type VaultContext } from './context';
import {
  type CatalogItem,
  type EntryBox,
  FormatError,
  indexRecordOf,
  openEntry,
  parseEntryBox,
  parseIndexRecord,
  SUMMARY_KEYS,
  summaryOf,
} from './format';
import type { Entry, IndexRecord } from './model';
import { isRecord, isUuid } from './validate';

export interface VerifyReport {
  ok: boolean;
  /** Number of stored entry boxes. */
  entries: number;
  /** One line per problem: entry id and reason. Never contains entry contents. */
  problems: string[];
}

const INDEX_FIELDS: readonly (keyof IndexRecord)[] = [
  'host',
  'orgId',
  'prefix',
  'createdAt',
  'expiresAt',
  'rotateBy',
  'state',
];

/** Names a stored record in a problem report, echoing only well-formed ids. */
function describeId(raw: unknown): string {
  return isRecord(raw) && isUuid(raw.id) ? raw.id : '(record without a valid id)';
}

/** The well-formed index records by id; each malformed one is a problem. */
function readIndex(records: readonly unknown[], problems: string[]): Map<string, IndexRecord> {
  const index = new Map<string, IndexRecord>();
  for (const raw of records) {
    try {
      const rec = parseIndexRecord(raw);
      index.set(rec.id, rec);
    } catch {
      problems.push(`${describeId(raw)}: malformed index record`);
    }
  }
  return index;
}

/** The stored catalog's items by id; null when there is none or (a problem) it does not open. */
function readCatalog(
  key: Uint8Array,
  vaultId: string,
  raw: unknown,
  problems: string[],
): Map<string, CatalogItem> | null {
  if (raw === undefined) return null;
  try {
    return openCatalogById(key, vaultId, raw);
  } catch (e) {
    problems.push(`catalog: ${e instanceof FormatError ? 'malformed' : 'does not decrypt'}`);
    return null;
  }
}

/** The problems of one opened entry against its catalog item (when there is a catalog) and index record. */
function entryProblems(
  entry: Entry,
  box: EntryBox,
  catalog: ReadonlyMap<string, CatalogItem> | null,
  index: ReadonlyMap<string, IndexRecord>,
): string[] {
  const problems: string[] = [];
  if (catalog) {
    const item = catalog.get(entry.id);
    if (!item) {
      problems.push(`${entry.id}: missing from the catalog`);
    } else {
      const expected = summaryOf(entry);
      const off: string[] = item.boxNonce === box.nonce ? [] : ['box'];
      for (const f of SUMMARY_KEYS) if (expected[f] !== item.summary[f]) off.push(f);
      if (off.length > 0) problems.push(`${entry.id}: catalog out of step (${off.join(', ')})`);
    }
  }
  const rec = index.get(entry.id);
  if (!rec) return [...problems, `${entry.id}: no index record`];
  const expected = indexRecordOf(entry);
  const off = INDEX_FIELDS.filter((f) => expected[f] !== rec[f]);
  if (off.length > 0) problems.push(`${entry.id}: index out of step (${off.join(', ')})`);
  return problems;
}

/** Opens every box and reports each problem with the boxes, the index and the catalog; see VaultService.verify. */
export async function verify(ctx: VaultContext): Promise<VerifyReport> {
  const { vaultId, key } = await requireKey(ctx);
  const [boxes, records, rawCatalog] = await Promise.all([
    ctx.store.listEntries(),
    ctx.store.listIndex(),
    ctx.store.getCatalog(),
  ]);
  const problems: string[] = [];
  const index = readIndex(records, problems);
  const catalog = readCatalog(key, vaultId, rawCatalog, problems);
  const boxIds = new Set<string>();
  for (const raw of boxes) {
    const id = describeId(raw);
    boxIds.add(id);
    let box: EntryBox;
    let entry: Entry;
    try {
      box = parseEntryBox(raw);
      entry = openEntry(key, vaultId, box);
    } catch (e) {
      problems.push(`${id}: ${e instanceof FormatError ? 'malformed box' : 'does not decrypt'}`);
      continue;
    }
    problems.push(...entryProblems(entry, box, catalog, index));
  }
  for (const id of index.keys()) {
    if (!boxIds.has(id)) problems.push(`${id}: index record without an entry`);
  }
  for (const id of catalog?.keys() ?? []) {
    if (!boxIds.has(id)) problems.push(`${id}: in the catalog without an entry`);
  }
  return { ok: problems.length === 0, entries: boxes.length, problems };
}

/**
 * The clear-text index: one record per entry with only what reminders and page matching need while the
 * vault is locked (host, org, prefix, dates, state), plus what the DocBits page last showed (`observed`).
 * Nothing here needs the data key.
 */
import { exclusive, readHeader, type VaultContext } from './context';
import { checkId, invalid, noSuchEntry, orCorrupt, VaultError } from './errors';
import { parseIndexRecord, parseObserved } from './format';
import type { IndexRecord, Observed } from './model';

/** Records what the DocBits key table showed for an entry, in its index record only. */
export function observe(ctx: VaultContext, id: string, observed: Observed): Promise<void> {
  return exclusive(ctx, async () => {
    if (!(await readHeader(ctx))) throw new VaultError('no-vault', 'No vault yet');
    checkId(id);
    let checked: Observed;
    try {
      checked = parseObserved(observed);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : 'observed is malformed');
    }
    const raw = await ctx.store.getIndexRecord(id);
    if (raw === undefined) throw noSuchEntry();
    const record = orCorrupt(() => parseIndexRecord(raw));
    if (JSON.stringify(record.observed) === JSON.stringify(checked)) return;
    await ctx.store.putIndexRecord({ ...record, observed: checked });
  });
}

/** The stored `observed` facts of an entry's index record, if any (a damaged record has none). */
async function observedOf(ctx: VaultContext, id: string): Promise<Observed | undefined> {
  const raw = await ctx.store.getIndexRecord(id);
  if (raw === undefined) return undefined;
  try {
    return parseIndexRecord(raw).observed;
  } catch {
    return undefined;
  }
}

/** `record` (fresh from an entry being written) with what the DocBits page last showed for that entry. */
export async function keepObserved(ctx: VaultContext, record: IndexRecord): Promise<IndexRecord> {
  // What the DocBits page last showed belongs to the index only; an entry write keeps it.
  const observed = await observedOf(ctx, record.id);
  if (observed) record.observed = observed;
  return record;
}

/** The well-formed index records; malformed ones are left out here and reported by verify. */
export async function listIndex(ctx: VaultContext): Promise<IndexRecord[]> {
  if (!(await readHeader(ctx))) return [];
  const out: IndexRecord[] = [];
  for (const raw of await ctx.store.listIndex()) {
    try {
      out.push(parseIndexRecord(raw));
    } catch {
      // Skipped; verify reports it.
    }
  }
  return out;
}

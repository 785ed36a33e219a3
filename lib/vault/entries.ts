/**
 * Entry operations: add, update, remove, get, and whole-vault export and import. Each write seals the
 * entry's box and writes it with its clear index record and its catalog item in one transaction.
 */
import { writeWithCatalog } from './catalog';
import { keepObserved } from './clear-index';
import { exclusive, requireKey, type VaultContext } from './context';
import { checkId, invalid, noSuchEntry, orCorrupt, VaultError } from './errors';
import { catalogItemOf, type EntryBox, indexRecordOf, openEntry, parseEntryBox, sealEntry } from './format';
import type { Entry, EntryPatch, HistoryEvent, IndexRecord, NewEntry } from './model';
import { ENTRY_CHECKS, ENTRY_LIMITS, entryProblem, isRecord } from './validate';

const NEW_ENTRY_KEYS: readonly (keyof NewEntry)[] = [
  'name',
  'secret',
  'host',
  'environment',
  'source',
  'notes',
  'orgId',
  'prefix',
  'createdAt',
  'expiresAt',
  'rotateAfterDays',
  'predecessorId',
];

const PATCH_KEYS: readonly (keyof EntryPatch)[] = [
  'name',
  'secret',
  'notes',
  'orgId',
  'environment',
  'prefix',
  'expiresAt',
  'rotateAfterDays',
  'state',
  'successorId',
  'predecessorId',
];

/** A caller's `value` as a record with only `allowed` fields; else 'invalid' (`what` must be an object). */
function fieldsOf(
  value: unknown,
  what: 'entry' | 'patch',
  allowed: readonly string[],
  unknownField: string,
): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(`${what} must be an object`);
  for (const k of Object.keys(value)) if (!allowed.includes(k)) throw invalid(unknownField);
  return value;
}

/** Parses and opens a stored box; any failure is the one generic 'corrupt' error. */
function openBox(key: Uint8Array, vaultId: string, raw: unknown): Entry {
  return orCorrupt(() => openEntry(key, vaultId, parseEntryBox(raw)));
}

/** Writes an entry's box, index record and catalog item together. Must run inside {@link exclusive}. */
async function write(ctx: VaultContext, key: Uint8Array, vaultId: string, entry: Entry): Promise<void> {
  const box = sealEntry(key, vaultId, entry);
  const record = await keepObserved(ctx, indexRecordOf(entry));
  await writeWithCatalog(
    ctx,
    key,
    vaultId,
    (items) => items.set(entry.id, catalogItemOf(entry, box.nonce)),
    (catalog) => ctx.store.putEntry(box, record, catalog),
  );
}

/** The entry `input` describes, with id, state 'active' and the 'created' event; not yet validated. */
function draftEntry(input: Record<string, unknown>, now: number): Record<string, unknown> {
  // Defaults apply only to absent fields; an explicit null or wrong type is validated, not replaced.
  const pick = (k: keyof NewEntry, fallback: unknown): unknown =>
    input[k] === undefined ? fallback : input[k];
  const name = input.name;
  const host = input.host;
  return {
    id: crypto.randomUUID(),
    name: typeof name === 'string' ? name.trim() : name,
    secret: input.secret,
    notes: pick('notes', ''),
    host: typeof host === 'string' ? host.toLowerCase() : host,
    orgId: pick('orgId', null),
    environment: input.environment,
    prefix: pick('prefix', ''),
    createdAt: pick('createdAt', now),
    expiresAt: pick('expiresAt', null),
    rotateAfterDays: pick('rotateAfterDays', null),
    state: 'active',
    source: input.source,
    successorId: null,
    predecessorId: pick('predecessorId', null),
    history: [{ at: now, event: 'created', detail: input.source }],
  };
}

/** Adds an entry; see VaultService.add. */
export function add(ctx: VaultContext, newEntry: NewEntry): Promise<Entry> {
  return exclusive(ctx, async () => {
    const { vaultId, key } = await requireKey(ctx);
    const input = fieldsOf(newEntry, 'entry', NEW_ENTRY_KEYS, 'entry has an unknown field');
    const entry = draftEntry(input, ctx.now());
    const problem = entryProblem(entry);
    if (problem) throw invalid(problem);
    // entryProblem has just checked every field.
    const valid = entry as unknown as Entry;
    await write(ctx, key, vaultId, valid);
    return valid;
  });
}

/** Entry `id` with the fields of `input` applied, and the names of those that changed. Validates each. */
function applyPatch(
  id: string,
  entry: Entry,
  input: Record<string, unknown>,
): { next: Entry; changed: string[] } {
  const next: Entry = { ...entry };
  const changed: string[] = [];
  for (const k of PATCH_KEYS) {
    let v = input[k];
    if (v === undefined) continue;
    if (k === 'name' && typeof v === 'string') v = v.trim();
    const problem = ENTRY_CHECKS[k](v);
    if (problem) throw invalid(problem);
    if ((k === 'successorId' || k === 'predecessorId') && v === id) {
      throw invalid(`${k} must not point to the entry itself`);
    }
    if (v !== entry[k]) {
      // ENTRY_CHECKS[k] has just validated v for field k.
      (next as unknown as Record<string, unknown>)[k] = v;
      changed.push(k);
    }
  }
  return { next, changed };
}

/** The history events for `changed` fields: 'updated' with their names, `state:<new>` with `reason`. */
function changeEvents(at: number, next: Entry, changed: string[], reason?: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const fields = changed.filter((k) => k !== 'state');
  if (fields.length > 0) events.push({ at, event: 'updated', detail: fields.join(',') });
  if (changed.includes('state')) {
    const event: HistoryEvent = { at, event: `state:${next.state}` };
    if (reason) event.detail = reason.slice(0, ENTRY_LIMITS.historyDetailMax);
    events.push(event);
  }
  return events;
}

/** Patches an entry and records the change in its history; see VaultService.update. */
export function update(ctx: VaultContext, id: string, patch: EntryPatch, reason?: string): Promise<Entry> {
  return exclusive(ctx, async () => {
    const { vaultId, key } = await requireKey(ctx);
    checkId(id);
    const input = fieldsOf(patch, 'patch', PATCH_KEYS, 'patch has an unknown or read-only field');
    const raw = await ctx.store.getEntry(id);
    if (raw === undefined) throw noSuchEntry();
    const entry = openBox(key, vaultId, raw);
    const { next, changed } = applyPatch(id, entry, input);
    if (changed.length === 0) return entry;
    next.history = [...entry.history, ...changeEvents(ctx.now(), next, changed, reason)];
    await write(ctx, key, vaultId, next);
    return next;
  });
}

/** Deletes an entry's box, index record and catalog item together, even a box that no longer opens. */
export function remove(ctx: VaultContext, id: string): Promise<void> {
  return exclusive(ctx, async () => {
    const { vaultId, key } = await requireKey(ctx);
    checkId(id);
    if ((await ctx.store.getEntry(id)) === undefined) throw noSuchEntry();
    await writeWithCatalog(
      ctx,
      key,
      vaultId,
      (items) => items.delete(id),
      (catalog) => ctx.store.deleteEntry(id, catalog),
      id,
    );
  });
}

/** One whole entry, opened from its own box. */
export async function get(ctx: VaultContext, id: string): Promise<Entry> {
  const { vaultId, key } = await requireKey(ctx);
  checkId(id);
  const raw = await ctx.store.getEntry(id);
  if (raw === undefined) throw noSuchEntry();
  return openBox(key, vaultId, raw);
}

/** Every entry, whole, each opened from its own box. */
export async function exportEntries(ctx: VaultContext): Promise<Entry[]> {
  const { vaultId, key } = await requireKey(ctx);
  const out: Entry[] = [];
  for (const raw of await ctx.store.listEntries()) out.push(openBox(key, vaultId, raw));
  return out;
}

/** Validates an import: every entry well formed, ids unique, `add` ids new and `replace` ids stored. */
async function checkImport(ctx: VaultContext, add: Entry[], replace: Entry[]): Promise<void> {
  const ids = new Set<string>();
  for (const [mode, list] of [
    ['add', add],
    ['replace', replace],
  ] as const) {
    for (const entry of list) {
      const problem = entryProblem(entry);
      if (problem) throw invalid(problem);
      if (ids.has(entry.id)) throw invalid('an entry id appears twice in the import');
      ids.add(entry.id);
      const exists = (await ctx.store.getEntry(entry.id)) !== undefined;
      if (mode === 'add' && exists) throw new VaultError('exists', 'An entry with this id exists');
      if (mode === 'replace' && !exists) throw noSuchEntry();
    }
  }
}

/** Writes imported entries in one transaction once all are checked; see VaultService.importEntries. */
export function importEntries(ctx: VaultContext, add: Entry[], replace: Entry[]): Promise<void> {
  return exclusive(ctx, async () => {
    const { vaultId, key } = await requireKey(ctx);
    await checkImport(ctx, add, replace);
    const all = [...add, ...replace];
    if (all.length === 0) return;
    const items: Array<{ entry: Entry; box: EntryBox; record: IndexRecord }> = [];
    for (const entry of all) {
      const box = sealEntry(key, vaultId, entry);
      items.push({ entry, box, record: await keepObserved(ctx, indexRecordOf(entry)) });
    }
    await writeWithCatalog(
      ctx,
      key,
      vaultId,
      (catalog) => {
        for (const { entry, box } of items) catalog.set(entry.id, catalogItemOf(entry, box.nonce));
      },
      (catalog) => ctx.store.putEntries(items, catalog),
    );
  });
}

/**
 * IndexedDB persistence for the vault (idb 8). It stores and returns records; it does not interpret them.
 * Reads return `unknown` on purpose: what comes off disk is validated by format.ts before use.
 *
 * The IDBFactory is passed in (the real `indexedDB` in the extension, fake-indexeddb's `IDBFactory` in
 * tests). idb's `wrap` recognises requests and transactions with `instanceof` against the global
 * `IDBRequest`/`IDBTransaction` classes, so outside a browser those globals must be installed too
 * (`import 'fake-indexeddb/auto'`); {@link openVaultStore} says so if they are missing.
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, wrap } from 'idb';
import {
  CATALOG_META_KEY,
  type CatalogBox,
  type EntryBox,
  type StoredVault,
  type VaultHeader,
} from './format';
import type { IndexRecord } from './model';

/**
 * IndexedDB schema version (of the object stores, not of the vault format). Steps: 1 = meta, entries,
 * index and `audit` (records written while the vault is locked, waiting to be sealed); 2 = `auditLog`, the
 * chained audit log keyed by its sequence number.
 */
export const DB_VERSION = 2;

/**
 * A catalog to write, and the stored catalog it must replace, named by its nonce (every seal has a fresh
 * one); null when there must be no usable one (absent, or without a nonce). The write is refused with
 * {@link CatalogConflictError} when the stored catalog is not that one: compare-and-swap, so a writer whose
 * in-memory catalog is out of date (another service instance wrote meanwhile) cannot overwrite a newer one.
 */
export interface CatalogWrite {
  box: CatalogBox;
  replaces: string | null;
}

/** The stored catalog was not the one a {@link CatalogWrite} expected to replace; nothing was written. */
export class CatalogConflictError extends Error {
  constructor() {
    super('The stored catalog changed since it was read');
    this.name = 'CatalogConflictError';
  }
}

/** The nonce that names a raw stored catalog record for {@link CatalogWrite.replaces}, or null. */
export function storedCatalogNonce(raw: unknown): string | null {
  return typeof raw === 'object' && raw !== null && typeof (raw as { nonce?: unknown }).nonce === 'string'
    ? (raw as { nonce: string }).nonce
    : null;
}

/**
 * A record in the `audit` store: an audit event written while the vault was locked, waiting to be sealed
 * into the chain at the next unlock. lib/audit/events defines its content (a box sealed to the audit public key);
 * the store does not interpret it.
 */
export type AuditRecord = Record<string, unknown>;

/** A record of the chained audit log (`auditLog`), keyed by `seq`; lib/audit/chain.ts defines the rest. */
export interface AuditLogRecord {
  seq: number;
  [field: string]: unknown;
}

/** One atomic change to the audit log; see {@link VaultStore.writeAudit}. */
export interface AuditWrite {
  /** Chain records to add (keyed by their `seq`). */
  put?: AuditLogRecord[];
  /** Keys of locked-time records (the `audit` store) now sealed into the chain. */
  deletePending?: number[];
  /** Drops every chain record with `seq` up to and including this one (retention). */
  dropThrough?: number;
  /** Meta values to write (e.g. the chain head, the retention checkpoint); `undefined` deletes. */
  meta?: Record<string, unknown>;
  /** Empties the chain and the locked-time records first (a new vault starts a new log). */
  reset?: boolean;
}

interface KeyGuardDB extends DBSchema {
  meta: { key: string; value: unknown };
  entries: { key: string; value: EntryBox };
  index: { key: string; value: IndexRecord; indexes: { host: string } };
  audit: { key: number; value: AuditRecord };
  auditLog: { key: number; value: AuditLogRecord };
}

/** Persistence operations the vault service needs. Every write resolves only once it is committed. */
export interface VaultStore {
  /** The raw stored header, or undefined when there is no vault. Validate with `parseHeader`. */
  getHeader(): Promise<unknown>;
  putHeader(header: VaultHeader): Promise<void>;
  /**
   * Starts a new vault: removes any leftover entries and index records and writes the header and the
   * (empty) catalog, all in one transaction, so a new vault never inherits boxes or a catalog it cannot
   * open.
   */
  initVault(header: VaultHeader, catalog: CatalogBox): Promise<void>;
  getMeta(key: string): Promise<unknown>;
  putMeta(key: string, value: unknown): Promise<void>;
  deleteMeta(key: string): Promise<void>;
  /**
   * Writes an entry's box, its index record and the catalog in one transaction.
   *
   * @throws CatalogConflictError (writing nothing) when the stored catalog is not `catalog.replaces`.
   */
  putEntry(box: EntryBox, record: IndexRecord, catalog: CatalogWrite): Promise<void>;
  /** Many entries (an import) in one transaction with the catalog: all or nothing. */
  putEntries(items: Array<{ box: EntryBox; record: IndexRecord }>, catalog: CatalogWrite): Promise<void>;
  /**
   * Deletes an entry's box and index record and writes the catalog in one transaction.
   *
   * @throws CatalogConflictError (writing nothing) when the stored catalog is not `catalog.replaces`.
   */
  deleteEntry(id: string, catalog: CatalogWrite): Promise<void>;
  /** The raw stored catalog, or undefined. Validate with `parseCatalogBox`. */
  getCatalog(): Promise<unknown>;
  /**
   * Writes the catalog alone (after rebuilding it from the boxes).
   *
   * @throws CatalogConflictError (writing nothing) when the stored catalog is not `catalog.replaces`.
   */
  putCatalog(catalog: CatalogWrite): Promise<void>;
  /** The raw stored box, or undefined. Validate with `parseEntryBox`. */
  getEntry(id: string): Promise<unknown>;
  listEntries(): Promise<unknown[]>;
  /** Raw index records. Validate with `parseIndexRecord`. */
  listIndex(): Promise<unknown[]>;
  /** Raw index records whose host equals `host` (uses the `host` index). */
  listIndexByHost(host: string): Promise<unknown[]>;
  /** The raw index record of one entry, or undefined. */
  getIndexRecord(id: string): Promise<unknown>;
  /**
   * Replaces one index record only (what the DocBits page showed, recorded while the vault may be
   * locked). Refuses a record whose entry does not exist, in the same transaction.
   */
  putIndexRecord(record: IndexRecord): Promise<void>;
  /** Appends an audit record and returns its key. */
  appendAudit(record: AuditRecord): Promise<number>;
  listAudit(): Promise<AuditRecord[]>;
  /** Locked-time audit records with their keys, oldest first. */
  listAuditPending(): Promise<Array<{ key: number; value: AuditRecord }>>;
  /** The chained audit log in `seq` order (raw; lib/audit/events validates). */
  listAuditLog(): Promise<AuditLogRecord[]>;
  /** How many chain records there are, and the first (oldest) one. */
  auditLogStats(): Promise<{ count: number; first: AuditLogRecord | undefined }>;
  /** Applies an {@link AuditWrite} in one transaction: all or nothing. */
  writeAudit(change: AuditWrite): Promise<void>;
  /** Everything in meta, entries and index as plain data (for migrations and fixtures). */
  dump(): Promise<StoredVault>;
  /** Replaces meta, entries and index with `stored` in one transaction. */
  replaceAll(stored: StoredVault): Promise<void>;
  /** Empties every object store (tests, and a deliberate "delete vault"). */
  clearAll(): Promise<void>;
  close(): void;
}

// Durability 'strict' asks the browser to flush to disk before reporting the transaction complete, so a
// write we acknowledge survives a crash. Browsers without the option ignore the dictionary.
const STRICT: IDBTransactionOptions = { durability: 'strict' };

/**
 * Opens (creating or upgrading as needed) the vault database.
 *
 * @param idbFactory where to open it: `indexedDB` in the extension, `new IDBFactory()` from fake-indexeddb
 *   in tests.
 */
export async function openVaultStore(idbFactory: IDBFactory, dbName = 'keyguard'): Promise<VaultStore> {
  if (typeof IDBRequest === 'undefined' || typeof IDBTransaction === 'undefined') {
    throw new Error(
      "IndexedDB classes are not global here; in Node import 'fake-indexeddb/auto' before opening the store",
    );
  }
  // idb's openDB always uses the global indexedDB, so open through the given factory and wrap the
  // request ourselves; the upgrade runs on the raw database, which is all schema creation needs.
  const request = idbFactory.open(dbName, DB_VERSION);
  request.addEventListener('upgradeneeded', (event) => {
    const db = request.result;
    if (event.oldVersion < 1) {
      db.createObjectStore('meta');
      db.createObjectStore('entries', { keyPath: 'id' });
      const index = db.createObjectStore('index', { keyPath: 'id' });
      index.createIndex('host', 'host');
      db.createObjectStore('audit', { autoIncrement: true });
    }
    if (event.oldVersion < 2) {
      db.createObjectStore('auditLog', { keyPath: 'seq' });
    }
  });
  const opened = await wrap(request);
  if (!opened) throw new Error('IndexedDB open returned no database');
  // wrap() cannot carry the schema type through; the upgrade above creates exactly KeyGuardDB.
  const db = opened as unknown as IDBPDatabase<KeyGuardDB>;
  // Let a newer version of the extension (another tab or worker) upgrade instead of being blocked by us.
  db.addEventListener('versionchange', () => db.close());
  return createStore(db);
}

/**
 * Issues a transaction's requests one by one and resolves once it has committed. If issuing one throws
 * synchronously (a value that cannot be cloned, a record without its key), the transaction is aborted:
 * otherwise the requests issued before the throw would still commit and a two-store write would be half
 * done. Requests are thunks so each one's promise is tracked before the next is issued.
 */
async function commit(
  tx: { abort(): void; done: Promise<void> },
  requests: (() => Promise<unknown>)[],
): Promise<void> {
  const ops: Promise<unknown>[] = [];
  try {
    for (const request of requests) ops.push(request());
  } catch (e) {
    tx.abort();
    await Promise.allSettled([...ops, tx.done]);
    throw e;
  }
  await Promise.all([...ops, tx.done]);
}

/**
 * Like {@link commit}, plus the catalog's compare-and-swap: reads the stored catalog in the same
 * transaction, aborts with {@link CatalogConflictError} when it is not the expected one, and otherwise
 * issues `requests` and the catalog put together.
 */
async function commitWithCatalog(
  tx: IDBPTransaction<KeyGuardDB, ('meta' | 'entries' | 'index')[], 'readwrite'>,
  catalog: CatalogWrite,
  requests: (() => Promise<unknown>)[],
): Promise<void> {
  const meta = tx.objectStore('meta');
  let stored: unknown;
  try {
    // Awaiting an IDB request keeps the transaction active for what follows (no other await in between).
    stored = await meta.get(CATALOG_META_KEY);
  } catch (e) {
    await tx.done.catch(() => undefined);
    throw e;
  }
  if (storedCatalogNonce(stored) !== catalog.replaces) {
    tx.abort();
    await tx.done.catch(() => undefined);
    throw new CatalogConflictError();
  }
  await commit(tx, [...requests, () => meta.put(catalog.box, CATALOG_META_KEY)]);
}

function createStore(db: IDBPDatabase<KeyGuardDB>): VaultStore {
  return {
    getHeader: () => db.get('meta', 'header'),

    async putHeader(header) {
      const tx = db.transaction('meta', 'readwrite', STRICT);
      await commit(tx, [() => tx.store.put(header, 'header')]);
    },

    async initVault(header, catalog) {
      const tx = db.transaction(['meta', 'entries', 'index'], 'readwrite', STRICT);
      await commit(tx, [
        () => tx.objectStore('entries').clear(),
        () => tx.objectStore('index').clear(),
        () => tx.objectStore('meta').put(header, 'header'),
        () => tx.objectStore('meta').put(catalog, CATALOG_META_KEY),
      ]);
    },

    getMeta: (key) => db.get('meta', key),

    async putMeta(key, value) {
      const tx = db.transaction('meta', 'readwrite', STRICT);
      await commit(tx, [() => tx.store.put(value, key)]);
    },

    async deleteMeta(key) {
      const tx = db.transaction('meta', 'readwrite', STRICT);
      await commit(tx, [() => tx.store.delete(key)]);
    },

    async putEntry(box, record, catalog) {
      if (box.id !== record.id) throw new Error('Entry box and index record ids differ');
      const tx = db.transaction(['meta', 'entries', 'index'], 'readwrite', STRICT);
      await commitWithCatalog(tx, catalog, [
        () => tx.objectStore('entries').put(box),
        () => tx.objectStore('index').put(record),
      ]);
    },

    async putEntries(items, catalog) {
      for (const { box, record } of items) {
        if (box.id !== record.id) throw new Error('Entry box and index record ids differ');
      }
      const tx = db.transaction(['meta', 'entries', 'index'], 'readwrite', STRICT);
      await commitWithCatalog(
        tx,
        catalog,
        items.flatMap(({ box, record }) => [
          () => tx.objectStore('entries').put(box),
          () => tx.objectStore('index').put(record),
        ]),
      );
    },

    async deleteEntry(id, catalog) {
      const tx = db.transaction(['meta', 'entries', 'index'], 'readwrite', STRICT);
      await commitWithCatalog(tx, catalog, [
        () => tx.objectStore('entries').delete(id),
        () => tx.objectStore('index').delete(id),
      ]);
    },

    getCatalog: () => db.get('meta', CATALOG_META_KEY),

    async putCatalog(catalog) {
      const tx = db.transaction(['meta', 'entries', 'index'], 'readwrite', STRICT);
      await commitWithCatalog(tx, catalog, []);
    },

    getEntry: (id) => db.get('entries', id),
    listEntries: () => db.getAll('entries'),
    listIndex: () => db.getAll('index'),
    listIndexByHost: (host) => db.getAllFromIndex('index', 'host', host),
    getIndexRecord: (id) => db.get('index', id),

    async putIndexRecord(record) {
      const tx = db.transaction(['entries', 'index'], 'readwrite', STRICT);
      // Awaiting the count keeps the transaction active for the put that follows.
      if ((await tx.objectStore('entries').count(record.id)) === 0) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw new Error('No such entry');
      }
      await commit(tx, [() => tx.objectStore('index').put(record)]);
    },

    async appendAudit(record) {
      const tx = db.transaction('audit', 'readwrite');
      let key = 0;
      await commit(tx, [
        async () => {
          key = await tx.store.add(record);
        },
      ]);
      return key;
    },

    listAudit: () => db.getAll('audit'),

    async listAuditPending() {
      const tx = db.transaction('audit', 'readonly');
      const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
      return keys.map((key, i) => ({ key, value: values[i] as AuditRecord }));
    },

    listAuditLog: () => db.getAll('auditLog'),

    async auditLogStats() {
      const tx = db.transaction('auditLog', 'readonly');
      const [count, cursor] = await Promise.all([tx.store.count(), tx.store.openCursor()]);
      const first = cursor?.value;
      await tx.done;
      return { count, first };
    },

    async writeAudit(change) {
      const tx = db.transaction(['auditLog', 'audit', 'meta'], 'readwrite', STRICT);
      const log = tx.objectStore('auditLog');
      const pending = tx.objectStore('audit');
      const meta = tx.objectStore('meta');
      await commit(tx, [
        ...(change.reset ? [() => log.clear(), () => pending.clear()] : []),
        ...(change.dropThrough !== undefined
          ? [() => log.delete(IDBKeyRange.upperBound(change.dropThrough as number))]
          : []),
        ...(change.deletePending ?? []).map((k) => () => pending.delete(k)),
        ...(change.put ?? []).map((r) => () => log.put(r)),
        ...Object.entries(change.meta ?? {}).map(
          ([k, v]) =>
            () =>
              v === undefined ? meta.delete(k) : meta.put(v, k),
        ),
      ]);
    },

    async dump() {
      const tx = db.transaction(['meta', 'entries', 'index'], 'readonly');
      const metaStore = tx.objectStore('meta');
      const [keys, values, entries, index] = await Promise.all([
        metaStore.getAllKeys(),
        metaStore.getAll(),
        tx.objectStore('entries').getAll(),
        tx.objectStore('index').getAll(),
        tx.done,
      ]);
      const meta: Record<string, unknown> = {};
      keys.forEach((k, i) => {
        meta[k] = values[i];
      });
      return { meta, entries, index };
    },

    async replaceAll(stored) {
      const tx = db.transaction(['meta', 'entries', 'index'], 'readwrite', STRICT);
      const meta = tx.objectStore('meta');
      const entries = tx.objectStore('entries');
      const index = tx.objectStore('index');
      await commit(tx, [
        () => meta.clear(),
        () => entries.clear(),
        () => index.clear(),
        ...Object.entries(stored.meta).map(
          ([k, v]) =>
            () =>
              meta.put(v, k),
        ),
        // The records are whatever the dump held; the reading side validates them.
        ...stored.entries.map((box) => () => entries.put(box as EntryBox)),
        ...stored.index.map((rec) => () => index.put(rec as IndexRecord)),
      ]);
    },

    async clearAll() {
      const tx = db.transaction(['meta', 'entries', 'index', 'audit', 'auditLog'], 'readwrite', STRICT);
      await commit(tx, [
        () => tx.objectStore('meta').clear(),
        () => tx.objectStore('entries').clear(),
        () => tx.objectStore('index').clear(),
        () => tx.objectStore('audit').clear(),
        () => tx.objectStore('auditLog').clear(),
      ]);
    },

    close: () => db.close(),
  };
}

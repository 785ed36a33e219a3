import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, openVaultStore } from '../../../lib/vault/store';

/** Creates a database exactly as schema version 1 did, with a header and a locked-time audit record. */
function makeV1(factory: IDBFactory): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.open('keyguard', 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('meta').put({ format: 1, vaultId: 'v' }, 'header');
      db.createObjectStore('entries', { keyPath: 'id' });
      db.createObjectStore('index', { keyPath: 'id' }).createIndex('host', 'host');
      db.createObjectStore('audit', { autoIncrement: true }).add({
        plain: { type: 'vault.unlockFailed', at: 1 },
      });
    };
    req.onsuccess = () => {
      req.result.close();
      resolve();
    };
    req.onerror = () => reject(req.error);
  });
}

describe('vault store schema 1 → 2 (audit log store)', () => {
  it('adds the chained audit log store and keeps everything already stored', async () => {
    expect(DB_VERSION).toBe(2);
    const factory = new IDBFactory();
    await makeV1(factory);
    const store = await openVaultStore(factory);
    expect(await store.getHeader()).toEqual({ format: 1, vaultId: 'v' });
    expect((await store.listAuditPending()).map((p) => p.value)).toEqual([
      { plain: { type: 'vault.unlockFailed', at: 1 } },
    ]);
    expect(await store.listAuditLog()).toEqual([]);
    await store.writeAudit({
      put: [{ seq: 1, at: 2 }],
      deletePending: [1],
      meta: { 'audit.head': { seq: 1 } },
    });
    expect(await store.listAuditLog()).toEqual([{ seq: 1, at: 2 }]);
    expect(await store.listAuditPending()).toEqual([]);
    expect(await store.auditLogStats()).toEqual({ count: 1, first: { seq: 1, at: 2 } });
    // A write that fails part-way changes nothing.
    await expect(store.writeAudit({ put: [{ seq: 2 }, { nope: 1 } as never] })).rejects.toThrow();
    expect(await store.listAuditLog()).toEqual([{ seq: 1, at: 2 }]);
  });
});

/**
 * Vault figures for `npm run bench` (design.md, "Performance budgets"), measured in Node with the real
 * VaultService on fake-indexeddb. Medians of 5 so one scheduling hiccup on the shared machine does not
 * decide the figure.
 */
import 'fake-indexeddb/auto';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { IDBFactory } from 'fake-indexeddb';
import { DEFAULT_KDF, deriveKey, type KdfCost, randomBytes } from '../../lib/vault/crypto';
import { CATALOG_META_KEY } from '../../lib/vault/format';
import { VaultService } from '../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../lib/vault/session';
import { openVaultStore } from '../../lib/vault/store';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  [k: string]: unknown;
}

const RUNS = 5;
// Bench-only password; never a real one.
const PASSWORD = 'bench-password-not-secret';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Measures and emits: `unlock_ms` (DEFAULT_KDF unlock through VaultService), `noble_unlock_ms` (the same
 * Argon2id in pure-JS @noble/hashes), `argon2_speed_ratio` (noble / hash-wasm), and for a vault of 1,000
 * entries:
 * - `vault_list_1000_ms`: list() on a NEW VaultService each time (what a service worker woken after its
 *   ~30 s idle stop does: nothing in memory), median of 5;
 * - `vault_list_1000_warm_ms`: a second list() on the same instance, median of 5;
 * - `vault_list_1000_rebuild_ms`: one cold list() with no stored catalog (a vault from before the catalog,
 *   or just migrated): every box decrypted once, then the catalog stored;
 * - `vault_write_1000_ms`: one update() (entry box + catalog re-sealed, one transaction) on an instance
 *   that holds the catalog, median of 5; `coldRuns` are first writes on new instances (catalog read,
 *   opened and checked against the boxes first).
 */
export async function benchVault(emit: (r: BenchResult) => void): Promise<void> {
  const kdf: KdfCost = { ...DEFAULT_KDF };

  // --- unlock with the default KDF ---------------------------------------------------------------------
  const store = await openVaultStore(new IDBFactory(), 'bench-unlock');
  const service = new VaultService({ store, session: createMemorySessionKeyStorage() });
  await service.create(PASSWORD);
  // One untimed derivation so wasm compilation is not billed to the first unlock.
  await deriveKey(PASSWORD, { alg: 'argon2id', ...kdf, salt: randomBytes(16) });
  const unlocks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await service.lock();
    unlocks.push(await time(() => service.unlock(PASSWORD)));
  }
  const unlockMs = median(unlocks);
  emit({ name: 'unlock_ms', value: round(unlockMs), unit: 'ms', runs: unlocks.map((x) => round(x)), kdf });
  store.close();

  // --- the same derivation in @noble/hashes -----------------------------------------------------------
  const salt = randomBytes(16);
  const pw = new TextEncoder().encode(PASSWORD);
  const nobleRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    nobleRuns.push(
      await time(() =>
        nobleArgon2id(pw, salt, { t: kdf.iterations, m: kdf.memoryKiB, p: kdf.parallelism, dkLen: 32 }),
      ),
    );
  }
  const nobleMs = median(nobleRuns);
  emit({
    name: 'noble_unlock_ms',
    value: round(nobleMs),
    unit: 'ms',
    runs: nobleRuns.map((x) => round(x)),
    kdf,
  });
  emit({ name: 'argon2_speed_ratio', value: round(nobleMs / unlockMs, 2), unit: 'x' });

  // --- list() on 1,000 entries ----------------------------------------------------------------------------
  // A small KDF here: only list() is measured, and the vault's KDF does not affect it.
  const small: KdfCost = { memoryKiB: 64, iterations: 1, parallelism: 1 };
  const listStore = await openVaultStore(new IDBFactory(), 'bench-list');
  const listSession = createMemorySessionKeyStorage();
  const listService = new VaultService({
    store: listStore,
    session: listSession,
    kdf: small,
    minKdf: small,
  });
  await listService.create(PASSWORD);
  for (let i = 0; i < 1000; i++) {
    await listService.add({
      name: `DocBits key ${String(i).padStart(4, '0')}`,
      secret: `bench_${i}_${'x'.repeat(48)}`,
      host: 'app.docbits.com',
      environment: i % 3 === 0 ? 'sandbox' : 'production',
      source: 'captured',
      notes: `Used by integration ${i}`,
      orgId: `org-${i % 7}`,
      prefix: 'dbk_live',
      expiresAt: i % 2 ? 1_900_000_000_000 + i : null,
      rotateAfterDays: i % 5 ? 90 : null,
    });
  }
  const newService = () =>
    new VaultService({ store: listStore, session: listSession, kdf: small, minKdf: small });
  const cold: number[] = [];
  const warm: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const service = newService();
    cold.push(
      await time(async () => {
        count = (await service.list()).length;
      }),
    );
    warm.push(await time(() => service.list()));
  }
  emit({
    name: 'vault_list_1000_ms',
    value: round(median(cold)),
    unit: 'ms',
    runs: cold.map((x) => round(x)),
    entries: count,
    cold: true,
  });
  emit({
    name: 'vault_list_1000_warm_ms',
    value: round(median(warm)),
    unit: 'ms',
    runs: warm.map((x) => round(x)),
    entries: count,
  });

  await listStore.deleteMeta(CATALOG_META_KEY);
  const rebuildService = newService();
  const rebuildMs = await time(async () => {
    count = (await rebuildService.list()).length;
  });
  emit({ name: 'vault_list_1000_rebuild_ms', value: round(rebuildMs), unit: 'ms', entries: count });

  const ids = (await listService.list()).map((e) => e.id);
  const writes: number[] = [];
  const coldWrites: number[] = [];
  // One untimed write first: listService's in-memory catalog predates the rebuild above.
  await listService.update(ids[0] as string, { notes: 'Bench edit' });
  for (let i = 0; i < RUNS; i++) {
    const id = ids[i * 101] as string;
    writes.push(await time(() => listService.update(id, { notes: `Bench edit ${i}` })));
  }
  // Separately: a write by another instance would make listService's next write reload the catalog.
  for (let i = 0; i < RUNS; i++) {
    const id = ids[i * 101] as string;
    const fresh = newService();
    coldWrites.push(await time(() => fresh.update(id, { notes: `Bench cold edit ${i}` })));
  }
  emit({
    name: 'vault_write_1000_ms',
    value: round(median(writes)),
    unit: 'ms',
    runs: writes.map((x) => round(x)),
    coldRuns: coldWrites.map((x) => round(x)),
    entries: ids.length,
  });
  listStore.close();
}

/**
 * Vault figures for `npm run bench` (design.md, "Performance budgets"), measured in Node with the real
 * VaultService on fake-indexeddb. Medians of 5 so one scheduling hiccup on the shared machine does not
 * decide the figure.
 */
import 'fake-indexeddb/auto';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { IDBFactory } from 'fake-indexeddb';
import { DEFAULT_KDF, deriveKey, type KdfCost, randomBytes } from '../../lib/vault/crypto';
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
 * Argon2id in pure-JS @noble/hashes), `argon2_speed_ratio` (noble / hash-wasm), `vault_list_1000_ms`
 * (list() of 1,000 entries; median of 5 calls, so it reflects the service's summary cache after the first
 * call) and `vault_list_1000_cold_ms` (the first, uncached call: every box decrypted).
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
  const listService = new VaultService({
    store: listStore,
    session: createMemorySessionKeyStorage(),
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
  const lists: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    lists.push(
      await time(async () => {
        count = (await listService.list()).length;
      }),
    );
  }
  emit({
    name: 'vault_list_1000_ms',
    value: round(median(lists)),
    unit: 'ms',
    runs: lists.map((x) => round(x)),
    entries: count,
  });
  emit({ name: 'vault_list_1000_cold_ms', value: round(lists[0] as number), unit: 'ms', entries: count });
  listStore.close();
}

/**
 * Shared setup for the vault tests. Secrets here are random per run and are compared without ever being
 * printed: assertions use booleans (`expect(a === b).toBe(true)`) wherever a failure diff would show one.
 */
// idb recognises IDB objects via the global classes; this installs fake-indexeddb's as globals.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { expect } from 'vitest';
import { base64ToBytes, bytesToBase64, type KdfCost } from '../../../lib/vault/crypto';
import type { Entry, NewEntry } from '../../../lib/vault/model';
import { VaultError, type VaultErrorCode, VaultService } from '../../../lib/vault/service';
import { createMemorySessionKeyStorage, type SessionKeyStorage } from '../../../lib/vault/session';
import { openVaultStore, type VaultStore } from '../../../lib/vault/store';

/** Tiny Argon2id cost so a derivation takes about a millisecond. */
export const FAST_KDF: KdfCost = { memoryKiB: 256, iterations: 1, parallelism: 1 };
/** The floor the tests lower MIN_KDF to, explicitly. */
export const TEST_FLOOR: KdfCost = { memoryKiB: 8, iterations: 1, parallelism: 1 };

export const PASSWORD = 'test master password';
export const T0 = 1_700_000_000_000;

/** A settable clock. */
export interface Clock {
  t: number;
  now: () => number;
}

export function makeClock(t = T0): Clock {
  const clock: Clock = { t, now: () => clock.t };
  return clock;
}

export interface Harness {
  store: VaultStore;
  session: SessionKeyStorage;
  clock: Clock;
  service: VaultService;
  factory: IDBFactory;
  /** A second service on the same store and session, as after a service-worker restart. */
  restart(): VaultService;
}

/** A fresh fake-IndexedDB factory, store, session and service with fast KDF parameters. */
export async function makeHarness(
  opts: Partial<ConstructorParameters<typeof VaultService>[0]> = {},
): Promise<Harness> {
  const factory = new IDBFactory();
  const store = await openVaultStore(factory);
  const session = createMemorySessionKeyStorage();
  const clock = makeClock();
  const build = () =>
    new VaultService({ store, session, now: clock.now, kdf: FAST_KDF, minKdf: TEST_FLOOR, ...opts });
  return { store, session, clock, factory, service: build(), restart: build };
}

/** A random secret-looking string, different every run. */
export function randomSecret(): string {
  return `dbk_${crypto.randomUUID().replaceAll('-', '')}`;
}

let counter = 0;

/** A valid NewEntry with a random secret. */
export function sampleEntry(overrides: Partial<NewEntry> = {}): NewEntry {
  counter++;
  return {
    name: `Key ${counter}`,
    secret: randomSecret(),
    host: 'app.docbits.com',
    environment: 'production',
    source: 'manual',
    ...overrides,
  };
}

/** Awaits `p`, expects a VaultError with `code`, and returns it. */
export async function expectVaultError(p: Promise<unknown>, code: VaultErrorCode): Promise<VaultError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected VaultError '${code}'`).toBeInstanceOf(VaultError);
  const err = caught as VaultError;
  expect(err.code).toBe(code);
  return err;
}

/** base64 of the decoded bytes with byte `i` XOR-ed with `mask`. */
export function flipByte(b64: string, i: number, mask = 0x01): string {
  const bytes = base64ToBytes(b64);
  bytes[i] = (bytes[i] as number) ^ mask;
  return bytesToBase64(bytes);
}

/**
 * Writes a box and its index record the way someone with write access to the profile's IndexedDB could:
 * the catalog stays exactly as it is.
 */
export async function rawPutEntry(store: VaultStore, box: unknown, record: unknown): Promise<void> {
  const id = (box as { id: unknown }).id;
  const dump = await store.dump();
  await store.replaceAll({
    ...dump,
    entries: [...dump.entries.filter((b) => (b as { id: unknown }).id !== id), box],
    index: [...dump.index.filter((r) => (r as { id: unknown }).id !== id), record],
  });
}

/** Compares two entries without letting a diff print either secret. */
export function expectSameEntry(actual: Entry, expected: Entry): void {
  expect(actual.secret === expected.secret, `secret of ${expected.id} differs`).toBe(true);
  const { secret: _a, ...restActual } = actual;
  const { secret: _e, ...restExpected } = expected;
  expect(restActual).toEqual(restExpected);
}

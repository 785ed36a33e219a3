import { describe, expect, it } from 'vitest';
import { bytesToBase64, randomBytes } from '../../../lib/vault/crypto';
import {
  createMemorySessionKeyStorage,
  createSessionKeyStorage,
  SESSION_KEY_NAME,
  type SessionArea,
} from '../../../lib/vault/session';

const VAULT = '0b4f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/** A StorageArea stand-in that, like the real one, only keeps JSON-compatible values. */
function fakeArea(): SessionArea & { raw: Map<string, string> } {
  const raw = new Map<string, string>();
  return {
    raw,
    async get(k) {
      const v = raw.get(k);
      return v === undefined ? {} : { [k]: JSON.parse(v) };
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) raw.set(k, JSON.stringify(v));
    },
    async remove(k) {
      raw.delete(k);
    },
  };
}

describe('createSessionKeyStorage', () => {
  it('stores the key as base64 under one name and reads it back', async () => {
    const area = fakeArea();
    const s = createSessionKeyStorage(area);
    expect(await s.get()).toBeNull();
    const key = randomBytes(32);
    await s.set({ vaultId: VAULT, key });
    const stored = JSON.parse(area.raw.get(SESSION_KEY_NAME) ?? 'null');
    expect(stored).toEqual({ vaultId: VAULT, key: bytesToBase64(key) });
    const got = await s.get();
    expect(got?.vaultId).toBe(VAULT);
    expect(bytesToBase64(got?.key ?? new Uint8Array())).toBe(bytesToBase64(key));
    await s.clear();
    expect(await s.get()).toBeNull();
    expect(area.raw.size).toBe(0);
  });

  it('treats anything malformed in the area as locked', async () => {
    const area = fakeArea();
    const s = createSessionKeyStorage(area);
    for (const v of [
      'x',
      { vaultId: VAULT },
      { vaultId: 'nope', key: bytesToBase64(randomBytes(32)) },
      { vaultId: VAULT, key: bytesToBase64(randomBytes(16)) },
      { vaultId: VAULT, key: 'not base64' },
    ]) {
      await area.set({ [SESSION_KEY_NAME]: v });
      expect(await s.get()).toBeNull();
    }
  });

  it('refuses to store something that is not a vault id and a 32-byte key', async () => {
    const s = createSessionKeyStorage(fakeArea());
    await expect(s.set({ vaultId: VAULT, key: randomBytes(16) })).rejects.toThrow(TypeError);
    await expect(s.set({ vaultId: 'x', key: randomBytes(32) })).rejects.toThrow(TypeError);
  });
});

describe('createMemorySessionKeyStorage', () => {
  it('copies keys in and out', async () => {
    const s = createMemorySessionKeyStorage();
    const key = randomBytes(32);
    const before = bytesToBase64(key);
    await s.set({ vaultId: VAULT, key });
    key.fill(0);
    const got = await s.get();
    expect(bytesToBase64(got?.key ?? new Uint8Array())).toBe(before);
    got?.key.fill(1);
    expect(bytesToBase64((await s.get())?.key ?? new Uint8Array())).toBe(before);
    await s.clear();
    expect(await s.get()).toBeNull();
  });
});

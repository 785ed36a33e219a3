/**
 * Where the unlocked data key lives between messages. In the extension that is `browser.storage.session`:
 * in memory only, cleared when the browser restarts, and (Chrome's default access level, which the
 * background keeps) readable by trusted extension contexts only, never by content scripts. It survives the
 * MV3 service worker being stopped and restarted, which an in-worker variable would not. Never
 * `storage.local`: that is written to disk.
 */
import { base64ToBytes, bytesToBase64, KEY_BYTES } from './crypto';
import { isRecord, isUuid } from './validate';

/** The unlocked vault's id and data key. */
export interface SessionKey {
  vaultId: string;
  key: Uint8Array;
}

export interface SessionKeyStorage {
  /** The stored key, or null when locked (or when what is stored is unusable). */
  get(): Promise<SessionKey | null>;
  set(v: SessionKey): Promise<void>;
  clear(): Promise<void>;
}

/** The subset of `browser.storage.session` (StorageArea) used here. */
export interface SessionArea {
  get(k: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(k: string): Promise<void>;
}

/** Storage key of the data key in the session area. */
export const SESSION_KEY_NAME = 'keyguard.vaultKey';

function checkKey(v: SessionKey): void {
  if (!isUuid(v.vaultId) || !(v.key instanceof Uint8Array) || v.key.length !== KEY_BYTES) {
    throw new TypeError('Session key must be a vault id and a 32-byte key');
  }
}

/**
 * Session key storage over a StorageArea (`browser.storage.session` in the extension). The key is stored
 * as base64 because storage areas hold JSON-compatible values only.
 */
export function createSessionKeyStorage(area: SessionArea): SessionKeyStorage {
  return {
    async get() {
      const items = await area.get(SESSION_KEY_NAME);
      const v = items[SESSION_KEY_NAME];
      if (!isRecord(v) || !isUuid(v.vaultId) || typeof v.key !== 'string') return null;
      try {
        const key = base64ToBytes(v.key);
        return key.length === KEY_BYTES ? { vaultId: v.vaultId, key } : null;
      } catch {
        return null;
      }
    },
    async set(v) {
      checkKey(v);
      await area.set({ [SESSION_KEY_NAME]: { vaultId: v.vaultId, key: bytesToBase64(v.key) } });
    },
    async clear() {
      await area.remove(SESSION_KEY_NAME);
    },
  };
}

/** In-memory session key storage for tests and benchmarks. Copies in and out, like a real area. */
export function createMemorySessionKeyStorage(): SessionKeyStorage {
  let held: SessionKey | null = null;
  return {
    async get() {
      return held && { vaultId: held.vaultId, key: held.key.slice() };
    },
    async set(v) {
      checkKey(v);
      held = { vaultId: v.vaultId, key: v.key.slice() };
    },
    async clear() {
      held = null;
    },
  };
}

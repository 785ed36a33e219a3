/**
 * The leak guard's detection. A vault secret is never handed to the guard script: the background keeps,
 * per key, a keyed fingerprint (HMAC-SHA256 with a random per-install salt, truncated to 128 bits) and the
 * key's length, and gives a page the fingerprints of the keys that must not be pasted there (keys of other
 * hosts; every key on an `http:` page). The guard splits pasted or dropped text into candidate tokens,
 * fingerprints only those whose length is that of some vault key, and compares. A page learns nothing it
 * could turn back into a key: the fingerprint of a random 30+ character key cannot be inverted or guessed.
 *
 * Synchronous on purpose: a paste can only be stopped before the page sees it from inside the event
 * handler, so WebCrypto's promise-based HMAC cannot be used there.
 *
 * The `lib/guard/` area: the leak guard's fingerprints and matcher (this file) and its page listeners
 * (page.ts). It imports itself, `lib/vault/crypto` and the shared files (docs/architecture.md).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytes, bytesToBase64, randomBytes, utf8Encode } from '../vault/crypto';

export const PRINT_BYTES = 16;
export const SALT_BYTES = 32;
/** Keys shorter than this are not guarded (too many innocent tokens would need fingerprinting). */
export const MIN_GUARDED_LENGTH = 12;

/** One key's fingerprint as the background stores it (no secret). */
export interface GuardPrint {
  id: string;
  host: string;
  length: number;
  fp: string;
}

/** What a page's guard receives. */
export interface GuardView {
  /** base64 salt of this install ('' when there is nothing to guard). */
  salt: string;
  prints: Array<{ id: string; fp: string }>;
  /** The lengths of those keys (only tokens of these lengths are fingerprinted). */
  lengths: number[];
  /** The page is plain `http:`: any vault key pasted here is warned about as insecure. */
  insecure: boolean;
}

/** A fingerprinting function for one salt (the HMAC's keyed state is computed once). */
export function createFingerprinter(salt: Uint8Array): (token: string) => string {
  const keyed = hmac.create(sha256, salt);
  return (token) => bytesToBase64(keyed.clone().update(utf8Encode(token)).digest().subarray(0, PRINT_BYTES));
}

export function newSalt(): string {
  return bytesToBase64(randomBytes(SALT_BYTES));
}

/** Fingerprints of the given keys (those long enough to guard). */
export function printsOf(
  entries: ReadonlyArray<{ id: string; host: string; secret: string }>,
  salt: string,
): GuardPrint[] {
  const fp = createFingerprinter(base64ToBytes(salt));
  return entries
    .filter((e) => e.secret.length >= MIN_GUARDED_LENGTH)
    .map((e) => ({ id: e.id, host: e.host, length: e.secret.length, fp: fp(e.secret) }));
}

/**
 * The fingerprints a page at `pageUrl` must watch for: on `http:` every key (insecure); on `https:` the
 * keys of other hosts, none when the host is on the allowlist; in a frame of no site (`null`: sandboxed,
 * data:) every key, as on a foreign site. Anything else (file:, unparsable) gets nothing.
 */
export function viewFor(
  prints: readonly GuardPrint[],
  salt: string,
  pageUrl: string | null,
  allowlist: readonly string[],
): GuardView {
  let url: URL | null = null;
  if (pageUrl !== null) {
    try {
      url = new URL(pageUrl);
    } catch {
      return { salt: '', prints: [], lengths: [], insecure: false };
    }
  }
  const insecure = url?.protocol === 'http:';
  let chosen: readonly GuardPrint[] = [];
  if (!url || insecure) chosen = prints;
  else if (url.protocol === 'https:' && !allowlist.includes(url.hostname)) {
    chosen = prints.filter((p) => p.host !== url.hostname);
  }
  return chosen.length === 0
    ? { salt: '', prints: [], lengths: [], insecure }
    : {
        salt,
        prints: chosen.map((p) => ({ id: p.id, fp: p.fp })),
        lengths: [...new Set(chosen.map((p) => p.length))],
        insecure,
      };
}

/** Characters that end a candidate token: whitespace, quotes, brackets and list separators. */
const TOKEN = /[^\s"'`<>()[\]{},;|]+/g;
const TRAILING = /[.:!?]+$/;

/**
 * A matcher for a page's view: returns the id of the first vault key found in `text`, or null. Only tokens
 * of a guarded length are fingerprinted, also with trailing sentence punctuation removed and after a
 * `name=` / `name:` prefix (a key pasted as `X-API-KEY: …` or `key=…`).
 */
export function createMatcher(view: GuardView): (text: string) => string | null {
  if (view.prints.length === 0) return () => null;
  const lengths = new Set(view.lengths);
  const fp = createFingerprinter(base64ToBytes(view.salt));
  const byPrint = new Map(view.prints.map((p) => [p.fp, p.id]));
  const check = (token: string): string | null =>
    lengths.has(token.length) ? (byPrint.get(fp(token)) ?? null) : null;
  return (text) => {
    for (const m of text.matchAll(TOKEN)) {
      const token = m[0];
      if (token.length < MIN_GUARDED_LENGTH) continue;
      // The token, without trailing punctuation, and after a `name=` / `name:` prefix: each distinct
      // variant of a guarded length costs one HMAC.
      const trimmed = token.replace(TRAILING, '');
      const variants = [
        token,
        trimmed,
        token.slice(token.search(/[=:]/) + 1),
        trimmed.slice(trimmed.search(/[=:]/) + 1),
      ];
      for (let i = 0; i < variants.length; i++) {
        const v = variants[i] as string;
        if (variants.indexOf(v) !== i) continue;
        const hit = check(v);
        if (hit) return hit;
      }
    }
    return null;
  };
}

const SALT_KEY = 'guard.salt';
const PRINTS_KEY = 'guard.prints';

function readPrints(v: unknown): GuardPrint[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (p): p is GuardPrint =>
      typeof p === 'object' &&
      p !== null &&
      typeof p.id === 'string' &&
      typeof p.host === 'string' &&
      typeof p.length === 'number' &&
      typeof p.fp === 'string',
  );
}

/**
 * The background's fingerprint store, in `storage.local`: the salt and one fingerprint per key. Kept while
 * the vault is locked on purpose (a key pasted while locked is still a leak); refreshed from the vault at
 * each unlock and after each change to its keys. Only while the leak guard is on: turning it off clears
 * both (the handlers see to that).
 */
export function createGuardPrintStore(area: {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}) {
  async function salt(): Promise<string> {
    const v = (await area.get(SALT_KEY))[SALT_KEY];
    if (typeof v === 'string' && v.length > 0) return v;
    const fresh = newSalt();
    await area.set({ [SALT_KEY]: fresh });
    return fresh;
  }
  const prints = async () => readPrints((await area.get(PRINTS_KEY))[PRINTS_KEY]);
  return {
    async refresh(entries: ReadonlyArray<{ id: string; host: string; secret: string }>): Promise<void> {
      await area.set({ [PRINTS_KEY]: printsOf(entries, await salt()) });
    },
    async view(pageUrl: string | null, allowlist: readonly string[]): Promise<GuardView> {
      const stored = await prints();
      // Nothing to guard: do not make a salt just to say so.
      if (stored.length === 0) return viewFor([], '', pageUrl, allowlist);
      return viewFor(stored, await salt(), pageUrl, allowlist);
    },
    async lookup(id: string): Promise<GuardPrint | undefined> {
      return (await prints()).find((p) => p.id === id);
    },
    /** Forgets the fingerprints and the salt (the guard was turned off; turning it on makes a new salt). */
    async clear(): Promise<void> {
      await area.remove([PRINTS_KEY, SALT_KEY]);
    },
  };
}
export type GuardPrintStore = ReturnType<typeof createGuardPrintStore>;

export const GUARD_SCRIPT_ID = 'keyguard-guard';
/** Where WXT writes entrypoints/guard.content.ts. */
export const GUARD_SCRIPT_FILE = 'content-scripts/guard.js';
/** The optional all-sites permission the leak guard needs (the manifest's optional_host_permissions). */
export const GUARD_ORIGINS = ['https://*/*', 'http://*/*'];

/** The guard's registration: every http(s) page, every frame — also frames a page writes itself. */
const GUARD_SCRIPT = {
  id: GUARD_SCRIPT_ID,
  matches: GUARD_ORIGINS,
  js: [GUARD_SCRIPT_FILE],
  runAt: 'document_start',
  allFrames: true,
  // about:blank, about:srcdoc and blob: frames have no http(s) URL; without this a page could take a key
  // pasted into such a frame (its own, same-origin) unguarded.
  matchOriginAsFallback: true,
  persistAcrossSessions: true,
} as const;

/**
 * Makes the guard's dynamic content script match the setting: registered on every http(s) page, in every
 * frame (GUARD_SCRIPT), from document start, when the guard is on and its permission granted; unregistered
 * otherwise; an existing registration is brought up to date (an older version may have registered other
 * options). Returns whether it is registered now.
 */
export async function syncGuardScript(
  deps: import('../background/registration').RegistrationDeps,
  enabled: boolean,
): Promise<boolean> {
  const granted = enabled && (await deps.permissions.contains({ origins: GUARD_ORIGINS }));
  const existing = await deps.scripting.getRegisteredContentScripts({ ids: [GUARD_SCRIPT_ID] });
  if (!granted) {
    if (existing.length > 0) await deps.scripting.unregisterContentScripts({ ids: [GUARD_SCRIPT_ID] });
    return false;
  }
  const script = { ...GUARD_SCRIPT, matches: [...GUARD_SCRIPT.matches], js: [...GUARD_SCRIPT.js] };
  // (an update is idempotent: whatever an older version registered becomes this registration)
  if (existing.length > 0) await deps.scripting.updateContentScripts([script]);
  else await deps.scripting.registerContentScripts([script]);
  return true;
}

/** The leak guard asks for fingerprints again at most this often when the user comes back to a page. */
export const GUARD_REFRESH_MIN_MS = 5000;

/**
 * The guard's "the user came back" handler (focus, visibilitychange): asks `refresh` again only for a
 * trusted event — the browser's, not one the page dispatched — and at most once per
 * {@link GUARD_REFRESH_MIN_MS}, counted from creation (the script has just asked). Any site can fire these
 * events in a loop, and each refresh is a message to the background (issue 15, finding 6).
 */
export function refreshOnReturn(refresh: () => void, now: () => number = Date.now): (event: Event) => void {
  let last = now();
  return (event) => {
    if (!event.isTrusted) return;
    const at = now();
    if (at - last < GUARD_REFRESH_MIN_MS) return;
    last = at;
    refresh();
  };
}

/**
 * The vault's cryptographic primitives: Argon2id (hash-wasm) to turn the master password into a key, and
 * XChaCha20-Poly1305 (@noble/ciphers) for every sealed box. Nothing here knows about the vault format;
 * see format.ts for how these are combined.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id } from 'hash-wasm';

/** The cost part of the Argon2id parameters (what a vault may raise over time). */
export interface KdfCost {
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** Argon2id parameters as stored in a vault header (salt decoded). */
export interface KdfParams extends KdfCost {
  alg: 'argon2id';
  salt: Uint8Array;
}

/**
 * Default cost for new vaults and password changes: Bitwarden's Argon2id defaults (64 MiB, 3 passes,
 * 4 lanes). About 0.4 s on this project's reference machine; `npm run bench` watches it.
 */
export const DEFAULT_KDF: Readonly<KdfCost> = Object.freeze({
  memoryKiB: 65536,
  iterations: 3,
  parallelism: 4,
});

/**
 * The weakest cost the vault service accepts, for creating and for unlocking: OWASP's minimum Argon2id
 * configuration (19 MiB, 2 passes, 1 lane). Unlock refusing weaker stored parameters means a vault can
 * never silently end up with a cheap-to-guess wrapping key. Only tests lower it, explicitly.
 */
export const MIN_KDF: Readonly<KdfCost> = Object.freeze({
  memoryKiB: 19456,
  iterations: 2,
  parallelism: 1,
});

/**
 * Hard upper bounds on stored KDF parameters. A header is data from disk; without these a damaged or
 * hostile header could make unlock allocate gigabytes or spin for minutes.
 */
export const KDF_LIMITS = Object.freeze({
  maxMemoryKiB: 1048576,
  maxIterations: 64,
  maxParallelism: 16,
  minSaltBytes: 16,
  maxSaltBytes: 64,
});

/** Length of the data key and of every derived key, in bytes. */
export const KEY_BYTES = 32;
/** XChaCha20-Poly1305 nonce length. */
export const NONCE_BYTES = 24;
/** Poly1305 tag length. */
export const TAG_BYTES = 16;

/** True when every cost dimension of `cost` is at least that of `floor`. */
export function meetsKdfFloor(cost: KdfCost, floor: KdfCost): boolean {
  return (
    cost.memoryKiB >= floor.memoryKiB &&
    cost.iterations >= floor.iterations &&
    cost.parallelism >= floor.parallelism
  );
}

/**
 * Derives a 256-bit key from a password with Argon2id.
 *
 * The password is NFC-normalised first so that the same password typed on different keyboards or
 * systems (precomposed vs. combining accents) derives the same key; this is part of the format.
 */
export async function deriveKey(password: string, params: KdfParams): Promise<Uint8Array> {
  return argon2id({
    password: utf8Encode(password.normalize('NFC')),
    salt: params.salt,
    memorySize: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: KEY_BYTES,
    outputType: 'binary',
  });
}

/**
 * The one error every failed decryption throws, whatever the cause (bad tag, wrong key, wrong nonce
 * length, malformed input). Callers must not be able to tell the causes apart, so it carries no details.
 */
export class DecryptError extends Error {
  constructor() {
    super('Decryption failed');
    this.name = 'DecryptError';
  }
}

/**
 * Encrypts `plaintext` under `key` with XChaCha20-Poly1305 and a fresh random 24-byte nonce.
 * `ct` is the ciphertext followed by the 16-byte tag.
 */
export function seal(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): { nonce: Uint8Array; ct: Uint8Array } {
  // 192-bit random nonces make collisions negligible even for many messages under one key, which is
  // why XChaCha is used rather than ChaCha20's 96-bit nonce.
  const nonce = randomBytes(NONCE_BYTES);
  const ct = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  return { nonce, ct };
}

/**
 * Decrypts and authenticates a box made by {@link seal}.
 *
 * @throws DecryptError on any failure at all.
 */
export function open(key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad: Uint8Array): Uint8Array {
  try {
    if (
      !(key instanceof Uint8Array) ||
      key.length !== KEY_BYTES ||
      !(nonce instanceof Uint8Array) ||
      nonce.length !== NONCE_BYTES ||
      !(ct instanceof Uint8Array) ||
      ct.length < TAG_BYTES ||
      !(aad instanceof Uint8Array)
    ) {
      throw new DecryptError();
    }
    return xchacha20poly1305(key, nonce, aad).decrypt(ct);
  } catch {
    // Deliberately swallow the library's error: its message distinguishes causes.
    throw new DecryptError();
  }
}

/** `n` bytes from the platform CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  // getRandomValues is limited to 65536 bytes per call; nothing here needs more.
  crypto.getRandomValues(out);
  return out;
}

/** Whether two byte strings are equal, in time that depends on their length only (for keys). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

const encoder = new TextEncoder();
// fatal: invalid UTF-8 throws instead of silently turning into U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encodes a string. */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, throwing on invalid input. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// Reverse table; -1 marks characters outside the standard alphabet.
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;
// The alphabet as ASCII codes, and '=' as one.
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const PAD = 61;

/** Standard base64 (with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  // Hand-rolled rather than btoa(String.fromCharCode(...)): ASCII codes written into one byte array and
  // decoded once. Several times faster than btoa or string concatenation for the thousands of small
  // nonces a large vault has, and about 15 times faster than building strings for the catalog's 0.5 MB.
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = B64_CODES[n >>> 18] as number;
    out[o++] = B64_CODES[(n >>> 12) & 63] as number;
    out[o++] = B64_CODES[(n >>> 6) & 63] as number;
    out[o++] = B64_CODES[n & 63] as number;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = B64_CODES[n >>> 18] as number;
    out[o++] = B64_CODES[(n >>> 12) & 63] as number;
    out[o++] = rest === 2 ? (B64_CODES[(n >>> 6) & 63] as number) : PAD;
    out[o++] = PAD;
  }
  return decoder.decode(out);
}

function b64Value(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const v = c < 128 ? (B64_INDEX[c] as number) : -1;
  if (v < 0) throw new TypeError('Invalid base64');
  return v;
}

/**
 * Decodes strict, canonical standard base64. Anything else (whitespace, URL-safe alphabet, missing
 * padding, non-zero padding bits) throws, so one byte string has exactly one stored spelling.
 */
export function base64ToBytes(s: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw new TypeError('Invalid base64');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  const full = pad === 0 ? s.length : s.length - 4;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const n =
      (b64Value(s, i) << 18) | (b64Value(s, i + 1) << 12) | (b64Value(s, i + 2) << 6) | b64Value(s, i + 3);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  if (pad === 2) {
    const a = b64Value(s, full);
    const b = b64Value(s, full + 1);
    // Canonical: the unused low bits must be zero.
    if (b & 15) throw new TypeError('Invalid base64');
    out[o] = (a << 2) | (b >>> 4);
  } else if (pad === 1) {
    const a = b64Value(s, full);
    const b = b64Value(s, full + 1);
    const c = b64Value(s, full + 2);
    if (c & 3) throw new TypeError('Invalid base64');
    out[o++] = (a << 2) | (b >>> 4);
    out[o] = ((b & 15) << 4) | (c >>> 2);
  }
  return out;
}

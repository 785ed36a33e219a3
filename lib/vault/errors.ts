/**
 * The vault service's one error type and its codes, and the single generic 'corrupt' error every stored
 * record that fails to parse or decrypt turns into (no oracle on what exactly failed).
 */

export type VaultErrorCode =
  | 'no-vault'
  | 'exists'
  | 'locked'
  | 'bad-password'
  | 'backoff'
  | 'not-found'
  | 'invalid'
  | 'corrupt';

/** Every failure the service reports. Messages never contain a secret or a password. */
export class VaultError extends Error {
  readonly code: VaultErrorCode;
  /** For 'backoff': how long until the next unlock attempt is accepted. */
  readonly retryAfterMs?: number;

  constructor(code: VaultErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'VaultError';
    this.code = code;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** The one message for every entry that fails to decrypt or parse: no oracle on what exactly failed. */
export const CORRUPT_MESSAGE = 'Vault data could not be decrypted';

/** An 'invalid' error: the caller's input, never stored data, was wrong. */
export function invalid(message: string): VaultError {
  return new VaultError('invalid', message);
}

/** Runs `read` (a parse or a decrypt of stored data); any failure becomes the one generic 'corrupt' error. */
export function orCorrupt<T>(read: () => T): T {
  try {
    return read();
  } catch {
    throw new VaultError('corrupt', CORRUPT_MESSAGE);
  }
}

/** The 'not-found' error for an entry id that names nothing stored. */
export function noSuchEntry(): VaultError {
  return new VaultError('not-found', 'No such entry');
}

/** Checks an entry id given by a caller (its shape only; whether it exists is the store's answer). */
export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 100) throw invalid('id must be a string');
  return id;
}

/**
 * The vault's life cycle: the KDF cost policy, create, unlock, lock, status, password change and check,
 * and the persisted exponential back-off after wrong master passwords.
 */
import { exclusive, readHeader, requireHeader, sessionKeyOf, type VaultContext } from './context';
import {
  DEFAULT_KDF,
  DecryptError,
  deriveKey,
  KDF_LIMITS,
  type KdfCost,
  type KdfParams,
  KEY_BYTES,
  MIN_KDF,
  meetsKdfFloor,
  randomBytes,
} from './crypto';
import { invalid, VaultError } from './errors';
import { kdfParamsOf, makeHeader, sealCatalog, unwrapDataKey, type VaultHeader } from './format';
import { isRecord } from './validate';

export const PASSWORD_MIN_LENGTH = 8;
/** Upper bound so a pasted novel cannot be fed to Argon2; far beyond any real password. */
export const PASSWORD_MAX_LENGTH = 1024;
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** `meta` key of the persisted {@link BackoffState}. */
export const BACKOFF_META_KEY = 'backoff';

/** Failed-unlock bookkeeping, persisted so a restarted service worker does not forget it. */
export interface BackoffState {
  failures: number;
  lastFailureAt: number;
}

/** The refusal period after `failures` consecutive wrong passwords: 1 s, 2 s, 4 s, … capped at 60 s. */
export function backoffDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
}

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  /** 0 when an unlock attempt would be accepted now. */
  retryAfterMs: number;
}

function checkKdfCost(kdf: KdfCost, what: string): KdfCost {
  const ok =
    Number.isInteger(kdf.memoryKiB) &&
    Number.isInteger(kdf.iterations) &&
    Number.isInteger(kdf.parallelism) &&
    kdf.parallelism >= 1 &&
    kdf.parallelism <= KDF_LIMITS.maxParallelism &&
    kdf.iterations >= 1 &&
    kdf.iterations <= KDF_LIMITS.maxIterations &&
    kdf.memoryKiB >= 8 * kdf.parallelism &&
    kdf.memoryKiB <= KDF_LIMITS.maxMemoryKiB;
  if (!ok) throw new RangeError(`${what} is not a valid Argon2id cost`);
  return { memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism };
}

/**
 * The KDF cost for new headers and the floor for accepted ones, checked. Without `minKdf` the floor is
 * {@link MIN_KDF}, lowered per dimension to a weaker `kdf`: choosing a weak `kdf` is itself the explicit
 * opt-in (tests). Throws RangeError on an invalid cost or a `kdf` below `minKdf`.
 */
export function kdfPolicy(kdf?: KdfCost, minKdf?: KdfCost): { kdf: KdfCost; minKdf: KdfCost } {
  const cost = checkKdfCost(kdf ?? DEFAULT_KDF, 'kdf');
  const floor = checkKdfCost(
    minKdf ?? {
      memoryKiB: Math.min(MIN_KDF.memoryKiB, cost.memoryKiB),
      iterations: Math.min(MIN_KDF.iterations, cost.iterations),
      parallelism: Math.min(MIN_KDF.parallelism, cost.parallelism),
    },
    'minKdf',
  );
  if (!meetsKdfFloor(cost, floor)) throw new RangeError('kdf is weaker than minKdf');
  return { kdf: cost, minKdf: floor };
}

function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string') throw invalid('Master password must be a string');
  // Count code points, not UTF-16 units, so an emoji is one character as the user sees it.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw invalid(`Master password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw invalid(`Master password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  return password;
}

function checkGivenPassword(password: unknown): string {
  if (typeof password !== 'string') throw invalid('Master password must be a string');
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw invalid(`Master password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  return password;
}

async function readBackoff(ctx: VaultContext): Promise<BackoffState> {
  const v = await ctx.store.getMeta(BACKOFF_META_KEY);
  if (
    isRecord(v) &&
    typeof v.failures === 'number' &&
    Number.isInteger(v.failures) &&
    v.failures >= 0 &&
    typeof v.lastFailureAt === 'number' &&
    Number.isFinite(v.lastFailureAt)
  ) {
    return { failures: v.failures, lastFailureAt: v.lastFailureAt };
  }
  return { failures: 0, lastFailureAt: 0 };
}

function retryAfterMs(ctx: VaultContext, state: BackoffState): number {
  const wait = backoffDelayMs(state.failures);
  if (wait === 0) return 0;
  const elapsed = ctx.now() - state.lastFailureAt;
  // The clock went backwards: report one full period (tryPassword re-anchors the period at now).
  if (elapsed < 0) return wait;
  return Math.max(0, wait - elapsed);
}

/** Persists `failures` consecutive wrong passwords, the last one now. */
async function writeBackoff(ctx: VaultContext, failures: number): Promise<void> {
  await ctx.store.putMeta(BACKOFF_META_KEY, { failures, lastFailureAt: ctx.now() } satisfies BackoffState);
}

/** Refuses an attempt during the back-off period, re-anchoring a period the clock went back past. */
async function honourBackoff(ctx: VaultContext, state: BackoffState): Promise<void> {
  const wait = retryAfterMs(ctx, state);
  // Without re-anchoring, a clock set back by an hour would refuse every attempt for an hour.
  if (wait > 0 && state.lastFailureAt > ctx.now()) await writeBackoff(ctx, state.failures);
  if (wait > 0) {
    throw new VaultError(
      'backoff',
      `Too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`,
      wait,
    );
  }
}

/**
 * Checks `password` against the header, honouring and updating the backoff. Must run inside
 * {@link exclusive}.
 *
 * @returns the data key.
 */
async function tryPassword(ctx: VaultContext, header: VaultHeader, password: string): Promise<Uint8Array> {
  const state = await readBackoff(ctx);
  await honourBackoff(ctx, state);
  if (!meetsKdfFloor(header.kdf, ctx.minKdf)) {
    throw new VaultError('corrupt', 'The vault header asks for a key derivation weaker than allowed');
  }
  const kek = await deriveKey(password, kdfParamsOf(header));
  let dataKey: Uint8Array;
  try {
    dataKey = unwrapDataKey(header, kek);
  } catch (e) {
    if (!(e instanceof DecryptError)) throw e;
    // Count the failure; never delete anything because of a wrong password.
    await writeBackoff(ctx, state.failures + 1);
    throw new VaultError('bad-password', 'Wrong master password');
  } finally {
    kek.fill(0);
  }
  if (state.failures > 0) await ctx.store.deleteMeta(BACKOFF_META_KEY);
  return dataKey;
}

async function newHeader(
  ctx: VaultContext,
  vaultId: string,
  password: string,
  dataKey: Uint8Array,
): Promise<VaultHeader> {
  const kdf: KdfParams = { alg: 'argon2id', ...ctx.kdf, salt: randomBytes(16) };
  const kek = await deriveKey(password, kdf);
  try {
    return makeHeader(vaultId, kdf, kek, dataKey);
  } finally {
    kek.fill(0);
  }
}

/** Whether a header is stored at all (however damaged). */
export async function hasVault(ctx: VaultContext): Promise<boolean> {
  return (await ctx.store.getHeader()) !== undefined;
}

/** Creates a vault under `password` with a fresh data key and leaves it unlocked. */
export function create(ctx: VaultContext, password: string): Promise<void> {
  return exclusive(ctx, async () => {
    if (await hasVault(ctx)) throw new VaultError('exists', 'A vault already exists');
    checkNewPassword(password);
    const vaultId = crypto.randomUUID();
    const dataKey = randomBytes(KEY_BYTES);
    const header = await newHeader(ctx, vaultId, password, dataKey);
    ctx.catalog = null;
    await ctx.store.initVault(header, sealCatalog(dataKey, vaultId, []));
    await ctx.store.deleteMeta(BACKOFF_META_KEY);
    await ctx.session.set({ vaultId, key: dataKey });
  });
}

/** Puts the data key in the session if `password` is right and the back-off allows an attempt. */
export function unlock(ctx: VaultContext, password: string): Promise<void> {
  return exclusive(ctx, async () => {
    const header = await requireHeader(ctx);
    checkGivenPassword(password);
    const dataKey = await tryPassword(ctx, header, password);
    await ctx.session.set({ vaultId: header.vaultId, key: dataKey });
  });
}

/** Drops the data key and the in-memory catalog. */
export async function lock(ctx: VaultContext): Promise<void> {
  ctx.catalog = null;
  await ctx.session.clear();
}

/** True when the session holds this vault's key; false when the header is unreadable. */
export async function isUnlocked(ctx: VaultContext): Promise<boolean> {
  let header: VaultHeader | null;
  try {
    header = await readHeader(ctx);
  } catch (e) {
    // A vault whose header cannot be read cannot be unlocked; status() reports why.
    if (e instanceof VaultError && e.code === 'corrupt') return false;
    throw e;
  }
  if (!header) return false;
  return (await sessionKeyOf(ctx, header)) !== null;
}

/** Exists, unlocked, and how long until an unlock attempt is accepted. */
export async function status(ctx: VaultContext): Promise<VaultStatus> {
  const header = await readHeader(ctx);
  if (!header) return { exists: false, unlocked: false, retryAfterMs: 0 };
  return {
    exists: true,
    unlocked: (await sessionKeyOf(ctx, header)) !== null,
    retryAfterMs: retryAfterMs(ctx, await readBackoff(ctx)),
  };
}

/** Re-wraps the same data key under `newPassword` after checking `oldPassword` like an unlock. */
export function changePassword(ctx: VaultContext, oldPassword: string, newPassword: string): Promise<void> {
  return exclusive(ctx, async () => {
    const header = await requireHeader(ctx);
    checkGivenPassword(oldPassword);
    checkNewPassword(newPassword);
    const dataKey = await tryPassword(ctx, header, oldPassword);
    await ctx.store.putHeader(await newHeader(ctx, header.vaultId, newPassword, dataKey));
  });
}

/** Checks `password` like an unlock (back-off included) without changing the lock state. */
export function checkPassword(ctx: VaultContext, password: string): Promise<void> {
  return exclusive(ctx, async () => {
    const header = await requireHeader(ctx);
    checkGivenPassword(password);
    await tryPassword(ctx, header, password);
  });
}

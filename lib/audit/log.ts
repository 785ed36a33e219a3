/**
 * The audit log: encrypted, chained records in IndexedDB (see chain.ts for the chain itself).
 *
 * Keys. Two keys are derived from the vault's data key with HKDF-SHA256 (salt = vault id): one encrypts
 * events (XChaCha20-Poly1305, associated data = vault id and seq), one MACs the chain. They exist only
 * while the vault is unlocked, like the data key they come from, and are independent of each other and of
 * the entry boxes' use of the data key.
 *
 * Locked. Failed unlocks and guard warnings happen while the vault is locked, when neither key exists. Such
 * events are encrypted to the log's X25519 public key (an anonymous sealed box: ephemeral key pair, HKDF of
 * the shared secret, XChaCha20-Poly1305) and kept aside; the private half is stored encrypted under the
 * audit encryption key, so only an unlocked vault can open them. At the next unlock (or the next event
 * while unlocked) they are decrypted and appended to the chain, marked `late`, with their original time.
 * Until then they are confidential but not authenticated: anyone who can write the database could drop,
 * add or forge such a record (the public key is in the clear), which is why the viewer marks them as
 * unauthenticated. A public key is used rather than a key kept in the clear so that what is recorded while
 * locked stays unreadable on disk. The store is capped at {@link PENDING_LIMIT} records and repeats of an
 * identical event are merged into one record with a count, so a page repeating an event while the vault is
 * locked cannot fill the disk (issue 15, finding 1); beyond the cap one record counts what was not kept.
 *
 * Retention. Records older than `maxDays` are dropped. When the log holds more than `maxRecords` records,
 * only records a page could have caused (origin `docbits-page` or `guard`) and merged records are dropped
 * because of the count, oldest first, down to 90% of the limit; a record younger than `maxDays` of any
 * other kind is never dropped because of the count (a page must not be able to push `vault.created` out of
 * the log), so the log may then stay over the limit: it is *full*, and the options page says so. Pruning
 * runs only after the whole chain has been verified (a broken chain is never pruned: the evidence stays).
 * Dropping from the front leaves a checkpoint MAC'ed with the audit key that carries the last dropped
 * record's seq and link, so the rest still verifies; dropping from the middle re-seals and re-links the
 * kept records behind a new checkpoint (only the holder of the audit keys can). A `log.checkpoint` event
 * records how many were dropped.
 *
 * The `lib/audit/` area: the audit vocabulary (events.ts), the chain (chain.ts), this log and the anomaly
 * alerts. It imports itself, `lib/vault/{crypto,store,session}` and the shared files (docs/architecture.md).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { errorKind } from '../errors';
import {
  base64ToBytes,
  bytesToBase64,
  DecryptError,
  open,
  sameBytes,
  seal,
  utf8Decode,
  utf8Encode,
} from '../vault/crypto';
import type { SessionKey } from '../vault/session';
import type { AuditLogRecord, VaultStore } from '../vault/store';
import {
  type BreakReason,
  type ChainAnchor,
  type ChainRecord,
  type Checkpoint,
  checkCheckpoint,
  checkpointMac,
  createLinker,
  GENESIS_LINK,
  verifyChain,
} from './chain';
import type { AuditInput, AuditOrigin, AuditType } from './events';
import { AUDIT_ORIGINS, AUDIT_TYPES } from './events';

export const AUDIT_KEYS_META = 'audit.keys';
export const AUDIT_HEAD_META = 'audit.head';
export const AUDIT_CHECKPOINT_META = 'audit.checkpoint';

/** Retention defaults: 10,000 records or one year, whichever comes first. */
export const DEFAULT_RETENTION = Object.freeze({ maxRecords: 10_000, maxDays: 365 });
export type Retention = { maxRecords: number; maxDays: number };

const DAY_MS = 86_400_000;
const MAX_DETAIL = 200;
/** Records kept aside while locked, at most (one more counts what did not fit). */
export const PENDING_LIMIT = 1000;
/** Origins of records a web page could have caused: the first to go when the log is over its count. */
const PAGE_ORIGINS: ReadonlySet<string> = new Set(['docbits-page', 'guard']);

/** One event as the viewer shows it (decrypted; never a secret). */
export interface AuditEvent {
  seq: number;
  at: number;
  type: AuditType;
  entryId?: string;
  origin?: AuditOrigin;
  host?: string;
  detail?: string;
  /** Recorded while the vault was locked, sealed into the chain later. */
  late?: true;
  /** How many identical events this record stands for (merged while locked); absent = 1. */
  count?: number;
}

export interface AuditVerifyReport {
  ok: boolean;
  /** Records in the chain now. */
  records: number;
  /** Records checked before the first broken link (all of them when ok). */
  checked: number;
  broken: { seq: number; reason: BreakReason } | null;
  /** The retention checkpoint the chain starts from, if any. */
  checkpoint: { seq: number; at: number; dropped: number } | null;
  /** Records made while locked that are not sealed into the chain yet. */
  pending: number;
  /**
   * More records than the retention count, none of which retention may drop yet (younger than the
   * retention days and not page-originated or merged): the user should export and lower the days.
   */
  full: boolean;
}

/** The storage the log needs (a subset of VaultStore). */
export type AuditStore = Pick<
  VaultStore,
  'getMeta' | 'appendAudit' | 'listAuditPending' | 'listAuditLog' | 'auditLogStats' | 'writeAudit'
>;

export interface AuditLogOptions {
  store: AuditStore;
  /** The unlocked vault's id and data key, or null when locked. */
  keys(): Promise<SessionKey | null>;
  now?: () => number;
  retention?: () => Promise<Retention>;
  /** Locked-time records kept at most (default {@link PENDING_LIMIT}; tests lower it). */
  pendingLimit?: number;
  /** Called after each event is recorded (sealed or pending), e.g. for anomaly detection. */
  onRecorded?: (input: AuditInput, at: number) => Promise<void> | void;
  /** Where a failure to record is reported (the error's class name only). */
  logError?: (text: string) => void;
}

/** Thrown by list/verify while the vault is locked. */
export class AuditLockedError extends Error {
  constructor() {
    super('The vault is locked');
    this.name = 'AuditLockedError';
  }
}

interface Keyed {
  vaultId: string;
  dataKey: Uint8Array;
  encKey: Uint8Array;
  macKey: Uint8Array;
  privateKey: Uint8Array;
}

interface StoredKeys {
  vaultId: string;
  publicKey: string;
  /** The X25519 private key, sealed with the audit encryption key. */
  privateNonce: string;
  privateCt: string;
}

const derive = (dataKey: Uint8Array, vaultId: string, info: string) =>
  hkdf(sha256, dataKey, utf8Encode(vaultId), utf8Encode(info), 32);

/** The log's encryption and MAC keys for a vault's data key (exported for the benchmark and tests). */
export function deriveAuditKeys(
  dataKey: Uint8Array,
  vaultId: string,
): { encKey: Uint8Array; macKey: Uint8Array } {
  return {
    encKey: derive(dataKey, vaultId, 'keyguard-audit-enc-v1'),
    macKey: derive(dataKey, vaultId, 'keyguard-audit-mac-v1'),
  };
}

/** Associated data of an event box: binds it to its vault and its place in the chain. */
export const recordAad = (vaultId: string, seq: number) => utf8Encode(`keyguard-audit-v1:${vaultId}:${seq}`);
const keysAad = (vaultId: string) => utf8Encode(`keyguard-audit-keys-v1:${vaultId}`);
const SEALED_INFO = utf8Encode('keyguard-audit-sealed-v1');

/** Keeps only known fields of an input, trimmed to their limits (defence in depth: callers are ours). */
export function cleanInput(input: AuditInput): AuditInput {
  if (!(AUDIT_TYPES as readonly string[]).includes(input.type)) throw new TypeError('Unknown audit type');
  const out: AuditInput = { type: input.type };
  if (typeof input.entryId === 'string' && input.entryId.length <= 64) out.entryId = input.entryId;
  if (input.origin && (AUDIT_ORIGINS as readonly string[]).includes(input.origin)) out.origin = input.origin;
  if (typeof input.host === 'string' && /^[a-z0-9.:[\]-]{1,253}$/.test(input.host)) out.host = input.host;
  if (typeof input.detail === 'string' && input.detail !== '') out.detail = input.detail.slice(0, MAX_DETAIL);
  if (Number.isInteger(input.count) && (input.count as number) > 1 && (input.count as number) < 1e9)
    out.count = input.count;
  return out;
}

function parseEvent(json: string, seq: number, at: number, late: boolean): AuditEvent {
  const v = JSON.parse(json) as Record<string, unknown>;
  const input = cleanInput(v as unknown as AuditInput);
  return { seq, at, ...input, ...(late ? { late: true as const } : {}) };
}

/** Seals `plaintext` to an X25519 public key (anonymous sender). */
export function sealTo(
  publicKey: Uint8Array,
  plaintext: Uint8Array,
): { epk: string; nonce: string; ct: string } {
  const eph = x25519.utils.randomSecretKey();
  const epk = x25519.getPublicKey(eph);
  const shared = x25519.getSharedSecret(eph, publicKey);
  const key = hkdf(sha256, shared, new Uint8Array([...epk, ...publicKey]), SEALED_INFO, 32);
  const box = seal(key, plaintext, epk);
  eph.fill(0);
  shared.fill(0);
  return { epk: bytesToBase64(epk), nonce: bytesToBase64(box.nonce), ct: bytesToBase64(box.ct) };
}

/** Opens a box made by {@link sealTo}; throws DecryptError on any failure. */
export function openSealed(
  privateKey: Uint8Array,
  box: { epk: unknown; nonce: unknown; ct: unknown },
): Uint8Array {
  try {
    const epk = base64ToBytes(box.epk as string);
    const publicKey = x25519.getPublicKey(privateKey);
    const shared = x25519.getSharedSecret(privateKey, epk);
    const key = hkdf(sha256, shared, new Uint8Array([...epk, ...publicKey]), SEALED_INFO, 32);
    return open(key, base64ToBytes(box.nonce as string), base64ToBytes(box.ct as string), epk);
  } catch {
    throw new DecryptError();
  }
}

export class AuditLog {
  private readonly store: AuditStore;
  private readonly keys: () => Promise<SessionKey | null>;
  private readonly now: () => number;
  private readonly retention: () => Promise<Retention>;
  private readonly onRecorded?: AuditLogOptions['onRecorded'];
  private readonly logError: (text: string) => void;
  private readonly pendingLimit: number;
  private tail: Promise<unknown> = Promise.resolve();
  private cached: Keyed | null = null;
  /**
   * Locked-time records that can still take repeats: the event (as JSON) → its key in the store, how many
   * it stands for and when the first happened. In memory only (the records themselves are sealed and cannot
   * be read while locked); a restarted worker starts a new record for the next repeat.
   */
  private merging = new Map<string, { key: number; count: number; at: number }>();

  constructor(options: AuditLogOptions) {
    this.store = options.store;
    this.keys = options.keys;
    this.now = options.now ?? Date.now;
    this.retention = options.retention ?? (async () => DEFAULT_RETENTION);
    this.onRecorded = options.onRecorded;
    this.logError = options.logError ?? ((t) => console.error(t));
    this.pendingLimit = options.pendingLimit ?? PENDING_LIMIT;
  }

  /** Appends are a read-modify-write of the chain head: one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Records an event: into the chain when the vault is unlocked, else aside until the next unlock.
   * Never throws (an audit failure must not break the action it records); failures are reported by class
   * name only.
   */
  async record(input: AuditInput): Promise<void> {
    let clean: AuditInput;
    const at = this.now();
    try {
      clean = cleanInput(input);
      await this.exclusive(async () => {
        const keyed = await this.keyed();
        if (keyed) {
          await this.sealPendingWith(keyed);
          await this.append(keyed, [{ input: clean, at }]);
          await this.prune(keyed);
        } else {
          await this.storePending(clean, at);
        }
      });
    } catch (e) {
      this.logError(`KeyGuard: an audit record could not be written (${errorKind(e)})`);
      return;
    }
    try {
      await this.onRecorded?.(clean, at);
    } catch (e) {
      this.logError(`KeyGuard: audit follow-up failed (${errorKind(e)})`);
    }
  }

  /** Seals the records made while locked into the chain (call after unlock). Returns how many. */
  sealPending(): Promise<number> {
    return this.exclusive(async () => {
      const keyed = await this.keyed();
      if (!keyed) return 0;
      const n = await this.sealPendingWith(keyed);
      await this.prune(keyed);
      return n;
    });
  }

  /**
   * Wipes the cached data key, the derived keys and the X25519 private key (call on lock, idle lock and
   * browser start): after Lock nothing in this worker's memory should open the vault (issue 15, finding 9).
   */
  forget(): void {
    const c = this.cached;
    this.cached = null;
    if (!c) return;
    c.dataKey.fill(0);
    c.encKey.fill(0);
    c.macKey.fill(0);
    c.privateKey.fill(0);
  }

  /** Every event, oldest first (decrypted). */
  list(): Promise<AuditEvent[]> {
    return this.exclusive(async () => {
      const keyed = await this.keyed();
      if (!keyed) throw new AuditLockedError();
      await this.sealPendingWith(keyed);
      const out: AuditEvent[] = [];
      for (const raw of await this.store.listAuditLog()) {
        const r = raw as unknown as ChainRecord;
        // An unreadable one is shown as what it is; verify() says where the chain breaks.
        out.push(
          this.readRecord(keyed, r) ?? {
            seq: typeof r.seq === 'number' ? r.seq : -1,
            at: Number(r.at) || 0,
            type: 'log.checkpoint',
            detail: 'unreadable record',
          },
        );
      }
      return out;
    });
  }

  /** Verifies the whole chain from its checkpoint (or the start) to its head. */
  verify(): Promise<AuditVerifyReport> {
    return this.exclusive(async () => {
      const keyed = await this.keyed();
      if (!keyed) throw new AuditLockedError();
      await this.sealPendingWith(keyed);
      return this.verifyWith(keyed);
    });
  }

  private async verifyWith(keyed: Keyed): Promise<AuditVerifyReport> {
    const records = await this.store.listAuditLog();
    const pending = (await this.store.listAuditPending()).length;
    const rawCheckpoint = await this.store.getMeta(AUDIT_CHECKPOINT_META);
    const checkpoint = rawCheckpoint === undefined ? null : checkCheckpoint(keyed.macKey, rawCheckpoint);
    const summary = checkpoint && { seq: checkpoint.seq, at: checkpoint.at, dropped: checkpoint.dropped };
    if (rawCheckpoint !== undefined && !checkpoint) {
      const first = records[0]?.seq ?? 1;
      return {
        ok: false,
        records: records.length,
        checked: 0,
        broken: { seq: first, reason: 'checkpoint' },
        checkpoint: null,
        pending,
        full: false,
      };
    }
    const start: ChainAnchor = checkpoint ?? { seq: 0, link: GENESIS_LINK };
    const head = (await this.store.getMeta(AUDIT_HEAD_META)) as ChainAnchor | undefined;
    const report = verifyChain(keyed.macKey, records, start, head ?? (records.length > 0 ? null : start));
    // (prune has run at the last record: over the count now means nothing more may be dropped yet)
    const full = records.length > (await this.retention()).maxRecords;
    return { ...report, records: records.length, checkpoint: summary, pending, full };
  }

  /** The audit keys of the unlocked vault, creating the log's key pair on first use; null when locked. */
  private async keyed(): Promise<Keyed | null> {
    const session = await this.keys();
    if (!session) {
      // Locked: whatever was cached belongs to a key that is gone.
      this.forget();
      return null;
    }
    const c = this.cached;
    if (c && c.vaultId === session.vaultId && sameBytes(c.dataKey, session.key)) return c;
    this.forget();
    const { encKey, macKey } = deriveAuditKeys(session.key, session.vaultId);
    const stored = (await this.store.getMeta(AUDIT_KEYS_META)) as StoredKeys | undefined;
    let privateKey: Uint8Array | null = null;
    if (stored && stored.vaultId === session.vaultId) {
      try {
        privateKey = open(
          encKey,
          base64ToBytes(stored.privateNonce),
          base64ToBytes(stored.privateCt),
          keysAad(session.vaultId),
        );
      } catch {
        // The stored key pair is damaged: a new one is made below; records sealed to the old one are lost,
        // which verify() cannot see, so the new log starts with a note.
        privateKey = null;
      }
    }
    if (!privateKey) {
      const hadLog = stored !== undefined;
      // First use, or a new vault (a new data key): start a new log. The old one could not be verified or
      // read any more.
      privateKey = x25519.utils.randomSecretKey();
      const box = seal(encKey, privateKey, keysAad(session.vaultId));
      const keys: StoredKeys = {
        vaultId: session.vaultId,
        publicKey: bytesToBase64(x25519.getPublicKey(privateKey)),
        privateNonce: bytesToBase64(box.nonce),
        privateCt: bytesToBase64(box.ct),
      };
      // A first key pair keeps what was recorded while locked before it (kept readable, see storePending).
      await this.store.writeAudit({
        reset: hadLog,
        meta: { [AUDIT_KEYS_META]: keys, [AUDIT_HEAD_META]: undefined, [AUDIT_CHECKPOINT_META]: undefined },
      });
      this.cached = { vaultId: session.vaultId, dataKey: session.key.slice(), encKey, macKey, privateKey };
      if (hadLog) {
        await this.append(this.cached, [
          {
            input: {
              type: 'log.checkpoint',
              origin: 'background',
              detail: 'new log: the previous one belonged to another vault key',
            },
            at: this.now(),
          },
        ]);
      }
      return this.cached;
    }
    this.cached = { vaultId: session.vaultId, dataKey: session.key.slice(), encKey, macKey, privateKey };
    return this.cached;
  }

  private async storePending(input: AuditInput, at: number): Promise<void> {
    const stored = (await this.store.getMeta(AUDIT_KEYS_META)) as StoredKeys | undefined;
    const boxOf = (event: Record<string, unknown>) => {
      const plain = utf8Encode(JSON.stringify(event));
      if (stored && typeof stored.publicKey === 'string') {
        return { sealed: sealTo(base64ToBytes(stored.publicKey), plain) };
      }
      // No log key pair yet (the vault was never unlocked since the log exists): keep the event, which
      // holds no secret by construction, readable until it is sealed.
      return { plain: event };
    };
    const pending = await this.store.listAuditPending();
    const keys = new Set(pending.map((p) => p.key));
    const id = JSON.stringify(input);
    const merge = this.merging.get(id);
    if (merge && keys.has(merge.key)) {
      // A repeat: the record is replaced by one that counts it (new first, so a crash loses no event).
      const count = merge.count + 1;
      const key = await this.store.appendAudit(boxOf({ ...input, at: merge.at, count }));
      await this.store.writeAudit({ deletePending: [merge.key] });
      this.merging.set(id, { key, count, at: merge.at });
      return;
    }
    if (pending.length >= this.pendingLimit) {
      // Full: one record (a count, no content, so it can stay readable) says how many were not kept.
      const over = pending.find((p) => typeof p.value.overflow === 'number');
      const n = over ? (over.value.overflow as number) + 1 : 1;
      const first = over && typeof over.value.at === 'number' ? over.value.at : at;
      await this.store.appendAudit({ overflow: n, at: first });
      if (over) await this.store.writeAudit({ deletePending: [over.key] });
      return;
    }
    const key = await this.store.appendAudit(boxOf({ ...input, at }));
    if (this.merging.size >= this.pendingLimit) this.merging.clear();
    this.merging.set(id, { key, count: 1, at });
  }

  private async sealPendingWith(keyed: Keyed): Promise<number> {
    const pending = await this.store.listAuditPending();
    this.merging.clear();
    if (pending.length === 0) return 0;
    const items: Array<{ input: AuditInput; at: number; late: true }> = [];
    let unreadable = 0;
    for (const { value } of pending) {
      if (typeof value.overflow === 'number') {
        items.push({
          input: {
            type: 'log.checkpoint',
            origin: 'background',
            detail: `${value.overflow} event(s) recorded while locked were not kept: the store for them was full`,
          },
          at: typeof value.at === 'number' && Number.isFinite(value.at) ? value.at : this.now(),
          late: true,
        });
        continue;
      }
      try {
        const v =
          value.sealed !== undefined
            ? (JSON.parse(
                utf8Decode(
                  openSealed(keyed.privateKey, value.sealed as { epk: unknown; nonce: unknown; ct: unknown }),
                ),
              ) as Record<string, unknown>)
            : (value.plain as Record<string, unknown>);
        const at = typeof v.at === 'number' && Number.isFinite(v.at) && v.at >= 0 ? v.at : this.now();
        items.push({ input: cleanInput(v as unknown as AuditInput), at, late: true });
      } catch {
        unreadable++;
      }
    }
    if (unreadable > 0) {
      items.push({
        input: {
          type: 'log.checkpoint',
          origin: 'background',
          detail: `${unreadable} record(s) made while locked could not be read`,
        },
        at: this.now(),
        late: true,
      });
    }
    // A merged record keeps its first time but was stored last: chain them in the order they happened.
    items.sort((a, b) => a.at - b.at);
    await this.append(
      keyed,
      items,
      pending.map((p) => p.key),
    );
    return items.length;
  }

  /** Appends events to the chain and moves the head, in one transaction. */
  private async append(
    keyed: Keyed,
    items: Array<{ input: AuditInput; at: number; late?: true }>,
    deletePending: number[] = [],
  ): Promise<void> {
    let head = (await this.store.getMeta(AUDIT_HEAD_META)) as ChainAnchor | undefined;
    if (!head) {
      const cp = checkCheckpoint(keyed.macKey, await this.store.getMeta(AUDIT_CHECKPOINT_META));
      head = cp ?? { seq: 0, link: GENESIS_LINK };
    }
    let prev = base64ToBytes(head.link);
    let seq = head.seq;
    const linkOf = createLinker(keyed.macKey);
    const put: AuditLogRecord[] = [];
    for (const { input, at, late } of items) {
      seq++;
      const box = seal(keyed.encKey, utf8Encode(JSON.stringify(input)), recordAad(keyed.vaultId, seq));
      const link = linkOf(prev, { seq, at, late, nonce: box.nonce, ct: box.ct });
      const rec: ChainRecord = {
        seq,
        at,
        nonce: bytesToBase64(box.nonce),
        ct: bytesToBase64(box.ct),
        link: bytesToBase64(link),
      };
      if (late) rec.late = true;
      put.push(rec as unknown as AuditLogRecord);
      prev = link;
    }
    await this.store.writeAudit({
      put,
      deletePending,
      meta: { [AUDIT_HEAD_META]: { seq, link: bytesToBase64(prev) } satisfies ChainAnchor },
    });
  }

  /** Applies retention; see the module comment. */
  private async prune(keyed: Keyed): Promise<void> {
    const { maxRecords, maxDays } = await this.retention();
    const { count, first } = await this.store.auditLogStats();
    const cutoff = this.now() - maxDays * DAY_MS;
    const firstAt = typeof first?.at === 'number' ? first.at : Number.POSITIVE_INFINITY;
    if (count <= maxRecords && firstAt >= cutoff) return;
    const records = (await this.store.listAuditLog()) as unknown as ChainRecord[];
    const report = await this.verifyWith(keyed);
    if (!report.ok) return;
    // By age: the oldest, from the front (the newest record always stays: the head must stay verifiable).
    let front = 0;
    while (front < records.length - 1 && (records[front]?.at ?? 0) < cutoff) front++;
    // By count: of the young records, only what a page could have caused or what merges repeats, oldest first.
    const keep = Math.max(1, Math.floor(maxRecords * 0.9));
    let excess = records.length - front - keep;
    const dropped = new Set<number>();
    if (count > maxRecords && excess > 0) {
      for (let i = front; i < records.length - 1 && excess > 0; i++) {
        const r = records[i] as ChainRecord;
        const event = this.readRecord(keyed, r);
        if (event && (PAGE_ORIGINS.has(event.origin ?? '') || (event.count ?? 1) > 1)) {
          dropped.add(i);
          excess--;
        }
      }
    }
    // Only whole runs from the front: the old checkpoint way.
    while (dropped.has(front)) dropped.delete(front++);
    const drop = front + dropped.size;
    if (drop === 0) return;
    const previous = checkCheckpoint(keyed.macKey, await this.store.getMeta(AUDIT_CHECKPOINT_META));
    const total = (previous?.dropped ?? 0) + drop;
    if (dropped.size === 0) {
      const last = records[front - 1] as ChainRecord;
      const fields = { seq: last.seq, link: last.link, at: this.now(), dropped: total };
      const checkpoint: Checkpoint = { ...fields, mac: checkpointMac(keyed.macKey, fields) };
      await this.store.writeAudit({ dropThrough: last.seq, meta: { [AUDIT_CHECKPOINT_META]: checkpoint } });
    } else {
      await this.rechain(
        keyed,
        records.filter((_, i) => i >= front && !dropped.has(i)),
        front > 0 ? (records[front - 1] as ChainRecord).link : (previous?.link ?? GENESIS_LINK),
        total,
      );
    }
    await this.append(keyed, [
      {
        input: {
          type: 'log.checkpoint',
          origin: 'background',
          detail:
            dropped.size === 0
              ? `retention dropped ${drop} record(s) through #${(records[front - 1] as ChainRecord).seq}`
              : `retention dropped ${drop} record(s): the oldest ${front} and ${dropped.size} page-originated or merged (the log was over its count)`,
        },
        at: this.now(),
      },
    ]);
  }

  /** One stored record decrypted, or null when it cannot be (verify() has said the chain is whole). */
  private readRecord(keyed: Keyed, r: ChainRecord): AuditEvent | null {
    try {
      const plain = open(
        keyed.encKey,
        base64ToBytes(r.nonce),
        base64ToBytes(r.ct),
        recordAad(keyed.vaultId, r.seq),
      );
      return parseEvent(utf8Decode(plain), r.seq, r.at, r.late === true);
    } catch {
      return null;
    }
  }

  /**
   * Re-seals `kept` (oldest first) as the whole chain, ending at the current head's seq, behind a new signed
   * checkpoint anchored on `anchorLink`; everything before is deleted. One transaction: all or nothing.
   */
  private async rechain(
    keyed: Keyed,
    kept: ChainRecord[],
    anchorLink: string,
    dropped: number,
  ): Promise<void> {
    const last = kept.at(-1) as ChainRecord;
    const start = last.seq - kept.length;
    const fields = { seq: start, link: anchorLink, at: this.now(), dropped };
    const checkpoint: Checkpoint = { ...fields, mac: checkpointMac(keyed.macKey, fields) };
    const linkOf = createLinker(keyed.macKey);
    let prev = base64ToBytes(anchorLink);
    let seq = start;
    const put: AuditLogRecord[] = [];
    for (const r of kept) {
      seq++;
      const plain = open(
        keyed.encKey,
        base64ToBytes(r.nonce),
        base64ToBytes(r.ct),
        recordAad(keyed.vaultId, r.seq),
      );
      const box = seal(keyed.encKey, plain, recordAad(keyed.vaultId, seq));
      const link = linkOf(prev, { seq, at: r.at, late: r.late, nonce: box.nonce, ct: box.ct });
      const rec: ChainRecord = {
        seq,
        at: r.at,
        nonce: bytesToBase64(box.nonce),
        ct: bytesToBase64(box.ct),
        link: bytesToBase64(link),
      };
      if (r.late) rec.late = true;
      put.push(rec as unknown as AuditLogRecord);
      prev = link;
    }
    await this.store.writeAudit({
      dropThrough: start,
      put,
      meta: {
        [AUDIT_CHECKPOINT_META]: checkpoint,
        [AUDIT_HEAD_META]: { seq, link: bytesToBase64(prev) } satisfies ChainAnchor,
      },
    });
  }
}

/**
 * The command line's handlers (issue 17): what the `keyguard` command may ask through the native port, and
 * what the approval window and the options section ask through their page port.
 *
 * The rule they keep: a key leaves only in the reply to the one request a person approved in KeyGuard's
 * own window (or one that matches a standing "15 minutes" grant they gave for the same command, directory
 * and keys while the vault stayed open). Everything the command says about itself — command line, working
 * directory — is a claim, shown as such. Every request, approval, denial and scan hit is an audit record;
 * a flood of requests is refused, recorded and notified once per window.
 */

import { createRepeatGate } from '../../audit/anomaly';
import type { AuditInput, AuditSink } from '../../audit/events';
import { type GuardPrint, newSalt, printsOf } from '../../guard/fingerprint';
import type {
  ApprovalDecision,
  ApprovalView,
  BridgeState,
  CliErrorCode,
  CliPagePayloadOf,
  CliPageReplyOf,
  CliPageType,
  CliPurpose,
  NativePayloadOf,
  NativeReplyOf,
  NativeType,
  VaultStatus,
} from '../../messages';
import type { KeyValueArea } from '../../settings';
import type { Entry, EntrySummary, IndexRecord } from '../../vault/model';
import { VaultError } from '../../vault/service';
import { resolveRefs } from '../native/refs';
import { RequestError } from '../router';

/** The part of the vault service the command line uses. */
export interface CliVaultApi {
  status(): Promise<VaultStatus>;
  isUnlocked(): Promise<boolean>;
  get(id: string): Promise<Entry>;
  list(): Promise<EntrySummary[]>;
  listIndex(): Promise<IndexRecord[]>;
  exportEntries(): Promise<Entry[]>;
}

export interface CliHandlerDeps {
  vault: CliVaultApi;
  audit: AuditSink;
  /**
   * Where the scan fingerprints of the last unlock are kept (`storage.local`: they are no secret), only while
   * the "Command line" setting is on.
   */
  area: KeyValueArea & { remove(keys: string[]): Promise<void> };
  /** Whether the "Command line" setting is on. */
  enabled(): Promise<boolean>;
  /** Where the flood gate remembers its alerts (`storage.session`). */
  gateArea: KeyValueArea;
  /** Opens the approval window for a request; resolves with its window id. */
  openWindow(requestId: string): Promise<number | undefined>;
  closeWindow(windowId: number): Promise<void>;
  /** Registers a listener for closed windows (`windows.onRemoved`): closing an approval window denies. */
  onWindowRemoved(listener: (windowId: number) => void): void;
  /** Tells the user, once per flood, that requests were refused. */
  notifyFlood(): Promise<void>;
  /** The native port's state, for the options section. */
  bridgeState(): Promise<BridgeState>;
  now?: () => number;
  /** How long a request waits for a person (default 2 minutes). */
  approvalTimeoutMs?: number;
}

/** Key requests at most waiting for a person at once. */
export const MAX_WAITING = 3;
/** Requests (key requests, lists, scan reports) at most per minute; more are a flood. */
export const MAX_PER_MINUTE = 20;
export const GRANT_MS = 15 * 60_000;
export const APPROVAL_TIMEOUT_MS = 2 * 60_000;
const PRINTS_KEY = 'cli.prints';

/** A refusal the command line hears with its own code (see cli/lib/errors.ts for the exit codes). */
export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly ids?: string[],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The context of a native request: the port's generation (one per connection) and the host's relay id. */
export interface NativeContext {
  conn: number;
  rid: number;
}
/** The context of a page-port request: the port itself (its identity binds an approval window). */
export interface PageContext {
  port: object;
}

export type NativeHandlers = {
  [T in NativeType]: (payload: NativePayloadOf<T>, ctx: NativeContext) => Promise<NativeReplyOf<T>>;
};
export type CliPageHandlers = {
  [T in CliPageType]: (payload: CliPagePayloadOf<T>, ctx: PageContext) => Promise<CliPageReplyOf<T>>;
};

/** An approval carries the lock epoch it was given in: a grant never outlives the unlock it was given in. */
type Outcome = { decision: Exclude<ApprovalDecision, 'deny'>; epoch: number } | { error: CliError };

interface Waiting {
  id: string;
  /** `conn:rid`: relay ids restart with each host, so they are told apart by the port's generation. */
  relay: string;
  conn: number;
  purpose: CliPurpose;
  command: string[];
  cwd: string;
  refs: string[];
  ids: string[] | null;
  windowId: number | undefined;
  port: object | null;
  ended: ApprovalView['ended'];
  settle(outcome: Outcome): void;
}

interface StoredPrints {
  salt: string;
  prints: GuardPrint[];
  /** Every entry id when they were made (to tell whether they are stale). */
  ids: string[];
  at: number;
}

function readPrints(v: unknown): StoredPrints | null {
  const r = v as Partial<StoredPrints> | null | undefined;
  if (!r || typeof r.salt !== 'string' || !Array.isArray(r.prints) || !Array.isArray(r.ids)) return null;
  return typeof r.at === 'number' ? (r as StoredPrints) : null;
}

/** The grant key: the same claimed command line and directory asking for the same entries, the same way. */
const grantKey = (purpose: CliPurpose, command: string[], cwd: string, ids: string[]) =>
  JSON.stringify([purpose, command, cwd, [...ids].sort()]);

const relayOf = ({ conn, rid }: NativeContext) => `${conn}:${rid}`;

export function createCliHandlers(deps: CliHandlerDeps) {
  const { vault } = deps;
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.approvalTimeoutMs ?? APPROVAL_TIMEOUT_MS;
  const waiting = new Map<string, Waiting>();
  const byRelay = new Map<string, Waiting>();
  const grants = new Map<string, { until: number; epoch: number }>();
  /** Counts the vault's locks (as told by `locked()`): grants and approvals of an earlier epoch are void. */
  let epoch = 0;
  /**
   * Key requests admitted and not yet finished. Taken synchronously in `admit(true)`, before any await, so
   * that simultaneous requests cannot all pass the "at most MAX_WAITING" check; given back in their finally.
   */
  let slots = 0;
  let recent: number[] = [];
  const floodGate = createRepeatGate({ area: deps.gateArea, windowMs: async () => 60_000 });

  const record = (input: Omit<AuditInput, 'origin'>) => deps.audit.record({ ...input, origin: 'cli' });

  /**
   * Counts a request; refuses it (recorded and notified once per minute) beyond the limits. A key request
   * that passes holds one of the MAX_WAITING slots (taken before the first await); the caller gives it back.
   */
  async function admit(keyRequest: boolean): Promise<void> {
    const at = now();
    recent = recent.filter((x) => at - x < 60_000);
    const over = recent.length >= MAX_PER_MINUTE || (keyRequest && slots >= MAX_WAITING);
    if (!over) {
      recent.push(at);
      if (keyRequest) slots++;
      return;
    }
    if (await floodGate.allow('cli.flood', at)) {
      await deps.audit.record({
        type: 'anomaly.messageFlood',
        origin: 'cli',
        detail: `command line requests refused: more than ${MAX_PER_MINUTE} a minute or ${MAX_WAITING} waiting`,
      });
      await deps.notifyFlood();
    }
    throw new CliError('flood', 'Too many requests from the command line; try again in a minute');
  }

  /** Resolves a request's refs against the open vault (throws the command line's refusal). */
  async function resolve(refs: string[]): Promise<string[]> {
    const result = resolveRefs(refs, await vault.list());
    if (result.ok) return result.ids;
    if (result.code === 'not-found')
      throw new CliError('not-found', `No vault entry is named "${result.ref}"`);
    throw new CliError(
      'ambiguous',
      `${result.ids.length} vault entries are named "${result.ref}"; use the id of one`,
      result.ids,
    );
  }

  /**
   * Re-makes the scan fingerprints while the vault is open and the command line is on; with the command
   * line off, none are kept (they are removed, as the leak guard's are when it is off).
   */
  async function refreshPrints(): Promise<StoredPrints | null> {
    if (!(await deps.enabled())) {
      await deps.area.remove([PRINTS_KEY]);
      return null;
    }
    if (!(await vault.isUnlocked())) return null;
    const entries = await vault.exportEntries();
    const old = readPrints((await deps.area.get(PRINTS_KEY))[PRINTS_KEY]);
    const salt = old?.salt || newSalt();
    const stored: StoredPrints = {
      salt,
      prints: printsOf(entries, salt),
      ids: entries.map((e) => e.id),
      at: now(),
    };
    await deps.area.set({ [PRINTS_KEY]: stored });
    return stored;
  }

  function viewOf(w: Waiting, locked: boolean, names: EntrySummary[] | null): ApprovalView {
    const entries =
      w.ids && names
        ? w.ids.map((id) => {
            const e = names.find((x) => x.id === id);
            return { id, name: e?.name ?? id, host: e?.host ?? '', environment: e?.environment ?? '' };
          })
        : null;
    return { id: w.id, purpose: w.purpose, command: w.command, cwd: w.cwd, entries, locked, ended: w.ended };
  }

  async function view(w: Waiting): Promise<ApprovalView> {
    const unlocked = await vault.isUnlocked();
    return viewOf(w, !unlocked, unlocked ? await vault.list() : null);
  }

  function find(id: string, ctx?: PageContext): Waiting {
    const w = waiting.get(id);
    if (!w) throw new RequestError('invalid', 'This request is no longer waiting');
    if (ctx && w.port !== null && w.port !== ctx.port) {
      throw new RequestError('forbidden', 'Another window answers this request');
    }
    return w;
  }

  /** Ends a request without keys: recorded, its window closed, the command told why. */
  function end(w: Waiting, error: CliError): void {
    w.settle({ error });
  }

  /** One key request, admitted (it holds a slot): a standing grant, or a person's answer in the window. */
  async function request(
    refs: string[],
    purpose: CliPurpose,
    command: string[],
    cwd: string,
    ctx: NativeContext,
  ): Promise<{ keys: Array<{ ref: string; secret: string }> }> {
    const id = crypto.randomUUID();
    await record({
      type: 'cli.requested',
      detail: `keyguard ${purpose}: ${refs.length} key${refs.length === 1 ? '' : 's'} asked for`,
    });
    // Without a vault there is nothing to unlock or approve: say so rather than open a window.
    if (!(await vault.status()).exists) throw new VaultError('no-vault', 'KeyGuard has no vault yet');
    let ids: string[] | null = null;
    if (await vault.isUnlocked()) {
      ids = await resolve(refs).catch(async (e: unknown) => {
        if (e instanceof CliError) await record({ type: 'cli.denied', detail: `refused: ${e.code}` });
        throw e;
      });
      const grant = grants.get(grantKey(purpose, command, cwd, ids));
      if (grant !== undefined && grant.epoch === epoch && grant.until > now()) {
        return hand(ids, refs, 'allowed for 15 minutes (standing)');
      }
    } else {
      // A grant never outlives the unlock it was given in.
      grants.clear();
    }
    let settle!: (o: Outcome) => void;
    const outcome = new Promise<Outcome>((r) => {
      settle = r;
    });
    const w: Waiting = {
      id,
      relay: relayOf(ctx),
      conn: ctx.conn,
      purpose,
      command,
      cwd,
      refs,
      ids,
      windowId: undefined,
      port: null,
      ended: null,
      settle: (o) => {
        if (w.ended !== null) return;
        w.ended = 'decision' in o ? 'approved' : o.error.code;
        settle(o);
      },
    };
    waiting.set(id, w);
    byRelay.set(w.relay, w);
    const timer = setTimeout(
      () => end(w, new CliError('timeout', 'Nobody answered the approval window in time')),
      timeoutMs,
    );
    try {
      w.windowId = await deps.openWindow(id);
      const result = await outcome;
      if ('error' in result) {
        await record({
          type: 'cli.denied',
          ...(w.ids?.length === 1 ? { entryId: w.ids[0] } : {}),
          detail:
            result.error.code === 'denied'
              ? 'denied in the approval window'
              : `refused: ${result.error.code}`,
        });
        throw result.error;
      }
      const approved = w.ids ?? [];
      // Only if the vault has not locked since the person decided (else the grant would outlive that unlock).
      if (result.decision === 'fifteen' && result.epoch === epoch) {
        grants.set(grantKey(purpose, command, cwd, approved), { until: now() + GRANT_MS, epoch });
      }
      return await hand(
        approved,
        refs,
        result.decision === 'once' ? 'allowed once' : 'allowed for 15 minutes',
      );
    } finally {
      clearTimeout(timer);
      waiting.delete(id);
      if (byRelay.get(w.relay) === w) byRelay.delete(w.relay);
      if (w.windowId !== undefined) await deps.closeWindow(w.windowId).catch(() => undefined);
    }
  }

  const native: NativeHandlers = {
    'cli.cancel': async (_payload, ctx) => {
      const w = byRelay.get(relayOf(ctx));
      if (w) end(w, new CliError('cancelled', 'The command gave up'));
      return null;
    },
    'cli.list': async () => {
      await admit(false);
      if (!(await vault.isUnlocked())) throw new VaultError('locked', 'The vault is locked');
      await record({ type: 'cli.requested', detail: 'keyguard list: names, hosts and environments' });
      return (await vault.list()).map((e) => ({
        id: e.id,
        name: e.name,
        host: e.host,
        environment: e.environment,
        state: e.state,
      }));
    },
    'cli.prints': async () => {
      // Each call decrypts every entry and writes storage: it counts like any other request.
      await admit(false);
      const fresh = await refreshPrints();
      const stored = fresh ?? readPrints((await deps.area.get(PRINTS_KEY))[PRINTS_KEY]);
      if (!stored) return { salt: '', prints: [], at: null, stale: true };
      const index = await vault.listIndex();
      const stale = index.length !== stored.ids.length || index.some((r) => !stored.ids.includes(r.id));
      // Names only while the vault is open: they are encrypted at rest.
      const names = fresh ? new Map((await vault.list()).map((e) => [e.id, e.name])) : null;
      return {
        salt: stored.salt,
        prints: stored.prints.map((p) => ({ ...p, name: names?.get(p.id) ?? null })),
        at: stored.at,
        stale,
      };
    },
    'cli.request': async ({ refs, purpose, command, cwd }, ctx) => {
      await admit(true);
      try {
        return await request(refs, purpose, command, cwd, ctx);
      } finally {
        slots--;
      }
    },
    'cli.scanReport': async ({ hits }) => {
      await admit(false);
      const known = new Set((await vault.listIndex()).map((r) => r.id));
      for (const hit of hits.filter((h) => known.has(h.id)).slice(0, 50)) {
        await record({
          type: 'cli.scanHit',
          entryId: hit.id,
          detail: `found by keyguard scan in ${hit.places} place${hit.places === 1 ? '' : 's'}`,
        });
      }
      return null;
    },
    'cli.status': async () => {
      const status = await vault.status();
      const stored = readPrints((await deps.area.get(PRINTS_KEY))[PRINTS_KEY]);
      return {
        vault: !status.exists ? 'none' : status.unlocked ? 'unlocked' : 'locked',
        entries: status.exists ? (await vault.listIndex()).length : 0,
        printsAt: stored?.at ?? null,
      };
    },
  };

  /** The approved keys, in the order of the refs; each hand-out is an audit record. */
  async function hand(ids: string[], refs: string[], how: string) {
    const keys: Array<{ ref: string; secret: string }> = [];
    for (const [i, id] of ids.entries()) {
      const entry = await vault.get(id);
      keys.push({ ref: refs[i] ?? id, secret: entry.secret });
      await record({ type: 'cli.approved', entryId: id, host: entry.host, detail: how });
    }
    return { keys };
  }

  const page: CliPageHandlers = {
    'approval.decide': async ({ request, decision }, ctx) => {
      const w = find(request, ctx);
      // The epoch before any await: a lock while the vault's state is read voids a "15 minutes".
      const decidedIn = epoch;
      if (decision === 'deny') {
        end(w, new CliError('denied', 'The request was denied in KeyGuard'));
        return null;
      }
      if (w.ids === null || !(await vault.isUnlocked())) {
        throw new RequestError('invalid', 'Unlock the vault before allowing the request');
      }
      w.settle({ decision, epoch: decidedIn });
      return null;
    },
    'approval.open': async ({ request }, ctx) => {
      const w = find(request, ctx);
      w.port = ctx.port;
      return view(w);
    },
    'approval.unlocked': async ({ request }, ctx) => {
      const w = find(request, ctx);
      if (w.ids === null && (await vault.isUnlocked())) {
        try {
          w.ids = await resolve(w.refs);
        } catch (e) {
          if (!(e instanceof CliError)) throw e;
          end(w, e);
        }
      }
      return view(w);
    },
    'cli.bridge': async () => deps.bridgeState(),
  };

  // Closing the approval window denies, also before its page asked for the request (no port yet).
  deps.onWindowRemoved((windowId) => {
    for (const w of waiting.values()) {
      if (w.windowId === windowId) end(w, new CliError('denied', 'The approval window was closed'));
    }
  });

  return {
    native,
    page,
    /** A page port closed: a request whose window it was is denied (closing the window = Deny). */
    portClosed(port: object): void {
      for (const w of waiting.values()) {
        if (w.port === port) end(w, new CliError('denied', 'The approval window was closed'));
      }
    },
    /**
     * The vault locked (any way: Lock, auto-lock, browser start): every 15-minute grant ends, and an
     * approval given before the lock gives none after it.
     */
    locked(): void {
      epoch++;
      grants.clear();
    },
    /** The native port of that generation is gone: its waiting requests end as cancelled, windows closed. */
    portLost(conn: number): void {
      for (const w of waiting.values()) {
        if (w.conn === conn) end(w, new CliError('cancelled', 'The command line connection was lost'));
      }
    },
    /**
     * Re-makes the scan fingerprints (after an unlock or a change to the keys; needs the vault open), or,
     * with the command line off, removes them.
     */
    refreshPrints: async (): Promise<void> => void (await refreshPrints()),
  };
}

export type CliHandlers = ReturnType<typeof createCliHandlers>;

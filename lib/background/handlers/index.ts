/**
 * The background's message handlers: thin adapters from the protocol to the vault service and settings.
 * Kept apart from the entrypoint so the router fuzz tests run them against a fake browser.
 */

import { createRepeatGate, WRONG_PASSWORD_DETAIL } from '../../audit/anomaly';
import type { AuditInput, AuditOrigin, AuditSink } from '../../audit/events';
import { type AuditEvent, AuditLockedError, type AuditVerifyReport } from '../../audit/log';
import { errorKind } from '../../errors';
import type { GuardPrintStore, GuardView } from '../../guard/fingerprint';
import { t } from '../../i18n';
import type { CopyReply, PageRow, RotationView, RowMatch, VaultStatus, VerifyReport } from '../../messages';
import { cellDate } from '../../page/dates';
import { environmentOf, hostnameOf } from '../../page/hosts';
import {
  advance,
  loadRotations,
  newRotation,
  type RotationRecord,
  saveRotations,
  stepOf,
  suggestedExpiryDays,
  suggestedName,
} from '../../rotation/flow';
import { hygieneFindings } from '../../rotation/hygiene';
import { assess, normaliseState, REMINDER_STATE_KEY } from '../../rotation/reminders';
import { expiryStatus, rotationStatus } from '../../rotation/schedule';
import { type KeyValueArea, loadSettings, type Settings, saveSettings } from '../../settings';
import { applyImport, createExport, ExportError, planImport, readExport } from '../../vault/export';
import { summaryOf } from '../../vault/format';
import type { Entry, EntryPatch, EntrySummary, IndexRecord, NewEntry, Observed } from '../../vault/model';
import { MIN_PASSWORD_LENGTH } from '../../vault/password';
import { VaultError } from '../../vault/service';
import { type HandlerContext, type Handlers, pageUrlOf, RequestError } from '../router';

/** The part of VaultService the handlers use. */
export interface VaultApi {
  status(): Promise<VaultStatus>;
  create(password: string): Promise<void>;
  unlock(password: string): Promise<void>;
  lock(): Promise<void>;
  isUnlocked(): Promise<boolean>;
  changePassword(oldPassword: string, newPassword: string): Promise<void>;
  add(entry: NewEntry): Promise<Entry>;
  update(id: string, patch: EntryPatch, reason?: string): Promise<Entry>;
  /** Records what the DocBits page showed for an entry, in the clear index (works while locked). */
  observe(id: string, observed: Observed): Promise<void>;
  remove(id: string): Promise<void>;
  get(id: string): Promise<Entry>;
  list(): Promise<EntrySummary[]>;
  listIndex(): Promise<IndexRecord[]>;
  checkPassword(password: string): Promise<void>;
  exportEntries(): Promise<Entry[]>;
  importEntries(add: Entry[], replace: Entry[]): Promise<void>;
  verify(): Promise<VerifyReport>;
}

export interface HandlerDeps {
  vault: VaultApi;
  settingsArea: KeyValueArea;
  /** Called after a successful create/unlock and after lock, to start or stop the auto-lock watch. */
  onUnlocked(): Promise<void>;
  onLocked(): Promise<void>;
  /** Puts `text` on the clipboard and clears it after `clearAfterMs` (0 = never). */
  copyToClipboard(text: string, clearAfterMs: number): Promise<void>;
  /**
   * Injects KeyGuard's page controls (entrypoints/docbits-ui) into the asking DocBits tab and frame — a
   * fixed file of ours, into the sender's own frame only — into the very document that asked when the
   * browser names it (`documentId`), so a navigation in between cannot receive it.
   */
  injectPageUi(target: { tabId: number; frameId: number; documentId?: string }): Promise<void>;
  /** Opens an extension-owned window where the user can unlock. */
  openUnlockWindow(): Promise<void>;
  /** After settings changed, e.g. to register the content script on new on-premise hosts. */
  onSettingsChanged?(settings: Settings): Promise<void>;
  /** Snoozes the reminders of these entries. */
  snooze?(ids: string[], length: 'day' | 'week'): Promise<void>;
  now?: () => number;
  /** Where sensitive actions are recorded (lib/audit/events.ts); absent in tests that do not care. */
  audit?: AuditSink;
  /** Reads and verifies the audit log (the viewer in options). */
  auditLog?: {
    list(): Promise<AuditEvent[]>;
    verify(): Promise<AuditVerifyReport>;
    /** Wipes the log's cached keys (after Lock no copy of the data key may stay in memory). */
    forget?(): void | Promise<void>;
  };
  /** The leak guard's fingerprints of the vault's keys, refreshed after every change to them. */
  guardPrints?: GuardPrintStore;
}

/** Where a request came from, for the audit log. */
export function originOf(ctx: HandlerContext): AuditOrigin {
  if (ctx.kind === 'docbits-content') return 'docbits-page';
  if (ctx.kind === 'guard-content') return 'guard';
  return /\/options\.html(?:[?#]|$)/.test(ctx.sender.url ?? '') ? 'options' : 'popup';
}

/** An export file refused: the English message, and the problem for the options page to put into words. */
function fileRefusal(e: ExportError): RequestError {
  return new RequestError('invalid', e.message, { problem: e.code, ...(e.key ? { key: e.key } : {}) });
}

/** Names of the fields a patch changes (never their values). */
const fieldsOf = (patch: object) => Object.keys(patch).sort().join(', ');

/** The DocBits host a content-script request came from (the router has already vetted it). */
function senderHost(ctx: HandlerContext): string {
  return new URL(ctx.sender.url ?? '').hostname;
}

/** How many leak-guard reports one tab may send per window (more are refused and not recorded). */
export const GUARD_REPORT_LIMIT = 20;
export const GUARD_REPORT_WINDOW_MS = 60_000;
/**
 * How many records of the same guard event (key, action, site) one anomaly window keeps: a user pasting a
 * key twice is recorded twice; a page faking reports fills no more than this (issue 15, finding 3).
 */
export const GUARD_RECORD_REPEATS = 5;
/**
 * How many `page.rows` one tab may send per window. The content script sends one per change of the key
 * table, a handful when the page loads or the user filters it; a page forging rows to flood the audit log
 * sends many more (issue 15, finding 1). Beyond the limit the request is refused, and recorded once.
 */
export const PAGE_ROWS_LIMIT = 120;
export const PAGE_ROWS_WINDOW_MS = 60_000;

/**
 * The prefix DocBits shows in its key table for a key: a known vendor tag (`dbk_`, `db_live_`) and four more
 * characters, else the first eight (`<code class="key-prefix">PREFIX****</code>`). KeyGuard keeps exactly this
 * in the clear index and accepts a table row's prefix only in exactly this shape, so a page offering longer
 * or shorter candidates learns nothing about a stored key and makes KeyGuard store nothing more than DocBits
 * itself shows (issue 15, finding 2). Empty for a key too short to have a prefix shown.
 */
export function displayedPrefix(secret: string): string {
  const tag = /^(?:dbk_|db_live_)/.exec(secret)?.[0];
  const length = tag ? tag.length + 4 : 8;
  // A prefix is never more than half the key (a short key shows no prefix KeyGuard would keep).
  return secret.length >= length * 2 ? secret.slice(0, length) : '';
}

/** Counts requests per tab in a sliding window; refuses beyond the limit (in memory: a restart forgets). */
function createTabLimiter(limit: number, windowMs: number) {
  const seen = new Map<number, number[]>();
  return (tab: number, at: number): boolean => {
    for (const [t, times] of seen) {
      const recent = times.filter((x) => at - x < windowMs);
      if (recent.length === 0) seen.delete(t);
      else seen.set(t, recent);
    }
    const times = seen.get(tab) ?? [];
    if (times.length >= limit) return false;
    times.push(at);
    seen.set(tab, times);
    return true;
  };
}

/** Entries of the page's host and organisation (an entry without an org id matches any). */
function sameSite(records: IndexRecord[], host: string, orgId: string | null): IndexRecord[] {
  return records.filter((r) => r.host === host && (r.orgId === null || orgId === null || r.orgId === orgId));
}

/** Strips what must never leave the vault in a list or non-page reply. */
export function toSummary(entry: Entry): EntrySummary {
  // Field by field (a whitelist), so nothing added to Entry later can ride along by accident.
  return summaryOf(entry);
}

/** One handler per message type, alphabetical like MESSAGES. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { vault } = deps;
  const now = deps.now ?? Date.now;
  /** Records an audit event; the sink never throws. */
  const record = async (input: AuditInput): Promise<void> => {
    await deps.audit?.record(input);
  };

  /**
   * Re-fingerprints the vault's keys for the leak guard while it is on (needs the vault open); while it is
   * off, no fingerprint and no salt is kept. A failure is not the caller's.
   */
  async function refreshGuard(settings?: Settings): Promise<void> {
    if (!deps.guardPrints) return;
    try {
      const { guardEnabled } = settings ?? (await loadSettings(deps.settingsArea));
      if (!guardEnabled) await deps.guardPrints.clear();
      else if (await vault.isUnlocked()) await deps.guardPrints.refresh(await vault.exportEntries());
    } catch (e) {
      console.warn('KeyGuard: leak guard fingerprints not refreshed', errorKind(e));
    }
  }

  /** The fingerprints the sender's page is given (nothing while the guard is off). */
  async function guardViewOf(ctx: HandlerContext): Promise<GuardView> {
    const settings = await loadSettings(deps.settingsArea);
    if (!settings.guardEnabled || !deps.guardPrints)
      return { salt: '', prints: [], lengths: [], insecure: false };
    // (a frame of no site — sandboxed, data: — is watched as a foreign page: null)
    return deps.guardPrints.view(pageUrlOf(ctx.sender)?.href ?? null, settings.guardAllowlist);
  }

  /** Counts a guard report of the sender's tab; false when the tab is over its limit. */
  const guardReportLimiter = createTabLimiter(GUARD_REPORT_LIMIT, GUARD_REPORT_WINDOW_MS);
  const guardReportAllowed = (ctx: HandlerContext) => guardReportLimiter(ctx.sender.tab?.id ?? -1, now());
  const pageRowsAllowed = createTabLimiter(PAGE_ROWS_LIMIT, PAGE_ROWS_WINDOW_MS);

  /** What a page can repeat at will is recorded (and notified) once per subject per window. */
  const repeats = createRepeatGate({
    area: deps.settingsArea,
    windowMs: async () => (await loadSettings(deps.settingsArea)).anomalyRepeatMinutes * 60_000,
  });
  const recordOnce = async (subject: string, input: AuditInput, limit = 1): Promise<void> => {
    if (await repeats.allow(subject, now(), limit)) await record(input);
  };

  async function requireLog() {
    if (!deps.auditLog) throw new RequestError('invalid', 'There is no audit log here');
    return deps.auditLog;
  }

  /** Audit reads need the vault open; say so the way every other locked read does. */
  async function fromLog<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof AuditLockedError) throw new VaultError('locked', 'The vault is locked');
      throw e;
    }
  }

  /** Entries the page revoked while the vault was locked are retired as soon as it is unlocked. */
  async function reconcile(): Promise<void> {
    for (const r of await vault.listIndex()) {
      if (r.observed?.status === 'revoked' && r.state !== 'retired') {
        await vault.update(r.id, { state: 'retired' }, 'revoked on DocBits');
        await record({
          type: 'entry.retired',
          entryId: r.id,
          origin: 'background',
          detail: 'revoked on DocBits',
        });
      }
    }
  }

  async function copy(text: string): Promise<CopyReply> {
    const clearAfterSeconds = (await loadSettings(deps.settingsArea)).clipboardClearSeconds;
    await deps.copyToClipboard(text, clearAfterSeconds * 1000);
    return { clearAfterSeconds };
  }

  /** Reads and plans an import; a bad file becomes a clear refusal and nothing is written. */
  async function planFrom(file: string, password: string) {
    let incoming: Entry[];
    try {
      incoming = await readExport(file, password);
    } catch (e) {
      if (e instanceof ExportError) {
        if (e.code === 'password') throw new VaultError('bad-password', e.message);
        throw fileRefusal(e);
      }
      throw e;
    }
    return planImport(await vault.exportEntries(), incoming);
  }

  async function afterUnlock(): Promise<VaultStatus> {
    await deps.onUnlocked();
    await reconcile();
    await refreshGuard();
    return vault.status();
  }

  /**
   * Learns the DocBits prefix of entries without one (added by hand, or saved before KeyGuard stored it at
   * save time; needs the vault open). A row's prefix is taken only when it is exactly what DocBits shows for
   * the entry's key ({@link displayedPrefix}) and exactly one such entry has it: the page's rows are the
   * page's to forge, so anything looser is an oracle on the stored keys (issue 15, finding 2).
   */
  async function learnPrefixes(records: IndexRecord[], rows: PageRow[]): Promise<void> {
    const known = new Set(records.map((r) => r.prefix).filter(Boolean));
    const unknown = records.filter((r) => r.prefix === '' && r.state !== 'retired');
    if (unknown.length === 0) return;
    const shown = new Map<string, string[]>();
    for (const r of unknown) {
      const prefix = displayedPrefix((await vault.get(r.id)).secret);
      if (prefix !== '') shown.set(prefix, [...(shown.get(prefix) ?? []), r.id]);
    }
    for (const prefix of new Set(rows.map((row) => row.prefix))) {
      const ids = shown.get(prefix);
      if (known.has(prefix) || ids?.length !== 1) continue;
      const id = ids[0] as string;
      await vault.update(id, { prefix });
      known.add(prefix);
    }
  }

  /** Names of every entry while the vault is open, else null (the page then learns no names). */
  async function namesIfOpen(): Promise<Map<string, string> | null> {
    if (!(await vault.isUnlocked())) return null;
    return new Map((await vault.list()).map((e) => [e.id, e.name]));
  }

  function viewOf(
    r: RotationRecord,
    records: IndexRecord[],
    names: Map<string, string> | null,
  ): RotationView {
    const old = records.find((x) => x.id === r.oldId);
    const name = names?.get(r.oldId) ?? null;
    return {
      oldId: r.oldId,
      newId: r.newId,
      host: r.host,
      step: stepOf(r),
      name,
      suggestedName: name === null ? null : suggestedName(name, r.startedAt, (n, d) => t('rotRenamed', n, d)),
      expiryDays: old ? suggestedExpiryDays(old.createdAt, old.expiresAt) : null,
      warning: r.warnedLastUsed !== null,
    };
  }

  /**
   * Moves every rotation of `host` on from the facts the page just showed: the new key's first use, the
   * old key still used afterwards (warned once per movement), the old key revoked (rotation complete).
   */
  async function advanceRotations(host: string, unlocked: boolean): Promise<RotationRecord[]> {
    const at = now();
    const rotations = await loadRotations(deps.settingsArea, at);
    const index = new Map((await vault.listIndex()).map((r) => [r.id, r]));
    let changed = false;
    for (const [id, r] of rotations) {
      if (r.host !== host) continue;
      const { record, events } = advance(
        r,
        index.get(r.oldId)?.observed,
        r.newId ? index.get(r.newId)?.observed : undefined,
        at,
      );
      if (events.length === 0) continue;
      changed = true;
      rotations.set(id, record);
      for (const event of events) {
        if (event === 'newKeyUsed') {
          await deps.audit?.record({
            type: 'rotation.newKeyUsed',
            entryId: r.newId ?? id,
            origin: 'docbits-page',
            host,
          });
        } else if (event === 'oldKeyStillUsed') {
          await deps.audit?.record({
            type: 'rotation.oldKeyStillUsed',
            entryId: id,
            origin: 'docbits-page',
            host,
          });
        } else {
          if (unlocked && index.get(id)?.state !== 'retired') {
            await vault.update(id, { state: 'retired' }, 'rotation completed: revoked on DocBits');
          }
          await deps.audit?.record({ type: 'rotation.completed', entryId: id, origin: 'docbits-page', host });
        }
      }
    }
    if (changed) await saveRotations(deps.settingsArea, rotations);
    return [...rotations.values()].filter((r) => r.host === host);
  }

  /** A key saved on a host with a rotation waiting for its new key becomes that rotation's successor. */
  async function linkSuccessor(host: string, newId: string): Promise<void> {
    const at = now();
    const rotations = await loadRotations(deps.settingsArea, at);
    const waiting = [...rotations.values()]
      .filter((r) => r.host === host && r.newId === null && r.completedAt === null && r.oldId !== newId)
      .sort((a, b) => b.startedAt - a.startedAt)[0];
    if (!waiting) return;
    await vault.update(newId, { predecessorId: waiting.oldId }, 'rotation: successor of an older key');
    await vault.update(
      waiting.oldId,
      { successorId: newId, state: 'rotating' },
      'rotation: successor captured',
    );
    rotations.set(waiting.oldId, { ...waiting, newId });
    await saveRotations(deps.settingsArea, rotations);
    await deps.audit?.record({
      type: 'rotation.captured',
      entryId: waiting.oldId,
      origin: 'docbits-page',
      host,
    });
  }

  return {
    'audit.list': async ({ filter }) => {
      const log = await requireLog();
      const events = await fromLog(() => log.list());
      return events
        .filter(
          (e) =>
            (filter.entryId === undefined || e.entryId === filter.entryId) &&
            (filter.type === undefined || e.type === filter.type) &&
            (filter.from === undefined || e.at >= filter.from) &&
            (filter.to === undefined || e.at <= filter.to),
        )
        .reverse();
    },
    'audit.pageReveal': async ({ entryId }, ctx) => {
      const host = senderHost(ctx);
      // A page may only record reveals of its own host's keys.
      if (entryId !== null && (await vault.listIndex()).find((r) => r.id === entryId)?.host !== host) {
        throw new RequestError('forbidden', 'This key belongs to another DocBits host');
      }
      await record({
        type: 'entry.revealed',
        origin: 'docbits-page',
        host,
        ...(entryId !== null ? { entryId } : {}),
        detail: 'shown on the DocBits page',
      });
      return null;
    },
    'audit.verify': async () => {
      const log = await requireLog();
      return fromLog(() => log.verify());
    },
    'clipboard.copyPageKey': async ({ text }, ctx) => {
      const reply = await copy(text);
      await record({
        type: 'entry.copied',
        origin: 'docbits-page',
        host: senderHost(ctx),
        detail: 'key shown on the page',
      });
      return reply;
    },
    'entry.add': async ({ entry }, ctx) => {
      const added = await vault.add(entry);
      await record({ type: 'entry.added', entryId: added.id, origin: originOf(ctx), host: added.host });
      await refreshGuard();
      return toSummary(added);
    },
    'entry.capture': async ({ entry }, ctx) => {
      const host = senderHost(ctx);
      // Saving the same key twice (a second click, a reload of the dialog) returns the existing entry.
      for (const r of (await vault.listIndex()).filter((x) => x.host === host)) {
        if (r.prefix !== '' && !entry.secret.startsWith(r.prefix)) continue;
        const existing = await vault.get(r.id);
        if (existing.secret === entry.secret) return { entry: toSummary(existing), existing: true };
      }
      const added = await vault.add({
        ...entry,
        host,
        // What DocBits shows of it in its table, known now rather than learned from rows the page can forge.
        prefix: displayedPrefix(entry.secret),
        // What the user chose in the save form, else what the host says.
        environment: entry.environment ?? environmentOf(host),
        source: 'captured',
      });
      await record({ type: 'entry.captured', entryId: added.id, origin: 'docbits-page', host });
      await linkSuccessor(host, added.id);
      await refreshGuard();
      return { entry: toSummary(await vault.get(added.id)), existing: false };
    },
    'entry.copy': async ({ id }, ctx) => {
      const entry = await vault.get(id);
      // A page may only copy keys that belong to it.
      if (ctx.kind !== 'extension-page' && entry.host !== senderHost(ctx)) {
        await recordOnce(`anomaly.foreignHostCopy:${id}:${senderHost(ctx)}`, {
          type: 'anomaly.foreignHostCopy',
          entryId: id,
          origin: originOf(ctx),
          host: senderHost(ctx),
          detail: `copy refused: the key belongs to ${entry.host}`,
        });
        throw new RequestError('forbidden', 'This key belongs to another DocBits host');
      }
      const reply = await copy(entry.secret);
      await record({
        type: 'entry.copied',
        entryId: id,
        origin: originOf(ctx),
        host: ctx.kind === 'extension-page' ? entry.host : senderHost(ctx),
      });
      return reply;
    },
    'entry.get': async ({ id }, ctx) => {
      const entry = await vault.get(id);
      // Extension pages ask for the full entry to show or edit its key.
      await record({ type: 'entry.revealed', entryId: id, origin: originOf(ctx), host: entry.host });
      return entry;
    },
    'entry.index': async () => vault.listIndex(),
    'entry.list': async () => vault.list(),
    'entry.remove': async ({ id }, ctx) => {
      await vault.remove(id);
      await record({ type: 'entry.deleted', entryId: id, origin: originOf(ctx) });
      await refreshGuard();
      return null;
    },
    'entry.update': async ({ id, patch }, ctx) => {
      const updated = await vault.update(id, patch);
      await record({
        type: 'entry.edited',
        entryId: id,
        origin: originOf(ctx),
        detail: `changed: ${fieldsOf(patch)}`,
      });
      if (patch.state === 'retired')
        await record({ type: 'entry.retired', entryId: id, origin: originOf(ctx) });
      if (patch.secret !== undefined) await refreshGuard();
      return toSummary(updated);
    },
    'guard.prints': async (_payload, ctx) => guardViewOf(ctx),
    // The payload's `insecure` is kept for compatibility but not trusted: the sender's URL decides.
    'guard.report': async ({ entryId, action }, ctx) => {
      if (!guardReportAllowed(ctx)) throw new RequestError('forbidden', 'Too many leak guard reports');
      // Only a key this page is actually watching for can be reported from it.
      const view = await guardViewOf(ctx);
      const print = view.prints.some((p) => p.id === entryId)
        ? await deps.guardPrints?.lookup(entryId)
        : undefined;
      if (!print) throw new RequestError('forbidden', 'This page does not guard that key');
      // A frame of no site is named by its tab's page, where the browser tells it.
      const url = pageUrlOf(ctx.sender);
      const host = url?.hostname ?? hostnameOf(ctx.sender.tab?.url);
      const insecure = url?.protocol === 'http:';
      const type =
        action === 'warned'
          ? 'guard.warned'
          : action === 'pastedAnyway'
            ? 'guard.pastedAnyway'
            : 'guard.cancelled';
      // Any page can send this (a guard frame is the page's): a few per key, action and page per window.
      await recordOnce(
        `${type}:${entryId}:${host ?? ''}`,
        {
          type,
          entryId,
          origin: 'guard',
          host,
          detail: !url ? 'sandboxed frame' : insecure ? 'insecure (http) page' : 'foreign page',
        },
        GUARD_RECORD_REPEATS,
      );
      // Never the key's name: a closed shadow root does not hide text from the page around it (window.find),
      // and the ids in guard.prints would let any site list every name (issue 15, finding 3). The warning
      // says "a DocBits API key for HOST".
      return { name: null, host: print.host };
    },
    'page.rows': async ({ orgId, lang, rows }, ctx) => {
      const host = senderHost(ctx);
      const tab = ctx.sender.tab?.id ?? -1;
      if (!pageRowsAllowed(tab, now())) {
        await recordOnce(`anomaly.messageFlood:page.rows:${host}`, {
          type: 'anomaly.messageFlood',
          origin: 'docbits-page',
          host,
          detail: `key table updates refused: more than ${PAGE_ROWS_LIMIT} a minute from one tab`,
        });
        throw new RequestError('forbidden', 'Too many key table updates from this page');
      }
      // A real table shows each key once: a prefix repeated in one message counts once (finding 1).
      const firstRows = new Map<string, PageRow>();
      for (const row of rows) if (!firstRows.has(row.prefix)) firstRows.set(row.prefix, row);
      rows = [...firstRows.values()];
      const settings = await loadSettings(deps.settingsArea);
      const unlocked = await vault.isUnlocked();
      let records = sameSite(await vault.listIndex(), host, orgId);
      if (unlocked) {
        await learnPrefixes(records, rows);
        records = sameSite(await vault.listIndex(), host, orgId);
      }
      const at = now();
      const out: RowMatch[] = [];
      const retiredUsed: string[] = [];
      /** The entries the page's rows are about. */
      const shownIds = new Set<string>();
      for (const row of rows) {
        // Prefer the live entry when a retired one shares the prefix.
        const candidates = records.filter((r) => r.prefix !== '' && r.prefix === row.prefix);
        const rec = candidates.find((r) => r.state !== 'retired') ?? candidates[0];
        if (!rec) {
          out.push({ prefix: row.prefix, entry: null });
          continue;
        }
        shownIds.add(rec.id);
        if (row.status !== 'unknown') {
          const lastUsedAt = cellDate(row.lastUsed ?? '', lang);
          // A key KeyGuard had retired whose "Last used" moves: something still holds it (once per movement,
          // as the new value is stored just below and is the next comparison's base).
          const before = rec.observed?.lastUsedAt;
          if (
            rec.state === 'retired' &&
            typeof lastUsedAt === 'number' &&
            (before === null || (typeof before === 'number' && lastUsedAt > before)) &&
            !retiredUsed.includes(rec.id)
          ) {
            retiredUsed.push(rec.id);
          }
          const observed = {
            status: row.status,
            expiresAt: cellDate(row.expires ?? '', lang),
            lastUsedAt,
            at,
          };
          await vault.observe(rec.id, observed);
          // The next row's comparison starts from what was just stored.
          rec.observed = observed;
        }
        let state = rec.state;
        if (row.status === 'revoked' && state !== 'retired' && unlocked) {
          state = (await vault.update(rec.id, { state: 'retired' }, 'revoked on DocBits')).state;
        }
        const facts = { createdAt: rec.createdAt, expiresAt: rec.expiresAt, rotateBy: rec.rotateBy };
        out.push({
          prefix: row.prefix,
          entry: {
            id: rec.id,
            createdAt: rec.createdAt,
            expiresAt: rec.expiresAt,
            state,
            rotation: rotationStatus(facts, settings, at),
            expiry: expiryStatus(facts, settings, at),
          },
        });
      }
      // An anomaly: the audit log raises its notification, like every other anomaly's. The page can move
      // "Last used" as often as it likes, so once per key per window (finding 1).
      for (const id of retiredUsed) {
        await recordOnce(`anomaly.retiredKeyUsed:${id}`, {
          type: 'anomaly.retiredKeyUsed',
          entryId: id,
          origin: 'docbits-page',
          host,
        });
      }
      const advanced = await advanceRotations(host, unlocked);
      // Without an organisation the page would see every tenant's keys on the host: it learns about the
      // entries its own rows show, and nothing else (issue 15, finding 8).
      const inScope = (id: string | null) => orgId !== null || (id !== null && shownIds.has(id));
      const index = sameSite(await vault.listIndex(), host, orgId).filter((r) => inScope(r.id));
      const rotations = advanced.filter((r) => inScope(r.oldId) || inScope(r.newId));
      const names = unlocked ? await namesIfOpen() : null;
      // The old entry may just have been retired by a completed rotation.
      for (const m of out) {
        const rec = m.entry && index.find((r) => r.id === m.entry?.id);
        if (m.entry && rec) m.entry.state = rec.state;
      }
      return {
        unlocked,
        rows: out,
        rotations: rotations.map((r) => viewOf(r, index, names)),
        hygiene: hygieneFindings(index, settings, at, names),
      };
    },
    'reminder.snooze': async ({ ids, length }) => {
      await deps.snooze?.(ids, length);
      return null;
    },
    'reminder.status': async () => {
      const at = now();
      const settings = await loadSettings(deps.settingsArea);
      const state = normaliseState((await deps.settingsArea.get(REMINDER_STATE_KEY))[REMINDER_STATE_KEY]);
      const live = assess(await vault.listIndex(), settings, at);
      return { ids: live.filter((a) => a.attention && !((state.snoozed[a.id] ?? 0) > at)).map((a) => a.id) };
    },
    'rotation.cancel': async ({ id }, ctx) => {
      const rotations = await loadRotations(deps.settingsArea, now());
      const r = rotations.get(id);
      if (!r) throw new RequestError('invalid', 'No rotation of this key is in progress');
      if (ctx.kind !== 'extension-page' && r.host !== senderHost(ctx)) {
        throw new RequestError('forbidden', 'This key belongs to another DocBits host');
      }
      rotations.delete(id);
      await saveRotations(deps.settingsArea, rotations);
      const entry = (await vault.listIndex()).find((x) => x.id === id);
      if (entry?.state === 'rotating' && (await vault.isUnlocked())) {
        await vault.update(id, { state: 'active' }, 'rotation cancelled');
      }
      await deps.audit?.record({
        type: 'rotation.cancelled',
        entryId: id,
        origin: ctx.kind === 'extension-page' ? 'popup' : 'docbits-page',
        host: r.host,
      });
      return null;
    },
    'rotation.list': async () => {
      const rotations = await loadRotations(deps.settingsArea, now());
      const index = await vault.listIndex();
      const names = await namesIfOpen();
      return [...rotations.values()].map((r) => viewOf(r, index, names));
    },
    'rotation.start': async ({ id }, ctx) => {
      // Needs the vault open: the name for the suggestion and the checklist.
      const entry = await vault.get(id);
      if (ctx.kind !== 'extension-page' && entry.host !== senderHost(ctx)) {
        throw new RequestError('forbidden', 'This key belongs to another DocBits host');
      }
      if (entry.state === 'retired') throw new RequestError('invalid', 'A retired key cannot be rotated');
      const at = now();
      const rotations = await loadRotations(deps.settingsArea, at);
      let r = rotations.get(id);
      if (!r || r.completedAt !== null) {
        r = newRotation(id, entry.host, at);
        rotations.set(id, r);
        await saveRotations(deps.settingsArea, rotations);
        await deps.audit?.record({
          type: 'rotation.started',
          entryId: id,
          origin: ctx.kind === 'extension-page' ? 'popup' : 'docbits-page',
          host: entry.host,
        });
      }
      return viewOf(r, await vault.listIndex(), new Map([[id, entry.name]]));
    },
    'hygiene.report': async () => {
      const names = await namesIfOpen();
      if (!names) throw new VaultError('locked', 'The vault is locked');
      const settings = await loadSettings(deps.settingsArea);
      return hygieneFindings(await vault.listIndex(), settings, now(), names).map((f) => ({
        ...f,
        name: names.get(f.entryId) ?? '',
      }));
    },
    'settings.get': async () => loadSettings(deps.settingsArea),
    'settings.set': async ({ patch }, ctx) => {
      const next = await saveSettings(deps.settingsArea, patch);
      await record({
        type: 'settings.changed',
        origin: originOf(ctx),
        detail: `changed: ${fieldsOf(patch)}`,
      });
      await deps.onSettingsChanged?.(next);
      // Turning the leak guard off forgets its fingerprints and salt; turning it on makes them.
      if (patch.guardEnabled !== undefined) await refreshGuard(next);
      // A changed auto-lock time takes effect now, not at the next unlock.
      if (await vault.isUnlocked()) await deps.onUnlocked();
      return next;
    },
    'ui.load': async (_, ctx) => {
      const tabId = ctx.sender.tab?.id;
      if (tabId === undefined) throw new RequestError('forbidden', 'Only a page in a tab gets controls');
      const { frameId = 0, documentId } = ctx.sender;
      await deps.injectPageUi(documentId ? { tabId, frameId, documentId } : { tabId, frameId });
      return null;
    },
    'ui.openUnlock': async () => {
      await deps.openUnlockWindow();
      return null;
    },
    'vault.changePassword': async ({ oldPassword, newPassword }, ctx) => {
      await vault.changePassword(oldPassword, newPassword);
      await record({ type: 'vault.passwordChanged', origin: originOf(ctx) });
      return null;
    },
    'vault.create': async ({ password }, ctx) => {
      await vault.create(password);
      await record({ type: 'vault.created', origin: originOf(ctx) });
      return afterUnlock();
    },
    'vault.export': async ({ password, separate }, ctx) => {
      // With the master password, check it first: a typo would make a backup nobody can open.
      if (!separate) await vault.checkPassword(password);
      // A separate password protects the same keys: the master password's minimum applies, here and not
      // only in the form (issue 15, finding 5). Code points, as the vault counts them.
      else if ([...password].length < MIN_PASSWORD_LENGTH) {
        throw new RequestError(
          'invalid',
          `The export password must be at least ${MIN_PASSWORD_LENGTH} characters`,
        );
      }
      const entries = await vault.exportEntries();
      try {
        const file = await createExport(entries, password);
        await record({
          type: 'vault.exported',
          origin: originOf(ctx),
          detail: `${entries.length} entries, ${separate ? 'separate' : 'master'} password`,
        });
        return { file, count: entries.length };
      } catch (e) {
        if (e instanceof ExportError) throw fileRefusal(e);
        throw e;
      }
    },
    'vault.importApply': async ({ file, password, conflicts }, ctx) => {
      const { add, replace } = applyImport(await planFrom(file, password), { conflicts }, { now: now() });
      await vault.importEntries(add, replace);
      await record({
        type: 'vault.imported',
        origin: originOf(ctx),
        detail: `${add.length} added, ${replace.length} replaced (conflicts: ${conflicts})`,
      });
      await refreshGuard();
      return { added: add.length, replaced: replace.length };
    },
    'vault.importPreview': async ({ file, password }) => {
      const plan = await planFrom(file, password);
      return {
        added: plan.added.map(toSummary),
        identical: plan.identical.length,
        conflicts: plan.conflicts.map((c) => ({
          incoming: toSummary(c.incoming),
          existingId: c.existingId,
          reason: c.reason,
        })),
      };
    },
    'vault.lock': async (_payload, ctx) => {
      // Recorded before locking, so it is sealed into the chain with the key still at hand.
      if (await vault.isUnlocked()) await record({ type: 'vault.locked', origin: originOf(ctx) });
      await vault.lock();
      await deps.auditLog?.forget?.();
      await deps.onLocked();
      return vault.status();
    },
    'vault.status': async () => vault.status(),
    'vault.unlock': async ({ password }, ctx) => {
      try {
        await vault.unlock(password);
      } catch (e) {
        if (e instanceof VaultError && (e.code === 'bad-password' || e.code === 'backoff')) {
          const wait =
            e.code === 'bad-password' ? (await vault.status()).retryAfterMs : (e.retryAfterMs ?? 0);
          const seconds = Math.ceil(wait / 1000);
          await record({
            type: 'vault.unlockFailed',
            origin: originOf(ctx),
            detail:
              e.code === 'bad-password'
                ? `${WRONG_PASSWORD_DETAIL}; next attempt in ${seconds} s`
                : `refused during the back-off (${seconds} s left)`,
          });
        }
        throw e;
      }
      await record({ type: 'vault.unlocked', origin: originOf(ctx) });
      return afterUnlock();
    },
    'vault.verify': async () => vault.verify(),
  };
}

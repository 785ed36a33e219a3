/**
 * THE protocol between KeyGuard's contexts. Every message type is listed here with its payload check,
 * its reply type and the sender kinds allowed to send it; the background router refuses everything else.
 *
 * Rule: a message whose reply carries a vault secret (`secretReply`) may only be sent by extension pages.
 * A unit test enforces it, so a content script can never be handed a secret by adding a sender kind.
 */

import { AUDIT_TYPES, type AuditType } from './audit/events';
import type { AuditEvent, AuditVerifyReport } from './audit/log';
import type { GuardView } from './guard/fingerprint';
import type { RotationStep } from './rotation/flow';
import type { Finding } from './rotation/hygiene';
import type { ExpiryStatus, RotationStatus } from './rotation/schedule';
import type { Settings } from './settings';
import { AUTO_LOCK_CHOICES, CLIPBOARD_CLEAR_CHOICES, SETTING_RANGES } from './settings';
import { arrayOf, bool, type Check, empty, nullable, num, numIn, obj, oneOf, str } from './validate';
import type { ExportErrorCode } from './vault/export';
import { MAX_EXPORT_BYTES } from './vault/export';
import type { Entry, EntryState, EntrySummary, IndexRecord } from './vault/model';
import { ENTRY_SOURCES, ENTRY_STATES, ENVIRONMENTS } from './vault/model';
import type { VaultErrorCode, VaultStatus, VerifyReport } from './vault/service';

export type { AuditEvent, AuditVerifyReport, GuardView, VaultStatus, VerifyReport };

/** Who is asking, as classified by the router from `runtime.MessageSender`. */
export const SENDER_KINDS = ['extension-page', 'docbits-content', 'guard-content'] as const;
export type SenderKind = (typeof SENDER_KINDS)[number];

const ID = str(1, 64, /^[A-Za-z0-9-]+$/);
const PASSWORD = str(1, 1024);
const HOST = str(1, 253, /^[a-z0-9.-]+$/);
const DATE = num(0, 8.64e15);
const NAME = str(1, 200);
const SECRET = str(1, 4096);
const NOTES = str(0, 10_000);
const ORG_ID = nullable(str(0, 200));
const PREFIX = str(0, 200);
const ROTATE_DAYS = nullable(num(1, 3650));

const newEntry = obj(
  { name: NAME, secret: SECRET, host: HOST, environment: oneOf(ENVIRONMENTS), source: oneOf(ENTRY_SOURCES) },
  {
    notes: NOTES,
    orgId: ORG_ID,
    prefix: PREFIX,
    createdAt: DATE,
    expiresAt: nullable(DATE),
    rotateAfterDays: ROTATE_DAYS,
    predecessorId: nullable(ID),
  },
);

const entryPatch = obj(
  {},
  {
    name: NAME,
    secret: SECRET,
    notes: NOTES,
    orgId: ORG_ID,
    environment: oneOf(ENVIRONMENTS),
    prefix: PREFIX,
    expiresAt: nullable(DATE),
    rotateAfterDays: ROTATE_DAYS,
    state: oneOf(ENTRY_STATES),
    successorId: nullable(ID),
    predecessorId: nullable(ID),
  },
);

const settingsPatch = obj(
  {},
  {
    autoLockMinutes: numIn(AUTO_LOCK_CHOICES),
    clipboardClearSeconds: numIn(CLIPBOARD_CLEAR_CHOICES),
    rotationDays: num(1, 3650),
    reminderLeadDays: num(0, 365),
    docbitsHosts: arrayOf(HOST, 50),
    copyBurstCount: num(...SETTING_RANGES.copyBurstCount),
    copyBurstSeconds: num(...SETTING_RANGES.copyBurstSeconds),
    unlockFailCount: num(...SETTING_RANGES.unlockFailCount),
    unlockFailMinutes: num(...SETTING_RANGES.unlockFailMinutes),
    anomalyRepeatMinutes: num(...SETTING_RANGES.anomalyRepeatMinutes),
    guardEnabled: bool,
    guardAllowlist: arrayOf(HOST, 50),
    auditMaxRecords: num(...SETTING_RANGES.auditMaxRecords),
    auditMaxDays: num(...SETTING_RANGES.auditMaxDays),
    cliEnabled: bool,
  },
);

/** Which audit events the viewer asks for (all when empty). */
const auditFilter = obj({}, { entryId: ID, type: oneOf(AUDIT_TYPES), from: DATE, to: DATE });
export interface AuditFilter {
  entryId?: string;
  type?: AuditType;
  from?: number;
  to?: number;
}

export const GUARD_ACTIONS = ['warned', 'pastedAnyway', 'cancelled'] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

/** What the leak guard may show about a key it stopped: its DocBits host. */
export interface GuardReportReply {
  /** Always null: a foreign page can read what its guard shows, so it is never told a key name. */
  name: string | null;
  host: string;
}

const capture = obj(
  { secret: SECRET, name: NAME },
  {
    notes: NOTES,
    orgId: ORG_ID,
    prefix: PREFIX,
    expiresAt: nullable(DATE),
    environment: oneOf(ENVIRONMENTS),
  },
);

const ROW_STATUSES = ['active', 'revoked', 'unknown'] as const;
/**
 * One row of DocBits' key table as the content script read it; dates as shown (the background reads them
 * in the page's language).
 */
const pageRow = obj(
  { prefix: str(1, 100), status: oneOf(ROW_STATUSES) },
  { name: str(0, 200), expires: str(0, 100), lastUsed: str(0, 100) },
);
export type PageRow = ReturnType<typeof pageRow>;

/** What the page learns about a table row: only clear-index facts, never a name or secret. */
export interface RowMatch {
  prefix: string;
  entry: null | {
    id: string;
    createdAt: number;
    expiresAt: number | null;
    state: EntryState;
    rotation: RotationStatus;
    expiry: ExpiryStatus;
  };
}

export interface RowsReply {
  unlocked: boolean;
  rows: RowMatch[];
  /** Guided rotations of this host (names only while the vault is open; never a secret). */
  rotations?: RotationView[];
  /** Key-hygiene findings of this host. */
  hygiene?: Finding[];
}

/** A guided rotation as the popup and the DocBits page show it. */
export interface RotationView {
  oldId: string;
  newId: string | null;
  host: string;
  step: RotationStep;
  /** The old entry's name while the vault is open, else null. */
  name: string | null;
  /** "NAME (rotated DATE)" for the create dialog, while the vault is open. */
  suggestedName: string | null;
  /** The old key's lifetime in days to give the new one; null = never expires. */
  expiryDays: number | null;
  /** Something still used the old key after the new one was in use. */
  warning: boolean;
}

/** A hygiene finding with the entry's name (popup, vault open). */
export interface HygieneItem extends Finding {
  name: string;
}

export interface ImportPreview {
  added: EntrySummary[];
  /** How many entries of the file are already in the vault, unchanged. */
  identical: number;
  conflicts: Array<{ incoming: EntrySummary; existingId: string; reason: 'id' | 'prefix' | 'secret' }>;
}

export interface ImportResult {
  added: number;
  replaced: number;
}

const importFile = str(1, MAX_EXPORT_BYTES);

export interface CopyReply {
  /** Seconds until the clipboard is cleared; 0 = never. */
  clearAfterSeconds: number;
}

export interface CaptureReply {
  entry: EntrySummary;
  /** True when the key was already in the vault (nothing new was written). */
  existing: boolean;
}

interface Def<P, R> {
  senders: readonly SenderKind[];
  payload: Check<P>;
  /** The reply contains a vault secret: only extension pages may ask. */
  secretReply?: true;
  /** Phantom field carrying the reply type; never set. */
  reply?: R;
}

const def = <P, R>(d: Omit<Def<P, R>, 'reply'>): Def<P, R> => d;

const PAGES = ['extension-page'] as const;
const PAGES_AND_DOCBITS = ['extension-page', 'docbits-content'] as const;
const DOCBITS = ['docbits-content'] as const;
/** The leak guard runs on every page, DocBits' own included (where it is classified as the DocBits script). */
const GUARD = ['guard-content', 'docbits-content'] as const;

/** Alphabetical. Adding a message = one line here + one handler. */
export const MESSAGES = {
  'audit.list': def<{ filter: AuditFilter }, AuditEvent[]>({
    senders: PAGES,
    payload: obj({ filter: auditFilter }),
  }),
  /** "Show API key" on the DocBits page: the page itself shows the key; KeyGuard records that it was shown. */
  'audit.pageReveal': def<{ entryId: string | null }, null>({
    senders: DOCBITS,
    payload: obj({ entryId: nullable(ID) }),
  }),
  'audit.verify': def<Record<string, never>, AuditVerifyReport>({ senders: PAGES, payload: empty }),
  'clipboard.copyPageKey': def<{ text: string }, CopyReply>({
    senders: DOCBITS,
    payload: obj({ text: SECRET }),
  }),
  'entry.add': def<{ entry: ReturnType<typeof newEntry> }, EntrySummary>({
    senders: PAGES,
    payload: obj({ entry: newEntry }),
  }),
  'entry.capture': def<{ entry: ReturnType<typeof capture> }, CaptureReply>({
    senders: DOCBITS,
    payload: obj({ entry: capture }),
  }),
  'entry.copy': def<{ id: string }, CopyReply>({ senders: PAGES_AND_DOCBITS, payload: obj({ id: ID }) }),
  'entry.get': def<{ id: string }, Entry>({ senders: PAGES, payload: obj({ id: ID }), secretReply: true }),
  // Extension pages only: the DocBits page gets its own rows' facts through page.rows, never other hosts'.
  'entry.index': def<Record<string, never>, IndexRecord[]>({ senders: PAGES, payload: empty }),
  'entry.list': def<Record<string, never>, EntrySummary[]>({ senders: PAGES, payload: empty }),
  'entry.remove': def<{ id: string }, null>({ senders: PAGES, payload: obj({ id: ID }) }),
  'entry.update': def<{ id: string; patch: ReturnType<typeof entryPatch> }, EntrySummary>({
    senders: PAGES,
    payload: obj({ id: ID, patch: entryPatch }),
  }),
  /** Fingerprints of the keys that must not be pasted on the sender's page (never a secret). */
  'guard.prints': def<Record<string, never>, GuardView>({ senders: GUARD, payload: empty }),
  'guard.report': def<{ entryId: string; action: GuardAction; insecure: boolean }, GuardReportReply>({
    senders: GUARD,
    payload: obj({ entryId: ID, action: oneOf(GUARD_ACTIONS), insecure: bool }),
  }),
  'hygiene.report': def<Record<string, never>, HygieneItem[]>({ senders: PAGES, payload: empty }),
  'page.rows': def<{ orgId: string | null; lang?: string; rows: PageRow[] }, RowsReply>({
    senders: DOCBITS,
    payload: obj(
      { orgId: ORG_ID, rows: arrayOf(pageRow, 500) },
      { lang: str(2, 5, /^[a-z]{2}(-[A-Z]{2})?$/) },
    ),
  }),
  'reminder.snooze': def<{ ids: string[]; length: 'day' | 'week' }, null>({
    senders: PAGES,
    payload: obj({ ids: arrayOf(ID, 500), length: oneOf(['day', 'week'] as const) }),
  }),
  'reminder.status': def<Record<string, never>, { ids: string[] }>({ senders: PAGES, payload: empty }),
  'rotation.cancel': def<{ id: string }, null>({ senders: PAGES_AND_DOCBITS, payload: obj({ id: ID }) }),
  'rotation.list': def<Record<string, never>, RotationView[]>({ senders: PAGES, payload: empty }),
  'rotation.start': def<{ id: string }, RotationView>({
    senders: PAGES_AND_DOCBITS,
    payload: obj({ id: ID }),
  }),
  'settings.get': def<Record<string, never>, Settings>({ senders: PAGES, payload: empty }),
  'settings.set': def<{ patch: ReturnType<typeof settingsPatch> }, Settings>({
    senders: PAGES,
    payload: obj({ patch: settingsPatch }),
  }),
  'ui.load': def<Record<string, never>, null>({ senders: DOCBITS, payload: empty }),
  'ui.openUnlock': def<Record<string, never>, null>({ senders: DOCBITS, payload: empty }),
  'vault.changePassword': def<{ oldPassword: string; newPassword: string }, null>({
    senders: PAGES,
    payload: obj({ oldPassword: PASSWORD, newPassword: PASSWORD }),
  }),
  'vault.create': def<{ password: string }, VaultStatus>({
    senders: PAGES,
    payload: obj({ password: PASSWORD }),
  }),
  'vault.export': def<{ password: string; separate: boolean }, { file: string; count: number }>({
    senders: PAGES,
    payload: obj({ password: PASSWORD, separate: bool }),
  }),
  'vault.importApply': def<
    { file: string; password: string; conflicts: 'skip' | 'keep-both' | 'replace' },
    ImportResult
  >({
    senders: PAGES,
    payload: obj({
      file: importFile,
      password: PASSWORD,
      conflicts: oneOf(['skip', 'keep-both', 'replace'] as const),
    }),
  }),
  'vault.importPreview': def<{ file: string; password: string }, ImportPreview>({
    senders: PAGES,
    payload: obj({ file: importFile, password: PASSWORD }),
  }),
  'vault.lock': def<Record<string, never>, VaultStatus>({ senders: PAGES, payload: empty }),
  'vault.status': def<Record<string, never>, VaultStatus>({ senders: PAGES_AND_DOCBITS, payload: empty }),
  'vault.unlock': def<{ password: string }, VaultStatus>({
    senders: PAGES,
    payload: obj({ password: PASSWORD }),
  }),
  'vault.verify': def<Record<string, never>, VerifyReport>({ senders: PAGES, payload: empty }),
} as const;

export type MessageType = keyof typeof MESSAGES;
export type PayloadOf<T extends MessageType> = (typeof MESSAGES)[T] extends Def<infer P, unknown> ? P : never;
export type ReplyOf<T extends MessageType> = (typeof MESSAGES)[T] extends Def<unknown, infer R> ? R : never;

/** The envelope on the wire. */
export interface Request<T extends MessageType = MessageType> {
  type: T;
  payload: PayloadOf<T>;
}

/** The router's own refusals, plus every vault error code passed through as is. */
export type ErrorCode = 'bad-request' | 'forbidden' | 'unknown-type' | 'internal' | VaultErrorCode;

export interface ProtocolErrorBody {
  code: ErrorCode;
  /** For logs and tests, in English; user interfaces say it in the user's language from the fields. */
  message: string;
  retryAfterMs?: number;
  /** Why an export file was refused (vault.export, vault.importPreview, vault.importApply). */
  file?: FileProblem;
}

/** What is wrong with an export file, and which of its keys (1-based) if one. */
export interface FileProblem {
  problem: ExportErrorCode;
  key?: number;
}

export type Reply<R> = { ok: true; data: R } | { ok: false; error: ProtocolErrorBody };

export const isMessageType = (t: unknown): t is MessageType =>
  typeof t === 'string' && Object.hasOwn(MESSAGES, t);

// ---------------------------------------------------------------- messages the background sends

/** Background → offscreen document (Chrome): put `text` on the clipboard, clear it after `clearAfterMs`. */
export interface OffscreenCopy {
  type: 'offscreen.copy';
  payload: { text: string; clearAfterMs: number };
}

/** Background → DocBits tabs: the vault was locked or unlocked (no secret, ever). */
export interface VaultStateEvent {
  type: 'event.vaultState';
  payload: { unlocked: boolean };
}

/** Background → DocBits tabs: a guided rotation started or ended elsewhere (popup, options); read the page again. */
export interface RefreshEvent {
  type: 'event.refresh';
}

// ================================================================ the command line (issue 17)
//
// Two more doors into the background, each with its own table here and its own checks in
// lib/background/native/: the native-messaging port (the `keyguard` command, through the host relay in
// cli/), and a runtime port from KeyGuard's own pages for the approval window and the options section.
// Neither goes through `MESSAGES`/the router: the native port has no `runtime.MessageSender` at all (the
// browser started the host for this extension; what arrives is whatever a local process wrote to the socket),
// and the approval window's port must notice the window closing (closing it = Deny).

/** The sender kind of everything that arrives on the native port: a local process, unauthenticated. */
export const NATIVE_SENDER_KIND = 'native-host' as const;
export type NativeSenderKind = typeof NATIVE_SENDER_KIND;

/** The native host's name (its manifest file is `<name>.json`). */
export const NATIVE_HOST_NAME = 'com.docbits.keyguard';
/** The runtime port KeyGuard's pages open for the command line's approval window and options section. */
export const CLI_PAGE_PORT = 'keyguard-cli';

/** What a key request is for: `keyguard run` (into a child's environment) or `keyguard get` (to a pipe). */
export const CLI_PURPOSES = ['run', 'get'] as const;
export type CliPurpose = (typeof CLI_PURPOSES)[number];
export const APPROVAL_DECISIONS = ['once', 'fifteen', 'deny'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** Refusals only the command line gets (plus every ErrorCode). */
export type CliErrorCode = 'denied' | 'not-found' | 'ambiguous' | 'flood' | 'timeout' | 'cancelled';

/** An entry as `keyguard list` shows it: no secret, no note. */
export interface CliEntry {
  id: string;
  name: string;
  host: string;
  environment: string;
  state: EntryState;
}

export interface CliStatusReply {
  vault: 'none' | 'locked' | 'unlocked';
  entries: number;
  /** When the scan fingerprints were last made (at an unlock), or null. */
  printsAt: number | null;
}

/** Salted fingerprints of every vault key, retired ones included, for `keyguard scan` (never a key). */
export interface CliPrintsReply {
  salt: string;
  prints: Array<{ id: string; host: string; length: number; fp: string; name: string | null }>;
  at: number | null;
  /** The vault's entries changed since the fingerprints were made (unlock to refresh them). */
  stale: boolean;
}

/** The one reply that carries keys: to the request that was approved, in the order of its refs. */
export interface CliKeysReply {
  keys: Array<{ ref: string; secret: string }>;
}

interface NativeDef<P, R> {
  payload: Check<P>;
  /** The reply carries a key: sent only after a person approved this very request. */
  secretReply?: true;
  reply?: R;
}
const nativeDef = <P, R>(d: Omit<NativeDef<P, R>, 'reply'>): NativeDef<P, R> => d;

/** A claim of the command line: a part of the command, or the working directory. */
const CLAIM = str(0, 4096);
/** A vault entry's name or id, as the user wrote it. */
const REF = str(1, 200);

/** Alphabetical. The host adds `rid` (its relay id); `cli.cancel` is sent by the host when a client left. */
export const NATIVE_MESSAGES = {
  'cli.cancel': nativeDef<Record<string, never>, null>({ payload: empty }),
  'cli.list': nativeDef<Record<string, never>, CliEntry[]>({ payload: empty }),
  'cli.prints': nativeDef<Record<string, never>, CliPrintsReply>({ payload: empty }),
  'cli.request': nativeDef<
    { refs: string[]; purpose: CliPurpose; command: string[]; cwd: string },
    CliKeysReply
  >({
    payload: obj({
      refs: arrayOf(REF, 50),
      purpose: oneOf(CLI_PURPOSES),
      command: arrayOf(CLAIM, 100),
      cwd: CLAIM,
    }),
    secretReply: true,
  }),
  'cli.scanReport': nativeDef<{ hits: Array<{ id: string; places: number }> }, null>({
    payload: obj({ hits: arrayOf(obj({ id: ID, places: num(1, 1_000_000) }), 500) }),
  }),
  'cli.status': nativeDef<Record<string, never>, CliStatusReply>({ payload: empty }),
} as const;

/** The payload and reply types of a message in one of the command line's tables. */
type PayloadIn<D> = D extends { payload: Check<infer P> } ? P : never;
type ReplyIn<D> = D extends NativeDef<unknown, infer R> ? R : D extends Def<unknown, infer R> ? R : never;
/** A type guard for the keys of one table. */
const typeGuard =
  <M extends object>(table: M) =>
  (t: unknown): t is keyof M =>
    typeof t === 'string' && Object.hasOwn(table, t);

export type NativeType = keyof typeof NATIVE_MESSAGES;
export type NativePayloadOf<T extends NativeType> = PayloadIn<(typeof NATIVE_MESSAGES)[T]>;
export type NativeReplyOf<T extends NativeType> = ReplyIn<(typeof NATIVE_MESSAGES)[T]>;
export const isNativeType = typeGuard(NATIVE_MESSAGES);

export interface NativeErrorBody {
  code: ErrorCode | CliErrorCode;
  message: string;
  /** For `ambiguous`: the ids of the entries of that name (never a secret). */
  ids?: string[];
}
export type NativeReply<R> = { ok: true; data: R } | { ok: false; error: NativeErrorBody };

/** A key request as its approval window shows it. Command and directory are the caller's claims. */
export interface ApprovalView {
  id: string;
  purpose: CliPurpose;
  command: string[];
  cwd: string;
  /** The entries asked for (null until the vault is unlocked: names are encrypted). */
  entries: Array<{ id: string; name: string; host: string; environment: string }> | null;
  locked: boolean;
  /** The request ended without a decision here (the reason), or null while it waits. */
  ended: CliErrorCode | 'approved' | null;
}

/** The command line's state as the options page shows it. */
export interface BridgeState {
  enabled: boolean;
  permission: boolean;
  /** The extension has a port to the host (the host started and did not exit). */
  connected: boolean;
  /** Why the last connection failed (the browser's words), or null. */
  error: string | null;
}

const REQUEST_ID = str(1, 64, /^[A-Za-z0-9-]+$/);

/** Messages on {@link CLI_PAGE_PORT}, from extension pages only. Alphabetical. */
export const CLI_PAGE_MESSAGES = {
  'approval.decide': def<{ request: string; decision: ApprovalDecision }, null>({
    senders: PAGES,
    payload: obj({ request: REQUEST_ID, decision: oneOf(APPROVAL_DECISIONS) }),
  }),
  /** Binds the port to one request (closing the window denies it) and returns what it asks. */
  'approval.open': def<{ request: string }, ApprovalView>({
    senders: PAGES,
    payload: obj({ request: REQUEST_ID }),
  }),
  /** The window unlocked the vault (with `vault.unlock`): resolve the request's entries now. */
  'approval.unlocked': def<{ request: string }, ApprovalView>({
    senders: PAGES,
    payload: obj({ request: REQUEST_ID }),
  }),
  'cli.bridge': def<Record<string, never>, BridgeState>({ senders: PAGES, payload: empty }),
} as const;

export type CliPageType = keyof typeof CLI_PAGE_MESSAGES;
export type CliPagePayloadOf<T extends CliPageType> = PayloadIn<(typeof CLI_PAGE_MESSAGES)[T]>;
export type CliPageReplyOf<T extends CliPageType> = ReplyIn<(typeof CLI_PAGE_MESSAGES)[T]>;
export const isCliPageType = typeGuard(CLI_PAGE_MESSAGES);
// ================================================================ end of the command line's block

/**
 * The audit log's vocabulary: every sensitive event KeyGuard records. Fixed here first so the reminder,
 * rotation and leak-guard work can record events while the log itself (chain, encryption, retention) is
 * built in this module.
 *
 * A record never carries a secret: only its type, time, the entry id when there is one, where it came from
 * and a short detail written by KeyGuard itself (never page text).
 */

export const AUDIT_TYPES = [
  'vault.created',
  'vault.unlocked',
  'vault.unlockFailed',
  'vault.locked',
  'vault.autoLocked',
  'vault.passwordChanged',
  'vault.exported',
  'vault.imported',
  'entry.revealed',
  'entry.copied',
  'entry.captured',
  'entry.added',
  'entry.edited',
  'entry.deleted',
  'entry.retired',
  'settings.changed',
  'permission.changed',
  'guard.warned',
  'guard.pastedAnyway',
  'guard.cancelled',
  'rotation.started',
  'rotation.captured',
  'rotation.newKeyUsed',
  'rotation.completed',
  'rotation.oldKeyStillUsed',
  'rotation.cancelled',
  'reminder.notified',
  'anomaly.copyBurst',
  'anomaly.unlockFailures',
  'anomaly.retiredKeyUsed',
  'anomaly.foreignHostCopy',
  'anomaly.messageFlood',
  'log.checkpoint',
  // The command line (issue 17): a key request, its approval or denial, and a key found by `keyguard scan`.
  'cli.requested',
  'cli.approved',
  'cli.denied',
  'cli.scanHit',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** Where an action came from. */
export const AUDIT_ORIGINS = ['popup', 'options', 'docbits-page', 'guard', 'background', 'cli'] as const;
export type AuditOrigin = (typeof AUDIT_ORIGINS)[number];

/** What a caller hands to the log; the log adds time, sequence number and chain link. */
export interface AuditInput {
  type: AuditType;
  entryId?: string;
  origin?: AuditOrigin;
  /** Host the action concerned or came from, e.g. the DocBits host or the page a paste was stopped on. */
  host?: string;
  /** Short text written by KeyGuard (never a secret, never page-supplied text). */
  detail?: string;
  /**
   * How many identical events this record stands for (absent = 1): repeats made while the vault was locked
   * are merged into one record (lib/audit/log.ts), so a flood cannot fill the disk or the log.
   */
  count?: number;
}

/** Anything that can record an audit event. Recording never throws at the caller. */
export interface AuditSink {
  record(input: AuditInput): Promise<void>;
}

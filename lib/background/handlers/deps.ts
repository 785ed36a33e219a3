/**
 * What the message handlers need from the worker: the vault service, the settings storage and the browser
 * actions the entrypoint wires in. Each area's factory takes only the part of this it uses.
 */

import type { AuditSink } from '../../audit/events';
import type { AuditEvent, AuditVerifyReport } from '../../audit/log';
import type { GuardPrintStore } from '../../guard/fingerprint';
import type { VaultStatus, VerifyReport } from '../../messages';
import type { KeyValueArea, Settings } from '../../settings';
import type { Entry, EntryPatch, EntrySummary, IndexRecord, NewEntry, Observed } from '../../vault/model';

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

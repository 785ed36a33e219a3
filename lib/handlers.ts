/**
 * The background's message handlers: thin adapters from the protocol to the vault service and settings.
 * Kept apart from the entrypoint so the router fuzz tests run them against a fake browser.
 */

import type { VaultStatus, VerifyReport } from './messages';
import type { Handlers } from './router';
import { type KeyValueArea, loadSettings, saveSettings } from './settings';
import type { Entry, EntryPatch, EntrySummary, IndexRecord, NewEntry } from './vault/model';

/** The part of VaultService the handlers use. */
export interface VaultApi {
  status(): Promise<VaultStatus>;
  create(password: string): Promise<void>;
  unlock(password: string): Promise<void>;
  lock(): Promise<void>;
  isUnlocked(): Promise<boolean>;
  changePassword(oldPassword: string, newPassword: string): Promise<void>;
  add(entry: NewEntry): Promise<Entry>;
  update(id: string, patch: EntryPatch): Promise<Entry>;
  remove(id: string): Promise<void>;
  get(id: string): Promise<Entry>;
  list(): Promise<EntrySummary[]>;
  listIndex(): Promise<IndexRecord[]>;
  verify(): Promise<VerifyReport>;
}

export interface HandlerDeps {
  vault: VaultApi;
  settingsArea: KeyValueArea;
  /** Called after a successful create/unlock and after lock, to start or stop the auto-lock watch. */
  onUnlocked(): Promise<void>;
  onLocked(): Promise<void>;
}

/** Strips what must never leave the vault in a list or non-page reply. */
export function toSummary(entry: Entry): EntrySummary {
  const { secret: _secret, history: _history, ...summary } = entry;
  return summary;
}

/** One handler per message type, alphabetical like MESSAGES. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { vault } = deps;
  return {
    'entry.add': async ({ entry }) => toSummary(await vault.add(entry)),
    'entry.get': async ({ id }) => vault.get(id),
    'entry.index': async () => vault.listIndex(),
    'entry.list': async () => vault.list(),
    'entry.remove': async ({ id }) => {
      await vault.remove(id);
      return null;
    },
    'entry.update': async ({ id, patch }) => toSummary(await vault.update(id, patch)),
    'settings.get': async () => loadSettings(deps.settingsArea),
    'settings.set': async ({ patch }) => {
      const next = await saveSettings(deps.settingsArea, patch);
      // A changed auto-lock time takes effect now, not at the next unlock.
      if (await vault.isUnlocked()) await deps.onUnlocked();
      return next;
    },
    'vault.changePassword': async ({ oldPassword, newPassword }) => {
      await vault.changePassword(oldPassword, newPassword);
      return null;
    },
    'vault.create': async ({ password }) => {
      await vault.create(password);
      await deps.onUnlocked();
      return vault.status();
    },
    'vault.lock': async () => {
      await vault.lock();
      await deps.onLocked();
      return vault.status();
    },
    'vault.status': async () => vault.status(),
    'vault.unlock': async ({ password }) => {
      await vault.unlock(password);
      await deps.onUnlocked();
      return vault.status();
    },
    'vault.verify': async () => vault.verify(),
  };
}

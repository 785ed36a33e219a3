/**
 * The user's settings: read them, and change them with the effects a change has now (content-script
 * registration, the leak guard's fingerprints, the auto-lock time).
 */

import { loadSettings, saveSettings } from '../../settings';
import type { Handlers } from '../router';
import type { HandlerDeps } from './deps';
import { fieldsOf, originOf, type Shared } from './shared';

type SettingsMessage = 'settings.get' | 'settings.set';

export function settingsHandlers(
  deps: Pick<HandlerDeps, 'vault' | 'settingsArea' | 'onUnlocked' | 'onSettingsChanged'>,
  { record, refreshGuard }: Pick<Shared, 'record' | 'refreshGuard'>,
): Pick<Handlers, SettingsMessage> {
  return {
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
      if (await deps.vault.isUnlocked()) await deps.onUnlocked();
      return next;
    },
  };
}

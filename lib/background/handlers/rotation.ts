/**
 * Keeping keys fresh: the guided rotation (start, list, cancel), the reminders (which keys need attention,
 * snoozing them) and the hygiene report of the options page.
 */

import type { AuditOrigin } from '../../audit/events';
import { loadRotations, newRotation, saveRotations } from '../../rotation/flow';
import { hygieneFindings } from '../../rotation/hygiene';
import { assess, normaliseState, REMINDER_STATE_KEY } from '../../rotation/reminders';
import { loadSettings } from '../../settings';
import { VaultError } from '../../vault/service';
import { type HandlerContext, type Handlers, RequestError } from '../router';
import type { HandlerDeps } from './deps';
import { refuseOtherHost, type Shared, viewOf } from './shared';

type RotationMessage =
  | 'hygiene.report'
  | 'reminder.snooze'
  | 'reminder.status'
  | 'rotation.cancel'
  | 'rotation.list'
  | 'rotation.start';

/** Who moved a rotation, for the audit log: the popup (any extension page) or the DocBits page. */
const rotationOrigin = (ctx: HandlerContext): AuditOrigin =>
  ctx.kind === 'extension-page' ? 'popup' : 'docbits-page';

export function rotationHandlers(
  deps: Pick<HandlerDeps, 'vault' | 'settingsArea' | 'snooze'>,
  { now, record, namesIfOpen }: Pick<Shared, 'now' | 'record' | 'namesIfOpen'>,
): Pick<Handlers, RotationMessage> {
  const { vault } = deps;
  return {
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
      refuseOtherHost(ctx, r.host);
      rotations.delete(id);
      await saveRotations(deps.settingsArea, rotations);
      const entry = (await vault.listIndex()).find((x) => x.id === id);
      if (entry?.state === 'rotating' && (await vault.isUnlocked())) {
        await vault.update(id, { state: 'active' }, 'rotation cancelled');
      }
      await record({ type: 'rotation.cancelled', entryId: id, origin: rotationOrigin(ctx), host: r.host });
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
      refuseOtherHost(ctx, entry.host);
      if (entry.state === 'retired') throw new RequestError('invalid', 'A retired key cannot be rotated');
      const at = now();
      const rotations = await loadRotations(deps.settingsArea, at);
      let r = rotations.get(id);
      if (!r || r.completedAt !== null) {
        r = newRotation(id, entry.host, at);
        rotations.set(id, r);
        await saveRotations(deps.settingsArea, rotations);
        await record({
          type: 'rotation.started',
          entryId: id,
          origin: rotationOrigin(ctx),
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
  };
}

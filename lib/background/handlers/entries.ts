/**
 * The vault's entries: add, save from the DocBits page, copy, read, list, edit and remove. A key saved
 * while a rotation of its host waits for the new key becomes that rotation's successor.
 */

import { environmentOf } from '../../page/hosts';
import { loadRotations, saveRotations } from '../../rotation/flow';
import { type Handlers, RequestError } from '../router';
import type { HandlerDeps } from './deps';
import { displayedPrefix, fieldsOf, originOf, type Shared, senderHost, toSummary } from './shared';

type EntryMessage =
  | 'entry.add'
  | 'entry.capture'
  | 'entry.copy'
  | 'entry.get'
  | 'entry.index'
  | 'entry.list'
  | 'entry.remove'
  | 'entry.update';

export function entryHandlers(
  deps: Pick<HandlerDeps, 'vault' | 'settingsArea'>,
  shared: Pick<Shared, 'now' | 'record' | 'recordOnce' | 'refreshGuard' | 'copy'>,
): Pick<Handlers, EntryMessage> {
  const { vault } = deps;
  const { record, refreshGuard } = shared;

  /** A key saved on a host with a rotation waiting for its new key becomes that rotation's successor. */
  async function linkSuccessor(host: string, newId: string): Promise<void> {
    const at = shared.now();
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
    await record({
      type: 'rotation.captured',
      entryId: waiting.oldId,
      origin: 'docbits-page',
      host,
    });
  }

  return {
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
        await shared.recordOnce(`anomaly.foreignHostCopy:${id}:${senderHost(ctx)}`, {
          type: 'anomaly.foreignHostCopy',
          entryId: id,
          origin: originOf(ctx),
          host: senderHost(ctx),
          detail: `copy refused: the key belongs to ${entry.host}`,
        });
        throw new RequestError('forbidden', 'This key belongs to another DocBits host');
      }
      const reply = await shared.copy(entry.secret);
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
  };
}

/**
 * The audit log's messages: the options page lists and verifies the log; the DocBits page records that it
 * showed a key of its own host.
 */

import { AuditLockedError } from '../../audit/log';
import { VaultError } from '../../vault/service';
import { type Handlers, RequestError } from '../router';
import type { HandlerDeps } from './deps';
import { refuseOtherHost, type Shared, senderHost } from './shared';

type AuditMessage = 'audit.list' | 'audit.pageReveal' | 'audit.verify';

export function auditHandlers(
  deps: Pick<HandlerDeps, 'vault' | 'auditLog'>,
  { record }: Pick<Shared, 'record'>,
): Pick<Handlers, AuditMessage> {
  const { vault } = deps;

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
      if (entryId !== null)
        refuseOtherHost(ctx, (await vault.listIndex()).find((r) => r.id === entryId)?.host);
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
  };
}

/**
 * The vault's life cycle: create, unlock (failures recorded, with the back-off), lock, change the master
 * password, status and integrity check. After an unlock, keys the page revoked meanwhile are retired.
 */

import { WRONG_PASSWORD_DETAIL } from '../../audit/anomaly';
import type { VaultStatus } from '../../messages';
import { VaultError } from '../../vault/service';
import type { Handlers } from '../router';
import type { HandlerDeps } from './deps';
import { originOf, type Shared } from './shared';

type VaultMessage =
  | 'vault.changePassword'
  | 'vault.create'
  | 'vault.lock'
  | 'vault.status'
  | 'vault.unlock'
  | 'vault.verify';

export function vaultHandlers(
  deps: Pick<HandlerDeps, 'vault' | 'onUnlocked' | 'onLocked' | 'auditLog'>,
  { record, refreshGuard }: Pick<Shared, 'record' | 'refreshGuard'>,
): Pick<Handlers, VaultMessage> {
  const { vault } = deps;

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

  async function afterUnlock(): Promise<VaultStatus> {
    await deps.onUnlocked();
    await reconcile();
    await refreshGuard();
    return vault.status();
  }

  /** What a refused unlock records: a wrong password, or a try during the back-off; never the password. */
  async function unlockFailure(e: VaultError): Promise<string> {
    const wait = e.code === 'bad-password' ? (await vault.status()).retryAfterMs : (e.retryAfterMs ?? 0);
    const seconds = Math.ceil(wait / 1000);
    return e.code === 'bad-password'
      ? `${WRONG_PASSWORD_DETAIL}; next attempt in ${seconds} s`
      : `refused during the back-off (${seconds} s left)`;
  }

  return {
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
          await record({ type: 'vault.unlockFailed', origin: originOf(ctx), detail: await unlockFailure(e) });
        }
        throw e;
      }
      await record({ type: 'vault.unlocked', origin: originOf(ctx) });
      return afterUnlock();
    },
    'vault.verify': async () => vault.verify(),
  };
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import { t } from '../lib/i18n';
import type { VaultStatus } from '../lib/messages';
import type { Send } from './api';
import { describeError } from './errors';
import { CreateVaultForm, UnlockForm } from './VaultForms';

/** The popup: create → unlock → unlocked, by vault state. The key list is its own piece of work. */
export function Popup({ send, onUnlocked }: { send: Send; onUnlocked?: () => void }) {
  const [status, setStatus] = useState<VaultStatus | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState('');

  const refresh = useCallback(async () => {
    try {
      const s = await send('vault.status', {});
      setStatus(s);
      if (s.unlocked && onUnlocked) return onUnlocked();
      setCount(s.unlocked ? (await send('entry.list', {})).length : null);
    } catch (e) {
      setError(describeError(e));
    }
  }, [send, onUnlocked]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const lock = async () => {
    try {
      setStatus(await send('vault.lock', {}));
      setCount(null);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <main class="popup">
      <header>
        <h1>{t('extName')}</h1>
        {status?.unlocked && (
          <button type="button" onClick={lock}>
            {t('lock')}
          </button>
        )}
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!status && !error && <p role="status">{t('loading')}</p>}
      {status && !status.exists && <CreateVaultForm send={send} onDone={() => void refresh()} />}
      {status?.exists && !status.unlocked && (
        <UnlockForm send={send} retryAfterMs={status.retryAfterMs} onDone={() => void refresh()} />
      )}
      {status?.unlocked && count !== null && <p role="status">{t('unlockedSummary', count)}</p>}
    </main>
  );
}

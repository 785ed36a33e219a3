import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { VaultStatus } from '../../lib/messages';
import type { Settings } from '../../lib/settings';
import type { EntrySummary } from '../../lib/vault/model';
import type { Send } from '../api';
import { describeError } from '../errors';
import { CreateVaultForm, UnlockForm } from '../vault/VaultForms';
import { Attention } from './Attention';
import { KeyList, type KeyListData } from './KeyList';

/** The popup's first questions to the background, in flight. */
export interface PopupLoad {
  status: Promise<VaultStatus>;
  /** Refused while the vault is locked; null when only the status is wanted. */
  list: Promise<[EntrySummary[], Settings]> | null;
}

/**
 * Asks everything the popup shows at once, the small status first: it comes back quickly and (unlocked)
 * puts up the list's skeleton while the list is on its way, so the popup is ready after one round trip,
 * not two. While the vault is locked the list is refused; that refusal is expected and dropped.
 *
 * Exported so the popup page can ask before anything else runs (before Preact renders, before the i18n
 * bindings are set up).
 */
export function askForPopup(send: Send, withList: boolean): PopupLoad {
  const status = send('vault.status', {});
  const list = withList ? Promise.all([send('entry.list', {}), send('settings.get', {})]) : null;
  // Marked as handled until the popup awaits them (the status's error is still thrown there).
  status.catch(() => undefined);
  list?.catch(() => undefined);
  return { status, list };
}

export interface PopupProps {
  send: Send;
  /** What {@link askForPopup} started for the first render; asked afresh when absent. */
  firstLoad?: PopupLoad | undefined;
  /** Set when the popup was opened as the unlock window: called instead of showing the list. */
  onUnlocked?: (() => void) | undefined;
  /** Opens a URL in a new tab (`browser.tabs.create` in the extension). */
  openTab?: ((url: string) => unknown) | undefined;
  /** Called once the unlocked list is rendered and the search box focused (for `npm run bench`). */
  onListReady?: (() => void) | undefined;
  /** The clock for the badges; tests pin it. */
  now?: () => number;
}

/** The popup: create → unlock → the key list, by vault state. */
export function Popup({ send, firstLoad, onUnlocked, openTab, onListReady, now = Date.now }: PopupProps) {
  const [status, setStatus] = useState<VaultStatus | null>(null);
  const [data, setData] = useState<KeyListData | null>(null);
  const [error, setError] = useState('');
  const [rotations, setRotations] = useState(0);

  const first = useRef(firstLoad);

  const refresh = useCallback(async () => {
    setError('');
    const load = first.current ?? askForPopup(send, !onUnlocked);
    first.current = undefined;
    try {
      const s = await load.status;
      setStatus(s);
      if (!s.unlocked) return setData(null);
      if (onUnlocked) return onUnlocked();
      // A refusal here means the vault was unlocked between the requests: ask again.
      const fetchList = () => Promise.all([send('entry.list', {}), send('settings.get', {})]);
      const [entries, settings] = await (load.list ?? fetchList()).catch(fetchList);
      setData({ entries, settings });
    } catch (e) {
      setError(describeError(e));
    }
  }, [send, onUnlocked]);

  // A layout effect, so the requests (when not asked already) leave with the first render, not a frame later.
  useLayoutEffect(() => {
    void refresh();
  }, [refresh]);

  const lock = async () => {
    try {
      setStatus(await send('vault.lock', {}));
      setData(null);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <main class={status?.unlocked ? 'popup unlocked' : 'popup'}>
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
      {status?.unlocked && !onUnlocked && (
        <KeyList
          data={data}
          send={send}
          openTab={openTab}
          now={now}
          onLocked={() => void refresh()}
          onReady={onListReady}
          onRotationStarted={() => setRotations((n) => n + 1)}
        />
      )}
      {status?.unlocked && !onUnlocked && data && (
        <Attention send={send} openTab={openTab} version={rotations} />
      )}
    </main>
  );
}

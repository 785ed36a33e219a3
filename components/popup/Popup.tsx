import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { VaultStatus } from '../../lib/messages';
import { policyOf } from '../../lib/rotation/schedule';
import type { KeyValueArea, Settings } from '../../lib/settings';
import { type ListRow, readListCache, readListHead, sameRows } from '../../lib/vault/list-cache';
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
  /**
   * The names-only list cache from storage.session (lib/vault/list-cache.ts) with the rotation policy:
   * there only while the vault is unlocked, so the list can be shown before the background answers. Null
   * when not read (the unlock window) or not there.
   */
  cached?: Promise<CachedList | null> | null;
  /**
   * The popup was opened from the page the background sets while the list cache is there
   * (lib/vault/list-cache.ts, POPUP_WITH_CACHE): it opens on the key list's frame, and asks the background
   * once the cached list is on screen.
   */
  expectList?: boolean;
}

/**
 * The list's head as the session cache has it, with the rotation policy (for the badges): one read of a
 * storage area, no message to the background. Null when there is no cache (locked) or it cannot be read.
 * When the list is longer than its head, `count` says how long, and `rest` reads the whole list.
 */
export async function readCachedList(session: Pick<KeyValueArea, 'get'>): Promise<CachedList | null> {
  const head = await readListHead(session);
  if (!head) return null;
  const { policy } = head;
  if (head.count === head.rows.length) return { entries: head.rows, policy };
  return {
    entries: head.rows,
    policy,
    count: head.count,
    rest: async () => {
      const entries = await readListCache(session);
      return entries && { entries, policy };
    },
  };
}

/** The cached list or its head; `rest` reads the whole list when this is only its head. */
export type CachedList = KeyListData & { rest?: () => Promise<KeyListData | null> };

/**
 * Asks everything the popup shows at once, the small status first: it comes back quickly and (unlocked)
 * puts up the list's skeleton while the list is on its way, so the popup is ready after one round trip,
 * not two. While the vault is locked the list is refused; that refusal is expected and dropped. With
 * `readCache`, the session cache is read first of all: unlocked, the list is shown from it before the
 * background answers, and the answer then confirms or corrects it.
 *
 * Exported so the popup page can ask before anything else runs (before Preact renders, before the i18n
 * bindings are set up).
 */
export function askForPopup(
  send: Send,
  withList: boolean,
  readCache?: () => Promise<CachedList | null>,
  expectList = false,
): PopupLoad {
  const cached = withList && readCache ? readCache().catch(() => null) : null;
  /**
   * With a cache to show, the background is asked only once the cached list is rendered (the task after
   * it), so that neither the asking nor the reply (1,000 entries take a while to arrive and unpack) lands
   * in the middle of that render. Without one, at once.
   */
  const afterCache = <T,>(ask: () => Promise<T>): Promise<T> =>
    cached
      ? cached.then(async (c) => {
          if (c) await new Promise((resolve) => setTimeout(resolve, 0));
          return ask();
        })
      : ask();
  // The status too, when the popup's page says the cache is there: it then only confirms.
  const askStatus = () => send('vault.status', {});
  const status = expectList && cached ? afterCache(askStatus) : askStatus();
  const fetchList = () => Promise.all([send('entry.list', {}), send('settings.get', {})]);
  const list = withList ? afterCache(fetchList) : null;
  // Marked as handled until the popup awaits them (the status's error is still thrown there).
  status.catch(() => undefined);
  list?.catch(() => undefined);
  return { status, list, cached, expectList: expectList && cached !== null };
}

/** What the popup assumes while only the cache has spoken: the cache exists only while unlocked. */
const UNLOCKED_GUESS: VaultStatus = { exists: true, unlocked: true, retryAfterMs: 0 };

/** True when the background's answer shows what the popup shows already (it then keeps it: no re-render). */
function sameData(a: KeyListData | null, b: KeyListData): boolean {
  return (
    a !== null &&
    a.count === undefined &&
    a.policy.rotationDays === b.policy.rotationDays &&
    a.policy.reminderLeadDays === b.policy.reminderLeadDays &&
    sameRows(a.entries, b.entries as readonly ListRow[])
  );
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
  /** Called when the background's list is on screen (it confirmed or corrected the cache's). */
  onListConfirmed?: (() => void) | undefined;
  /** The clock for the badges; tests pin it. */
  now?: () => number;
}

/** The popup: create → unlock → the key list, by vault state. */
export function Popup({
  send,
  firstLoad,
  onUnlocked,
  openTab,
  onListReady,
  onListConfirmed,
  now = Date.now,
}: PopupProps) {
  // Opened from the page that says the list cache is there: the key list's frame at once (its search box
  // focused), the rows as soon as the cache is read.
  const [status, setStatus] = useState<VaultStatus | null>(firstLoad?.expectList ? UNLOCKED_GUESS : null);
  const [data, setData] = useState<KeyListData | null>(null);
  const [error, setError] = useState('');
  const [rotations, setRotations] = useState(0);
  /** The background has answered for the list on screen (until then it may be the cache's). */
  const [confirmed, setConfirmed] = useState(false);

  const first = useRef(firstLoad);

  const refresh = useCallback(async () => {
    setError('');
    const load = first.current ?? askForPopup(send, !onUnlocked);
    first.current = undefined;
    setConfirmed(false);
    /** What is on screen from the cache, until the background's answer replaces or confirms it. */
    let guess: KeyListData | null = null;
    /** The background has answered with a locked vault or a list: the cache has nothing more to say. */
    let answered = false;
    void load.cached?.then(async (cached) => {
      // No cache after all (the page's hint was stale): "Loading" until the background answers.
      if (!cached && !answered) setStatus((s) => (s === UNLOCKED_GUESS ? null : s));
      if (!cached || answered) return;
      const { rest, ...head } = cached;
      guess = head;
      setStatus((s) => s ?? UNLOCKED_GUESS);
      setData(head);
      if (!rest) return;
      // The first screen is up; the rest of the list follows in the next task.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const whole = await rest();
      if (!whole || answered) return;
      guess = whole;
      setData(whole);
    });
    try {
      const s = await load.status;
      setStatus(s);
      if (!s.unlocked) {
        answered = true;
        return setData(null);
      }
      if (onUnlocked) return onUnlocked();
      // A refusal here means the vault was unlocked between the requests: ask again.
      const fetchList = () => Promise.all([send('entry.list', {}), send('settings.get', {})]);
      const [entries, settings] = await (load.list ?? fetchList()).catch(fetchList);
      answered = true;
      const fresh = { entries, policy: policyOf(settings) };
      if (!sameData(guess, fresh)) setData(fresh);
      setConfirmed(true);
      onListConfirmed?.();
    } catch (e) {
      answered = true;
      setError(describeError(e));
    }
  }, [send, onUnlocked, onListConfirmed]);

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
          skeleton={status !== UNLOCKED_GUESS}
        />
      )}
      {status?.unlocked && !onUnlocked && data && confirmed && (
        <Attention send={send} openTab={openTab} version={rotations} />
      )}
    </main>
  );
}

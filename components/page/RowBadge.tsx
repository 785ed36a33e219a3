import { t } from '../../lib/i18n';
import type { Refusal } from '../../lib/page/safe-click';
import type { RowBadgeInput } from '../../lib/page/ui-loader';
import { ageDays } from '../../lib/rotation/schedule';
import { isProtocolError } from '../../lib/send';
import { useGuardedAction } from './useGuardedAction';

const ROTATION = {
  ok: null,
  'due-soon': 'rotationDueSoon',
  due: 'rotationDue',
  overdue: 'rotationOverdue',
} as const;
const EXPIRY = { none: null, ok: null, soon: 'expiresSoon', expired: 'expired' } as const;

/** The mark on a key-table row: in KeyGuard (age, status, "Copy full key") or quietly not. */
export function RowBadge(props: RowBadgeInput & { guard: (e: MouseEvent) => Refusal | null }) {
  const { message, run } = useGuardedAction(props.guard);
  const entry = props.match.entry;
  if (!entry) {
    return (
      <span class="kg">
        <span class="g out">{t('notInKeyGuard')}</span>
      </span>
    );
  }
  /** Copy and Rotate need the vault open: on a locked vault, open the unlock window and say so. */
  const unlocked = (action: () => Promise<string | undefined>) => async () => {
    try {
      return await action();
    } catch (err) {
      if (!isProtocolError(err) || err.code !== 'locked') throw err;
      await props.send('ui.openUnlock', {});
      return t('unlockThenRetry');
    }
  };
  const retired = entry.state === 'retired';
  const rotation = retired ? null : ROTATION[entry.rotation];
  const expiry = retired ? null : EXPIRY[entry.expiry];
  return (
    <fieldset class="kg" aria-label={t('keyGuardControls')}>
      <span class="g in">{t('inKeyGuard')}</span>
      <span class="msg">{t('ageDays', ageDays(entry.createdAt, props.now))}</span>
      {retired && <span class="g out">{t('retired')}</span>}
      {rotation && <span class={`g ${entry.rotation === 'overdue' ? 'bad' : 'warn'}`}>{t(rotation)}</span>}
      {expiry && <span class={`g ${entry.expiry === 'expired' ? 'bad' : 'warn'}`}>{t(expiry)}</span>}
      {!retired && (
        <button
          type="button"
          onClick={run(
            unlocked(async () => {
              const { clearAfterSeconds } = await props.send('entry.copy', { id: entry.id });
              return clearAfterSeconds > 0 ? t('copiedClears', clearAfterSeconds) : t('copied');
            }),
          )}
        >
          {t('copyFullKey')}
        </button>
      )}
      {entry.state === 'active' && props.onRotate && (
        <button
          type="button"
          aria-label={t('rotRotateKey')}
          onClick={run(
            unlocked(async () => {
              await props.onRotate?.(entry.id);
              return undefined;
            }),
          )}
        >
          {t('rotRotate')}
        </button>
      )}
      {message && (
        <span class="msg" role="status">
          {message}
        </span>
      )}
    </fieldset>
  );
}

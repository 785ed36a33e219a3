import { t } from '../../lib/i18n';
import type { Refusal } from '../../lib/page/safe-click';
import type { GuidePanelInput } from '../../lib/page/ui-loader';
import { FIX, RotationSteps } from '../rotation/RotationSteps';
import { useGuardedAction } from './useGuardedAction';

/**
 * Above DocBits' key table: the checklist of each guided rotation on this host and the hygiene banner.
 * Knows only ids, prefixes, steps and (vault open) names — never a secret.
 */
export function GuidePanel(props: GuidePanelInput & { guard: (e: MouseEvent) => Refusal | null }) {
  const { message, run } = useGuardedAction(props.guard);
  const { rotations, hygiene } = props;
  return (
    <div class="kg col">
      {rotations.map((r) => (
        <section key={r.oldId} class="box" aria-label={t('rotChecklist')}>
          <strong>{r.name ? t('rotTitle', r.name) : t('rotTitleLocked')}</strong>
          {r.step === 'create' && r.suggestedName && (
            <span class="msg">
              {t('rotSuggested', r.suggestedName)}
              {r.expiryDays !== null && ` · ${t('rotSuggestedExpiry', r.expiryDays)}`}{' '}
              <button
                type="button"
                onClick={run(() => (props.fillName(r.suggestedName ?? '') ? undefined : t('rotStepCreate')))}
              >
                {t('rotUseName')}
              </button>
            </span>
          )}
          <RotationSteps step={r.step} />
          {r.warning && (
            <span class="g bad" role="alert">
              {t('rotWarnOldUsed')}
            </span>
          )}
          {r.step === 'done' ? (
            <span class="g in" role="status">
              {t('rotCompleted')}
            </span>
          ) : (
            <button
              type="button"
              onClick={run(async () => {
                await props.send('rotation.cancel', { id: r.oldId });
                props.changed();
                return undefined;
              })}
            >
              {t('rotCancel')}
            </button>
          )}
        </section>
      ))}
      {hygiene.length > 0 && (
        <details class="box">
          <summary>{t('hyBanner', hygiene.length)}</summary>
          <ul>
            {hygiene.map((f) => (
              <li key={`${f.kind}-${f.entryId}`}>
                <code>{f.prefix}…</code> {t(FIX[f.kind])}
                {f.action === 'rotate' && (
                  <button
                    type="button"
                    aria-label={`${t('rotRotate')} ${f.prefix}…`}
                    onClick={run(async () => {
                      await props.send('rotation.start', { id: f.entryId });
                      props.changed();
                      return undefined;
                    })}
                  >
                    {t('rotRotate')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      {message && (
        <span class="msg" role="status">
          {message}
        </span>
      )}
    </div>
  );
}

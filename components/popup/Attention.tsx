import { useEffect, useId, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { HygieneItem, RotationView } from '../../lib/messages';
import type { Send } from '../api';
import { describeError } from '../errors';
import { FIX, RotationSteps } from '../rotation/RotationSteps';
import { apiKeysUrl } from './keys';

/**
 * Below the popup's key list: the checklist of every guided rotation in progress, and the key-hygiene
 * report (each finding with its one-line fix and, where it applies, the button that starts it). Asked
 * for after the list is on screen, so the list's own budget is not spent here.
 */
export function Attention(props: {
  send: Send;
  openTab?: ((url: string) => unknown) | undefined;
  /** Changes when something elsewhere in the popup started a rotation: read again. */
  version: number;
}) {
  const { send, openTab } = props;
  const [rotations, setRotations] = useState<RotationView[]>([]);
  const [findings, setFindings] = useState<HygieneItem[] | null>(null);
  /** Entries with a reminder that is not snoozed (snoozing here also serves browsers without notification buttons). */
  const [due, setDue] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [reload, setReload] = useState(0);
  const base = useId();

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      Promise.all([send('rotation.list', {}), send('hygiene.report', {}), send('reminder.status', {})]).then(
        ([r, h, s]) => {
          if (!live) return;
          setRotations(r);
          setFindings(h);
          setDue(s.ids);
        },
        (e: unknown) => live && setError(describeError(e)),
      );
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [send, props.version, reload]);

  const act = (action: () => Promise<unknown>) => async () => {
    setError('');
    try {
      await action();
      setReload((n) => n + 1);
    } catch (e) {
      setError(describeError(e));
    }
  };
  const open = (host: string) => openTab?.(apiKeysUrl(host));
  const rotate = (id: string) => async () => {
    const view = await send('rotation.start', { id });
    await open(view.host);
  };

  return (
    <div class="attention">
      {due.length > 0 && (
        <p class="reminders">
          {t('remAttention', due.length)}{' '}
          {(['day', 'week'] as const).map((length) => (
            <button
              key={length}
              type="button"
              onClick={act(async () => {
                await send('reminder.snooze', { ids: due, length });
                setNote(t('remSnoozedDone'));
              })}
            >
              {length === 'day' ? t('remSnoozeDay') : t('remSnoozeWeek')}
            </button>
          ))}
        </p>
      )}
      <p role="status" class="hint">
        {note}
      </p>
      {rotations.length > 0 && (
        <section aria-labelledby={`${base}-rot`}>
          <h2 id={`${base}-rot`}>{t('rotInProgress')}</h2>
          {rotations.map((r) => (
            <section
              key={r.oldId}
              class="rotation"
              aria-label={r.name ? t('rotTitle', r.name) : t('rotTitleLocked')}
            >
              <strong>{r.name ? t('rotTitle', r.name) : t('rotTitleLocked')}</strong>
              {r.step === 'create' && r.suggestedName && (
                <p class="hint">{t('rotSuggested', r.suggestedName)}</p>
              )}
              <RotationSteps step={r.step} />
              {r.warning && (
                <p class="error" role="alert">
                  {t('rotWarnOldUsed')}
                </p>
              )}
              {r.step === 'done' ? (
                <p role="status">{t('rotCompleted')}</p>
              ) : (
                <div class="row-actions">
                  <button type="button" onClick={() => void open(r.host)}>
                    {t('hyOpen')}
                  </button>
                  <button type="button" onClick={act(() => send('rotation.cancel', { id: r.oldId }))}>
                    {t('rotCancel')}
                  </button>
                </div>
              )}
            </section>
          ))}
        </section>
      )}
      {findings && (
        <details class="hygiene">
          <summary>
            {t('hyTitle')} ({findings.length})
          </summary>
          {findings.length === 0 ? (
            <p class="hint">{t('hyNone')}</p>
          ) : (
            <ul>
              {findings.map((f) => (
                <li key={`${f.kind}-${f.entryId}`}>
                  <strong>{f.name}</strong> {t(FIX[f.kind])}{' '}
                  {f.action === 'rotate' && (
                    <button
                      type="button"
                      aria-label={t('rotRotateName', f.name)}
                      onClick={act(rotate(f.entryId))}
                    >
                      {t('rotRotate')}
                    </button>
                  )}
                  {f.action === 'open' && (
                    <button type="button" onClick={() => void open(f.host)}>
                      {t('hyOpen')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </details>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

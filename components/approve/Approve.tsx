import { useEffect, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { ApprovalDecision, ApprovalView } from '../../lib/messages';
import type { Send } from '../api';
import type { CliAsk } from '../cli-port';
import { describeError } from '../errors';
import { UnlockForm } from '../vault/VaultForms';

interface Props {
  /** The request this window answers (from its URL). */
  requestId: string;
  ask: CliAsk;
  send: Send;
  /** Closes the window after a decision. */
  close: () => void;
}

/**
 * The command line's approval window (issue 17): which keys, which command line and directory asked —
 * shown as the program's claims — with Allow once, Allow this command for 15 minutes, and Deny. A locked
 * vault is unlocked here first (names are encrypted until then). Closing the window denies.
 */
export function Approve({ requestId, ask, send, close }: Props) {
  const [view, setView] = useState<ApprovalView | null>(null);
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    ask('approval.open', { request: requestId }).then(setView, (e: unknown) => setFailure(describeError(e)));
  }, [ask, requestId]);

  const decide = async (decision: ApprovalDecision) => {
    setBusy(true);
    try {
      await ask('approval.decide', { request: requestId, decision });
      close();
    } catch (e) {
      setFailure(describeError(e));
      setBusy(false);
    }
  };

  if (failure && !view) return <p role="alert">{t('approveGone')}</p>;
  if (!view) return <p aria-busy="true">…</p>;
  if (view.ended !== null) {
    return (
      <main class="approve">
        <h1>{t('approveTitle')}</h1>
        <p role="status">{view.ended === 'approved' ? t('approveDone') : t('approveEnded', view.ended)}</p>
        <button type="button" onClick={close}>
          {t('approveClose')}
        </button>
      </main>
    );
  }
  return (
    <main class="approve">
      <h1>{t('approveTitle')}</h1>
      <p>{view.purpose === 'get' ? t('approveIntroGet') : t('approveIntroRun')}</p>
      <dl class="facts">
        <dt>{t('approveCommand')}</dt>
        <dd>
          <code>{view.command.join(' ')}</code>
        </dd>
        <dt>{t('approveDirectory')}</dt>
        <dd>
          <code>{view.cwd}</code>
        </dd>
        <dt>{t('approveKeys')}</dt>
        <dd>
          {view.entries ? (
            <ul aria-label={t('approveKeys')}>
              {view.entries.map((e) => (
                <li key={e.id}>
                  {e.name}{' '}
                  <span class="muted">
                    ({e.host}, {e.environment})
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            t('approveLocked')
          )}
        </dd>
      </dl>
      <p class="muted">{t('approveClaims')}</p>
      {view.locked || !view.entries ? (
        <UnlockForm
          send={send}
          retryAfterMs={0}
          onDone={() =>
            void ask('approval.unlocked', { request: requestId }).then(setView, (e: unknown) =>
              setFailure(describeError(e)),
            )
          }
        />
      ) : (
        <div class="actions start">
          <button type="button" class="primary" disabled={busy} onClick={() => void decide('once')}>
            {t('approveOnce')}
          </button>
          <button type="button" disabled={busy} onClick={() => void decide('fifteen')}>
            {t('approveFifteen')}
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => void decide('deny')}>
            {t('approveDeny')}
          </button>
        </div>
      )}
      {failure && <p role="alert">{failure}</p>}
    </main>
  );
}

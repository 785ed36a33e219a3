import { useId, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { ProtocolError } from '../../lib/send';
import { MIN_PASSWORD_LENGTH, passwordStrength } from '../../lib/vault/password';
import type { Send } from '../api';
import { describeError } from '../errors';
import { PasswordField } from '../vault/PasswordField';
import { NewPasswordHints, useBackoff } from '../vault/password-ui';
import { StatusLine } from './fields';

/**
 * Change the master password: the current one, the new one twice. The vault re-wraps its data key, so
 * entries are not re-encrypted; deriving both keys takes a moment, shown as progress.
 */
export function ChangePasswordSection({ send }: { send: Send }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [wrongCurrent, setWrongCurrent] = useState(false);
  const [done, setDone] = useState('');
  const { waitMs, waitFor } = useBackoff();
  const hintId = useId();
  const strength = passwordStrength(next);
  const mismatch = confirm.length > 0 && confirm !== next;

  const edited =
    (set: (v: string) => void, isCurrent = false) =>
    (v: string) => {
      set(v);
      setDone('');
      setError('');
      if (isCurrent) setWrongCurrent(false);
    };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || waitMs > 0) return;
    setDone('');
    if (current === '') return setError(t('optErrCurrentRequired'));
    if (strength === 'too-short') return setError(t('passwordTooShort', MIN_PASSWORD_LENGTH));
    if (next !== confirm) return setError(t('passwordsDiffer'));
    if (next === current) return setError(t('optErrSamePassword'));
    setBusy(true);
    setError('');
    try {
      await send('vault.changePassword', { oldPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setConfirm('');
      setWrongCurrent(false);
      setDone(t('optPasswordChanged'));
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'bad-password') {
        setWrongCurrent(true);
        setError(t('optErrWrongCurrent'));
      } else {
        if (err instanceof ProtocolError && err.retryAfterMs) waitFor(err.retryAfterMs);
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-busy={busy} class="narrow">
      <PasswordField
        label={t('optCurrentPassword')}
        value={current}
        onInput={edited(setCurrent, true)}
        autoComplete="current-password"
        disabled={busy}
        invalid={wrongCurrent}
      />
      <PasswordField
        label={t('optNewPassword')}
        value={next}
        onInput={edited(setNext)}
        autoComplete="new-password"
        disabled={busy}
        describedBy={hintId}
      />
      <PasswordField
        label={t('optConfirmNewPassword')}
        value={confirm}
        onInput={edited(setConfirm)}
        autoComplete="new-password"
        disabled={busy}
        invalid={mismatch}
        describedBy={hintId}
      />
      <NewPasswordHints id={hintId} password={next} confirm={confirm} />
      {busy && (
        <p class="progress" role="status">
          <span class="spinner" aria-hidden="true" />
          {t('optChangingPassword')}
        </p>
      )}
      {waitMs > 0 && (
        <p class="warning" role="status">
          {t('retryIn', Math.ceil(waitMs / 1000))}
        </p>
      )}
      <div class="actions start">
        <button type="submit" class="primary" disabled={busy || waitMs > 0}>
          {t('optChangePassword')}
        </button>
      </div>
      <StatusLine ok={done} error={waitMs > 0 ? undefined : error || undefined} />
    </form>
  );
}

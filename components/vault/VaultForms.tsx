import { useId, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { VaultStatus } from '../../lib/messages';
import { ProtocolError } from '../../lib/send';
import { MIN_PASSWORD_LENGTH, passwordStrength } from '../../lib/vault/password';
import type { Send } from '../api';
import { describeError } from '../errors';
import { PasswordField } from './PasswordField';
import { NewPasswordHints, useBackoff } from './password-ui';

interface FormProps {
  send: Send;
  onDone: (status: VaultStatus) => void;
}

function Progress() {
  return (
    <p class="progress" role="status">
      <span class="spinner" aria-hidden="true" />
      {t('deriving')}
    </p>
  );
}

/** First run: choose the master password (twice), warned when weak. */
export function CreateVaultForm({ send, onDone }: FormProps) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const hintId = useId();
  const strength = passwordStrength(password);
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (strength === 'too-short') return setError(t('passwordTooShort', MIN_PASSWORD_LENGTH));
    if (password !== confirm) return setError(t('passwordsDiffer'));
    setBusy(true);
    setError('');
    try {
      onDone(await send('vault.create', { password }));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-busy={busy}>
      <p>{t('createIntro')}</p>
      <PasswordField
        label={t('masterPassword')}
        value={password}
        onInput={setPassword}
        autoComplete="new-password"
        autoFocus
        disabled={busy}
        describedBy={hintId}
      />
      <PasswordField
        label={t('confirmMasterPassword')}
        value={confirm}
        onInput={setConfirm}
        autoComplete="new-password"
        disabled={busy}
        invalid={mismatch}
        describedBy={hintId}
      />
      <NewPasswordHints id={hintId} password={password} confirm={confirm} />
      {busy && <Progress />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {t('createVault')}
      </button>
    </form>
  );
}

/** Locked: one field, with the back-off counted down when attempts failed. */
export function UnlockForm({ send, onDone, retryAfterMs }: FormProps & { retryAfterMs: number }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const { waitMs, waitFor } = useBackoff(retryAfterMs);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (password.length === 0 || waitMs > 0) return;
    setBusy(true);
    setError('');
    try {
      const status = await send('vault.unlock', { password });
      setPassword('');
      onDone(status);
    } catch (err) {
      if (err instanceof ProtocolError && err.retryAfterMs) waitFor(err.retryAfterMs);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-busy={busy}>
      <p>{t('lockedIntro')}</p>
      <PasswordField
        label={t('masterPassword')}
        value={password}
        onInput={setPassword}
        autoComplete="current-password"
        autoFocus
        disabled={busy}
        invalid={error !== ''}
      />
      {busy && <Progress />}
      {waitMs > 0 && (
        <p class="warning" role="status">
          {t('retryIn', Math.ceil(waitMs / 1000))}
        </p>
      )}
      {error && waitMs === 0 && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy || waitMs > 0}>
        {t('unlock')}
      </button>
    </form>
  );
}

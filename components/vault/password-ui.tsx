import { useEffect, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { MIN_PASSWORD_LENGTH, passwordStrength } from '../../lib/vault/password';

/**
 * The back-off after failed password attempts, counted down: `waitMs` re-renders a few times a second while
 * it runs; `waitFor(ms)` starts it (e.g. from a 'backoff' error's retryAfterMs).
 */
export function useBackoff(initialMs = 0): { waitMs: number; waitFor: (ms: number) => void } {
  const [until, setUntil] = useState(initialMs > 0 ? Date.now() + initialMs : 0);
  const [, tick] = useState(0);
  const waitMs = Math.max(0, until - Date.now());
  useEffect(() => {
    if (waitMs <= 0) return;
    const timer = setInterval(() => tick((n) => n + 1), 250);
    return () => clearInterval(timer);
  }, [waitMs > 0]);
  return { waitMs, waitFor: (ms) => setUntil(Date.now() + ms) };
}

/** What a new password's fields say while it is typed: too short, weak, confirmation differs. */
export function NewPasswordHints({
  id,
  password,
  confirm,
}: {
  id: string;
  password: string;
  confirm: string;
}) {
  const strength = passwordStrength(password);
  return (
    <div id={id} aria-live="polite">
      {password.length > 0 && strength === 'too-short' && (
        <p class="hint">{t('passwordTooShort', MIN_PASSWORD_LENGTH)}</p>
      )}
      {strength === 'weak' && <p class="warning">{t('passwordWeak')}</p>}
      {confirm.length > 0 && confirm !== password && <p class="hint">{t('passwordsDiffer')}</p>}
    </div>
  );
}

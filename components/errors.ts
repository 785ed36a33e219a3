import { t } from '../lib/i18n';
import { isProtocolError } from '../lib/send';

/** Maps a background error to a sentence for the user; never echoes input. */
export function describeError(e: unknown): string {
  if (isProtocolError(e)) {
    if (e.code === 'bad-password') return t('wrongPassword');
    if (e.code === 'backoff') return t('retryIn', Math.ceil((e.retryAfterMs ?? 0) / 1000));
    return t('errorGeneric', e.message);
  }
  return t('errorGeneric', e instanceof Error ? e.message : String(e));
}

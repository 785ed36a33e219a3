import { useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { Refusal } from '../../lib/page/safe-click';
import { describeError } from '../errors';

/**
 * Wraps click handlers of injected controls: refuses unsafe activations (see lib/page/safe-click) and turns
 * failures into a one-line message next to the control.
 */
export function useGuardedAction(guard: (e: MouseEvent) => Refusal | null) {
  const [message, setMessage] = useState('');
  const run =
    (action: () => Promise<string | undefined> | string | undefined) =>
    async (e: MouseEvent): Promise<void> => {
      e.preventDefault();
      e.stopPropagation();
      if (guard(e)) {
        setMessage(t('actionRefused'));
        return;
      }
      try {
        setMessage((await action()) ?? '');
      } catch (err) {
        setMessage(t('actionFailed', describeError(err)));
      }
    };
  return { message, setMessage, run };
}

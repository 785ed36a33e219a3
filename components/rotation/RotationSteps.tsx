import { t } from '../../lib/i18n';
import type { RotationView } from '../../lib/messages';
import type { FindingKind } from '../../lib/rotation/hygiene';

/** The one-line fix of each hygiene finding (the page's banner and the popup's report). */
export const FIX: Record<FindingKind, Parameters<typeof t>[0]> = {
  'retired-active': 'hyRetiredActive',
  'past-age': 'hyPastAge',
  'no-expiry': 'hyNoExpiry',
  unused: 'hyUnused',
  'never-used': 'hyNeverUsed',
  'duplicate-name': 'hyDuplicate',
};

const STEPS = ['rotStepCreate', 'rotStepUpdate', 'rotStepWait', 'rotStepRevoke'] as const;
/** How many checklist steps a rotation step has ticked. */
const DONE = { create: 0, use: 1, revoke: 3, done: 4 } as const;

/**
 * A guided rotation's four steps, ticked up to where it is: the same list on the DocBits page and in the
 * popup. Ticked items get class `done`; the spoken state uses class `visually-hidden` (both styled by the
 * caller's stylesheet).
 */
export function RotationSteps({ step }: { step: RotationView['step'] }) {
  const done = DONE[step];
  return (
    <ol class="checklist">
      {STEPS.map((s, i) => (
        <li key={s} class={i < done ? 'done' : ''}>
          <span aria-hidden="true">{i < done ? '✓ ' : '○ '}</span>
          {t(s)}
          <span class="visually-hidden"> ({i < done ? t('rotDoneMark') : t('rotTodoMark')})</span>
        </li>
      ))}
    </ol>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { Environment } from '../../lib/page/hosts';
import { type Refusal, UNGUARDED_ATTR } from '../../lib/page/safe-click';
import type { KeyControlsInput, PrefillField } from '../../lib/page/ui-loader';
import { isProtocolError } from '../../lib/send';
import { useGuardedAction } from './useGuardedAction';

export interface KeyControlsProps extends KeyControlsInput {
  guard: (e: MouseEvent) => Refusal | null;
}

const REMASK_MS = 10_000;
const toDateInput = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().slice(0, 10) : '');

/** Show/Hide, Copy and Save to KeyGuard next to a full key on the DocBits page. */
export function KeyControls(props: KeyControlsProps) {
  const { message, setMessage, run } = useGuardedAction(props.guard);
  const [revealed, setRevealed] = useState(false);
  const [form, setForm] = useState<Values | null>(null);
  const [saved, setSaved] = useState(false);
  const [waiting, setWaiting] = useState<Values | null>(null);

  useEffect(() => {
    props.setRevealed(revealed);
    if (!revealed) return;
    const timer = setTimeout(() => setRevealed(false), REMASK_MS);
    return () => clearTimeout(timer);
  }, [revealed]);
  // Leaving the page (or DocBits closing the dialog) re-masks.
  useEffect(() => () => props.setRevealed(false), []);

  const save = async (values: Values) => {
    const secret = props.readKey();
    if (!secret) return;
    try {
      const reply = await props.send('entry.capture', {
        entry: {
          secret,
          name: values.name.trim() || 'DocBits API key',
          notes: values.notes,
          orgId: values.orgId.trim() || null,
          environment: values.environment,
          expiresAt: values.expires ? Date.parse(`${values.expires}T23:59:59`) : null,
        },
      });
      setSaved(true);
      setForm(null);
      setWaiting(null);
      setMessage(reply.existing ? t('savedInKeyGuard') : '');
    } catch (err) {
      if (isProtocolError(err) && err.code === 'locked') {
        // The secret stays where it already is (this page); it is sent again once the vault opens.
        setWaiting(values);
        setMessage(t('unlockToSave'));
        await props.send('ui.openUnlock', {});
        return;
      }
      throw err;
    }
  };

  useEffect(() => {
    if (!waiting) return;
    return props.onUnlocked(() => void save(waiting).catch(() => setMessage(t('unlockToSave'))));
  }, [waiting]);

  const openForm = () => {
    const p = props.prefill();
    setForm({
      name: p.name ?? '',
      notes: p.description ?? '',
      expires: toDateInput(p.expiresAt),
      orgId: p.orgId ?? '',
      environment: p.environment,
      unread: p.unread ?? [],
    });
    return undefined;
  };

  return (
    <fieldset class="kg" aria-label={t('keyGuardControls')}>
      <button
        type="button"
        aria-pressed={revealed}
        onClick={run(() => {
          // Showing the key is recorded in the audit log (the page itself shows it; nothing is sent back).
          if (!revealed) void props.send('audit.pageReveal', { entryId: null }).catch(() => {});
          setRevealed((r) => !r);
          return undefined;
        })}
      >
        {revealed ? t('hideApiKey') : t('showApiKey')}
      </button>
      <button
        type="button"
        onClick={run(async () => {
          const key = props.readKey();
          if (!key) return undefined;
          const { clearAfterSeconds } = await props.send('clipboard.copyPageKey', { text: key });
          return clearAfterSeconds > 0 ? t('copiedClears', clearAfterSeconds) : t('copied');
        })}
      >
        {t('copyApiKey')}
      </button>
      {saved ? (
        <span class="g in" role="status">
          {t('savedInKeyGuard')}
        </span>
      ) : (
        !form && (
          <button type="button" class="p" onClick={run(openForm)}>
            {t('saveToKeyGuard')}
          </button>
        )
      )}
      {form && (
        <SaveForm
          values={form}
          onChange={setForm}
          onCancel={() => setForm(null)}
          onSave={run(async () => {
            await save(form);
            return undefined;
          })}
        />
      )}
      {message && (
        <span class="msg" role="status">
          {message}
        </span>
      )}
    </fieldset>
  );
}

/** The save form: what DocBits' dialog and page said, editable before saving. */
interface Values {
  name: string;
  notes: string;
  expires: string;
  orgId: string;
  environment: Environment;
  /** What could not be prefilled from the page: said above the fields, never silently replaced. */
  unread: PrefillField[];
}

const FIELD_LABEL = {
  name: 'keyName',
  description: 'keyNotes',
  expiresAt: 'prefillFieldExpiry',
  orgId: 'optFieldOrg',
} as const;

interface FormProps {
  values: Values;
  onChange: (v: Values) => void;
  onCancel: () => void;
  onSave: (e: MouseEvent) => void;
}

function SaveForm({ values, onChange, onCancel, onSave }: FormProps) {
  const set = (key: 'name' | 'notes' | 'expires' | 'orgId' | 'environment') => (e: Event) =>
    onChange({ ...values, [key]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      onSubmit={(e) => e.preventDefault()}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      {values.unread.length > 0 && (
        <p class="msg" id="kg-unread">
          {t('prefillUnread', values.unread.map((f) => t(FIELD_LABEL[f])).join(', '))}
        </p>
      )}
      <label for="kg-name">{t('keyName')}</label>
      <input id="kg-name" type="text" value={values.name} maxLength={200} onInput={set('name')} />
      <label for="kg-notes">{t('keyNotes')}</label>
      <input id="kg-notes" type="text" value={values.notes} maxLength={10_000} onInput={set('notes')} />
      <label for="kg-expires">{t('keyExpires')}</label>
      <input id="kg-expires" type="date" value={values.expires} onInput={set('expires')} />
      <label for="kg-org">{t('optFieldOrg')}</label>
      <input id="kg-org" type="text" value={values.orgId} maxLength={200} onInput={set('orgId')} />
      <label for="kg-env">{t('optFieldEnvironment')}</label>
      <select id="kg-env" value={values.environment} onChange={set('environment')}>
        <option value="production">{t('optEnvProduction')}</option>
        <option value="sandbox">{t('optEnvSandbox')}</option>
        <option value="other">{t('optEnvOther')}</option>
      </select>
      <div>
        {/* Backing out is never refused, so it is not shown as waiting to be armed. */}
        <button type="button" onClick={onCancel} {...{ [UNGUARDED_ATTR]: '' }}>
          {t('cancel')}
        </button>
        <button type="submit" class="p" onClick={onSave}>
          {t('save')}
        </button>
      </div>
    </form>
  );
}

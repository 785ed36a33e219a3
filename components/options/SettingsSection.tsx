import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import {
  AUTO_LOCK_CHOICES,
  CLIPBOARD_CLEAR_CHOICES,
  SETTING_RANGES,
  type Settings,
} from '../../lib/settings';
import type { Send } from '../api';
import { describeError } from '../errors';
import { focusFirstInvalid, SelectField, StatusLine, TextField } from './fields';
import { formatMinutes, formatUnit, parseWhole } from './format';

/** The ranges the protocol accepts (lib/messages.ts, settings.set). */
export const ROTATION_RANGE = [1, 3650] as const;
export const LEAD_RANGE = [0, 365] as const;
const REPEAT_RANGE = SETTING_RANGES.anomalyRepeatMinutes;

interface Props {
  send: Send;
  settings: Settings;
  locale: string | undefined;
  onSaved: (settings: Settings) => void;
}

/** Auto-lock, clipboard clearing and the reminder policy, saved together with `settings.set`. */
export function SettingsSection({ send, settings, locale, onSaved }: Props) {
  const [autoLock, setAutoLock] = useState(settings.autoLockMinutes);
  const [clipboard, setClipboard] = useState(settings.clipboardClearSeconds);
  const [rotation, setRotation] = useState(String(settings.rotationDays));
  const [lead, setLead] = useState(String(settings.reminderLeadDays));
  const [repeat, setRepeat] = useState(String(settings.anomalyRepeatMinutes));
  const [errors, setErrors] = useState<{ rotation?: string; lead?: string; repeat?: string }>({});
  const [saved, setSaved] = useState('');
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (attempt > 0) focusFirstInvalid(form.current);
  }, [attempt]);

  const touched = () => {
    setSaved('');
    setFailure('');
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const rotationDays = parseWhole(rotation, ...ROTATION_RANGE);
    const reminderLeadDays = parseWhole(lead, ...LEAD_RANGE);
    const anomalyRepeatMinutes = parseWhole(repeat, ...REPEAT_RANGE);
    const next: typeof errors = {};
    if (rotationDays === undefined) next.rotation = t('optErrWhole', ...ROTATION_RANGE);
    if (reminderLeadDays === undefined) next.lead = t('optErrWhole', ...LEAD_RANGE);
    if (anomalyRepeatMinutes === undefined) next.repeat = t('optErrWhole', ...REPEAT_RANGE);
    setErrors(next);
    touched();
    if (rotationDays === undefined || reminderLeadDays === undefined || anomalyRepeatMinutes === undefined)
      return setAttempt((n) => n + 1);
    setBusy(true);
    try {
      const stored = await send('settings.set', {
        patch: {
          autoLockMinutes: autoLock,
          clipboardClearSeconds: clipboard,
          rotationDays,
          reminderLeadDays,
          anomalyRepeatMinutes,
        },
      });
      onSaved(stored);
      setRotation(String(stored.rotationDays));
      setLead(String(stored.reminderLeadDays));
      setRepeat(String(stored.anomalyRepeatMinutes));
      setSaved(t('optSettingsSaved'));
    } catch (err) {
      setFailure(t('optErrSettingsFailed', describeError(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} onSubmit={submit} aria-busy={busy} noValidate>
      <div class="field-row">
        <SelectField
          label={t('optAutoLock')}
          hint={t('optAutoLockHint')}
          value={autoLock}
          options={AUTO_LOCK_CHOICES.map((m) => ({
            value: m,
            label: m === 0 ? t('optAutoLockRestart') : formatMinutes(m, locale),
          }))}
          onChange={(v) => {
            setAutoLock(v);
            touched();
          }}
          disabled={busy}
        />
        <SelectField
          label={t('optClipboard')}
          hint={t('optClipboardHint')}
          value={clipboard}
          options={CLIPBOARD_CLEAR_CHOICES.map((s) => ({
            value: s,
            label: s === 0 ? t('optClipboardOff') : formatUnit(s, 'second', locale),
          }))}
          onChange={(v) => {
            setClipboard(v);
            touched();
          }}
          disabled={busy}
        />
      </div>
      <div class="field-row">
        <TextField
          label={t('optRotationDefault')}
          hint={t('optRotationDefaultHint')}
          inputMode="numeric"
          value={rotation}
          onInput={(v) => {
            setRotation(v);
            setErrors((e) => ({ ...e, rotation: undefined }));
            touched();
          }}
          error={errors.rotation}
          disabled={busy}
        />
        <TextField
          label={t('optReminderLead')}
          hint={t('optReminderLeadHint')}
          inputMode="numeric"
          value={lead}
          onInput={(v) => {
            setLead(v);
            setErrors((e) => ({ ...e, lead: undefined }));
            touched();
          }}
          error={errors.lead}
          disabled={busy}
        />
      </div>
      <div class="field-row">
        <TextField
          label={t('optAnomalyRepeat')}
          hint={t('optAnomalyRepeatHint')}
          inputMode="numeric"
          value={repeat}
          onInput={(v) => {
            setRepeat(v);
            setErrors((e) => ({ ...e, repeat: undefined }));
            touched();
          }}
          error={errors.repeat}
          disabled={busy}
        />
      </div>
      <div class="actions start">
        <button type="submit" class="primary" disabled={busy}>
          {t('optSaveSettings')}
        </button>
        <StatusLine ok={saved} error={failure} />
      </div>
    </form>
  );
}

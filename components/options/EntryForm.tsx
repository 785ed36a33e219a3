import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import {
  ENVIRONMENTS,
  type EntryPatch,
  type EntrySummary,
  type Environment,
  type NewEntry,
} from '../../lib/vault/model';
import { ENTRY_LIMITS } from '../../lib/vault/validate';
import type { Send } from '../api';
import { describeError } from '../errors';
import { focusFirstInvalid, SelectField, TextAreaField, TextField } from './fields';
import { fromDateInput, startOfDay, toDateInput } from './format';

/** Rotation ages the form accepts (the protocol's range). */
export const ROTATION_DAYS_MAX = 3650;

/** What the add form holds: strings exactly as typed, so nothing is lost or reformatted on an error. */
export interface EntryDraft {
  name: string;
  secret: string;
  host: string;
  orgId: string;
  environment: Environment;
  prefix: string;
  expires: string;
  rotateDays: string;
  notes: string;
}

export type DraftErrors = Partial<Record<keyof EntryDraft, string>>;

export const emptyDraft = (host: string): EntryDraft => ({
  name: '',
  secret: '',
  host,
  orgId: '',
  environment: 'production',
  prefix: '',
  expires: '',
  rotateDays: '',
  notes: '',
});

export function environmentLabel(env: Environment): string {
  if (env === 'production') return t('optEnvProduction');
  if (env === 'sandbox') return t('optEnvSandbox');
  return t('optEnvOther');
}

const environmentOptions = () => ENVIRONMENTS.map((value) => ({ value, label: environmentLabel(value) }));

function checkName(v: string): string | undefined {
  const name = v.trim();
  if (name === '') return t('optErrNameRequired');
  if (name.length > ENTRY_LIMITS.nameMax) return t('optErrTooLong', ENTRY_LIMITS.nameMax);
  return undefined;
}

function checkExpiry(v: string, now: number | undefined): string | undefined {
  const at = fromDateInput(v);
  if (at === undefined) return t('optErrDate');
  // A new key that expired already is almost certainly a typo; an existing entry may keep its past date.
  if (at !== null && now !== undefined && at < startOfDay(now)) return t('optErrDatePast');
  return undefined;
}

function checkRotation(v: string): string | undefined {
  const s = v.trim();
  if (s === '') return undefined;
  const n = /^\d{1,5}$/.test(s) ? Number(s) : Number.NaN;
  return n >= 1 && n <= ROTATION_DAYS_MAX ? undefined : t('optErrRotation', ROTATION_DAYS_MAX);
}

const rotationOf = (v: string): number | null => (v.trim() === '' ? null : Number(v.trim()));

/**
 * Checks the add form. Returns per-field errors, or the entry to send. The secret is trimmed (a pasted key
 * often brings a line break) but otherwise taken as is; it is never echoed into a message.
 */
export function validateNew(
  draft: EntryDraft,
  hosts: readonly string[],
  now: number,
): { errors: DraftErrors; entry?: NewEntry } {
  const errors: DraftErrors = {};
  const secret = draft.secret.trim();
  const prefix = draft.prefix.trim();
  const orgId = draft.orgId.trim();
  const nameError = checkName(draft.name);
  if (nameError) errors.name = nameError;
  if (secret === '') errors.secret = t('optErrSecretRequired');
  else if (/\s/.test(secret)) errors.secret = t('optErrSecretSpaces');
  else if (secret.length > ENTRY_LIMITS.secretMax) errors.secret = t('optErrTooLong', ENTRY_LIMITS.secretMax);
  if (!hosts.includes(draft.host)) errors.host = t('optErrHost');
  if (orgId.length > ENTRY_LIMITS.orgIdMax) errors.orgId = t('optErrTooLong', ENTRY_LIMITS.orgIdMax);
  if (prefix.length > ENTRY_LIMITS.prefixMax) errors.prefix = t('optErrTooLong', ENTRY_LIMITS.prefixMax);
  else if (prefix !== '' && secret !== '' && !secret.startsWith(prefix)) errors.prefix = t('optErrPrefix');
  const expiryError = checkExpiry(draft.expires, now);
  if (expiryError) errors.expires = expiryError;
  const rotationError = checkRotation(draft.rotateDays);
  if (rotationError) errors.rotateDays = rotationError;
  if (draft.notes.length > ENTRY_LIMITS.notesMax) errors.notes = t('optErrTooLong', ENTRY_LIMITS.notesMax);
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    entry: {
      name: draft.name.trim(),
      secret,
      host: draft.host,
      environment: draft.environment,
      source: 'manual',
      notes: draft.notes,
      orgId: orgId === '' ? null : orgId,
      prefix,
      expiresAt: fromDateInput(draft.expires) ?? null,
      rotateAfterDays: rotationOf(draft.rotateDays),
    },
  };
}

/** The editable part of an entry, as the edit form holds it. */
export type EditDraft = Pick<EntryDraft, 'name' | 'notes' | 'environment' | 'expires' | 'rotateDays'>;

export const editDraftOf = (e: EntrySummary): EditDraft => ({
  name: e.name,
  notes: e.notes,
  environment: e.environment,
  expires: toDateInput(e.expiresAt),
  rotateDays: e.rotateAfterDays === null ? '' : String(e.rotateAfterDays),
});

/** Checks the edit form; returns per-field errors, or the patch of what actually changed. */
export function validateEdit(
  draft: EditDraft,
  original: EntrySummary,
): { errors: DraftErrors; patch?: EntryPatch } {
  const errors: DraftErrors = {};
  const nameError = checkName(draft.name);
  if (nameError) errors.name = nameError;
  const expiryError = checkExpiry(draft.expires, undefined);
  if (expiryError) errors.expires = expiryError;
  const rotationError = checkRotation(draft.rotateDays);
  if (rotationError) errors.rotateDays = rotationError;
  if (draft.notes.length > ENTRY_LIMITS.notesMax) errors.notes = t('optErrTooLong', ENTRY_LIMITS.notesMax);
  if (Object.keys(errors).length > 0) return { errors };
  const patch: EntryPatch = {};
  const name = draft.name.trim();
  if (name !== original.name) patch.name = name;
  if (draft.notes !== original.notes) patch.notes = draft.notes;
  if (draft.environment !== original.environment) patch.environment = draft.environment;
  // Unchanged day → keep the stored instant (it need not be a local midnight).
  if (draft.expires !== toDateInput(original.expiresAt))
    patch.expiresAt = fromDateInput(draft.expires) ?? null;
  const rotation = rotationOf(draft.rotateDays);
  if (rotation !== original.rotateAfterDays) patch.rotateAfterDays = rotation;
  return { errors, patch };
}

/**
 * The state both entry forms share: the draft, its field messages, a failure line, the busy flag, and
 * focus moved to the first field with a message after each rejected submit.
 */
function useDraftForm<D extends object>(initial: () => D) {
  const [draft, setDraft] = useState<D>(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (attempt > 0) focusFirstInvalid(form.current);
  }, [attempt]);
  const set =
    <K extends keyof D>(key: K) =>
    (value: D[K]) => {
      setDraft((d) => ({ ...d, [key]: value }));
      // The message for a field goes once the user changes that field.
      setErrors((e) => (e[key as keyof DraftErrors] ? { ...e, [key]: undefined } : e));
    };
  return {
    draft,
    errors,
    setErrors,
    failure,
    setFailure,
    busy,
    setBusy,
    form,
    set,
    rejected: () => setAttempt((n) => n + 1),
  };
}

/** The failure line and Cancel / submit buttons at the end of both entry forms. */
function FormFooter(props: { failure: string; busy: boolean; onCancel: () => void; submitLabel: string }) {
  return (
    <>
      {props.failure && (
        <p class="error" role="alert">
          {props.failure}
        </p>
      )}
      <div class="actions">
        <button type="button" onClick={props.onCancel} disabled={props.busy}>
          {t('cancel')}
        </button>
        <button type="submit" class="primary" disabled={props.busy}>
          {props.submitLabel}
        </button>
      </div>
    </>
  );
}

interface AddProps {
  send: Send;
  hosts: readonly string[];
  defaultRotationDays: number;
  now: () => number;
  onAdded: (entry: EntrySummary) => void;
  onCancel: () => void;
}

/** Add a key by hand. Every field keeps what was typed when something is wrong. */
export function AddEntryForm(props: AddProps) {
  const { draft, errors, setErrors, failure, setFailure, busy, setBusy, form, set, rejected } =
    useDraftForm<EntryDraft>(() => emptyDraft(props.hosts[0] ?? ''));
  const [showSecret, setShowSecret] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const checked = validateNew(draft, props.hosts, props.now());
    setErrors(checked.errors);
    setFailure('');
    if (!checked.entry) return rejected();
    setBusy(true);
    try {
      const added = await props.send('entry.add', { entry: checked.entry });
      props.onAdded(added);
    } catch (err) {
      setFailure(t('optErrAddFailed', describeError(err)));
      setBusy(false);
    }
  };

  return (
    <form ref={form} onSubmit={submit} aria-busy={busy} noValidate>
      <p class="hint">{t('optRequiredNote')}</p>
      <TextField
        label={t('optFieldName')}
        value={draft.name}
        onInput={set('name')}
        error={errors.name}
        required
        disabled={busy}
      />
      <TextField
        label={t('optFieldSecret')}
        hint={t('optFieldSecretHint')}
        type={showSecret ? 'text' : 'password'}
        autoComplete="off"
        value={draft.secret}
        onInput={set('secret')}
        error={errors.secret}
        required
        disabled={busy}
        after={
          <button type="button" aria-pressed={showSecret} onClick={() => setShowSecret((s) => !s)}>
            {showSecret ? t('optHideSecret') : t('optShowSecret')}
          </button>
        }
      />
      <div class="field-row">
        <SelectField
          label={t('optFieldHost')}
          value={draft.host}
          options={props.hosts.map((h) => ({ value: h, label: h }))}
          onChange={set('host')}
          error={errors.host}
          disabled={busy}
        />
        <TextField
          label={t('optFieldOrg')}
          hint={t('optOptional')}
          value={draft.orgId}
          onInput={set('orgId')}
          error={errors.orgId}
          disabled={busy}
        />
      </div>
      <div class="field-row">
        <SelectField
          label={t('optFieldEnvironment')}
          value={draft.environment}
          options={environmentOptions()}
          onChange={set('environment')}
          disabled={busy}
        />
        <TextField
          label={t('optFieldPrefix')}
          hint={t('optFieldPrefixHint')}
          value={draft.prefix}
          onInput={set('prefix')}
          error={errors.prefix}
          disabled={busy}
        />
      </div>
      <div class="field-row">
        <TextField
          label={t('optFieldExpires')}
          hint={t('optFieldExpiresHint')}
          type="date"
          value={draft.expires}
          onInput={set('expires')}
          error={errors.expires}
          disabled={busy}
        />
        <TextField
          label={t('optFieldRotation')}
          hint={t('optFieldRotationHint', props.defaultRotationDays)}
          inputMode="numeric"
          value={draft.rotateDays}
          onInput={set('rotateDays')}
          error={errors.rotateDays}
          disabled={busy}
        />
      </div>
      <TextAreaField
        label={t('optFieldNotes')}
        value={draft.notes}
        onInput={set('notes')}
        error={errors.notes}
        disabled={busy}
      />
      <FormFooter
        failure={failure}
        busy={busy}
        onCancel={props.onCancel}
        submitLabel={t('optAddKeySubmit')}
      />
    </form>
  );
}

interface EditProps {
  send: Send;
  entry: EntrySummary;
  defaultRotationDays: number;
  onSaved: (entry: EntrySummary) => void;
  onCancel: () => void;
}

/**
 * Edit what may change about a key. The secret is never fetched unless the user asks for it with the reveal
 * button, and it is dropped again on hide and when the dialog closes.
 */
export function EditEntryForm(props: EditProps) {
  const { entry } = props;
  const { draft, errors, setErrors, failure, setFailure, busy, setBusy, form, set, rejected } =
    useDraftForm<EditDraft>(() => editDraftOf(entry));
  const [secret, setSecret] = useState<string | null>(null);
  const [revealError, setRevealError] = useState('');

  const toggleReveal = async () => {
    setRevealError('');
    if (secret !== null) return setSecret(null);
    try {
      setSecret((await props.send('entry.get', { id: entry.id })).secret);
    } catch (err) {
      setRevealError(describeError(err));
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const checked = validateEdit(draft, entry);
    setErrors(checked.errors);
    setFailure('');
    if (!checked.patch) return rejected();
    if (Object.keys(checked.patch).length === 0) return props.onCancel();
    setBusy(true);
    try {
      props.onSaved(await props.send('entry.update', { id: entry.id, patch: checked.patch }));
    } catch (err) {
      setFailure(t('optErrSaveFailed', describeError(err)));
      setBusy(false);
    }
  };

  return (
    <form ref={form} onSubmit={submit} aria-busy={busy} noValidate>
      <dl class="facts">
        <dt>{t('optColHost')}</dt>
        <dd>{entry.orgId ? `${entry.host} · ${entry.orgId}` : entry.host}</dd>
        <dt>{t('optColPrefix')}</dt>
        <dd>{entry.prefix ? <code>{entry.prefix}</code> : t('optNoPrefix')}</dd>
      </dl>
      <div class="reveal">
        <button type="button" aria-pressed={secret !== null} onClick={toggleReveal}>
          {secret === null ? t('optRevealKey') : t('optHideKey')}
        </button>
        {secret !== null && (
          <TextField label={t('optFieldSecret')} value={secret} onInput={() => {}} readOnly />
        )}
        {revealError && (
          <p class="error" role="alert">
            {revealError}
          </p>
        )}
      </div>
      <TextField
        label={t('optFieldName')}
        value={draft.name}
        onInput={set('name')}
        error={errors.name}
        required
        disabled={busy}
      />
      <div class="field-row">
        <SelectField
          label={t('optFieldEnvironment')}
          value={draft.environment}
          options={environmentOptions()}
          onChange={set('environment')}
          disabled={busy}
        />
        <TextField
          label={t('optFieldExpires')}
          hint={t('optFieldExpiresHint')}
          type="date"
          value={draft.expires}
          onInput={set('expires')}
          error={errors.expires}
          disabled={busy}
        />
      </div>
      <TextField
        label={t('optFieldRotation')}
        hint={t('optFieldRotationHint', props.defaultRotationDays)}
        inputMode="numeric"
        value={draft.rotateDays}
        onInput={set('rotateDays')}
        error={errors.rotateDays}
        disabled={busy}
      />
      <TextAreaField
        label={t('optFieldNotes')}
        value={draft.notes}
        onInput={set('notes')}
        error={errors.notes}
        disabled={busy}
      />
      <FormFooter failure={failure} busy={busy} onCancel={props.onCancel} submitLabel={t('save')} />
    </form>
  );
}

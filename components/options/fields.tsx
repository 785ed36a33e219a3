import type { ComponentChildren, Ref } from 'preact';
import { useId } from 'preact/hooks';

/** Props every labelled field shares: the label is the accessible name; hint and error describe it. */
interface FieldBase {
  label: string;
  /** Shown under the label and announced as the field's description. */
  hint?: string | undefined;
  /** Inline error: shown under the field, marks it invalid and is part of its description. */
  error?: string | undefined;
  disabled?: boolean | undefined;
  inputRef?: Ref<HTMLInputElement> | undefined;
}

/** Wraps one control with its label, hint and error, wiring `aria-describedby` to both. */
function Field(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (describedBy: string | undefined) => ComponentChildren;
}) {
  const hintId = `${props.id}-hint`;
  const errorId = `${props.id}-error`;
  const describedBy =
    [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <span id={hintId} class="hint">
          {props.hint}
        </span>
      )}
      {props.children(describedBy)}
      {props.error && (
        <span id={errorId} class="error field-error">
          {props.error}
        </span>
      )}
    </div>
  );
}

export function TextField(
  props: FieldBase & {
    value: string;
    onInput: (value: string) => void;
    type?: 'text' | 'date' | 'password';
    inputMode?: 'numeric' | 'text';
    autoComplete?: string;
    maxLength?: number;
    required?: boolean;
    readOnly?: boolean;
    spellcheck?: boolean;
    placeholder?: string;
    /** Extra control after the input on the same line (e.g. a show/hide toggle). */
    after?: ComponentChildren;
  },
) {
  const id = useId();
  return (
    <Field id={id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => {
        const input = (
          <input
            id={id}
            ref={props.inputRef}
            // Preact's types split inputs by type; the attributes used here are valid for all three.
            type={(props.type ?? 'text') as 'text'}
            value={props.value}
            inputMode={props.inputMode}
            autoComplete={props.autoComplete ?? 'off'}
            maxLength={props.maxLength}
            required={props.required}
            readOnly={props.readOnly}
            disabled={props.disabled}
            spellcheck={props.spellcheck ?? false}
            placeholder={props.placeholder}
            aria-describedby={describedBy}
            aria-invalid={props.error ? 'true' : undefined}
            onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
          />
        );
        return props.after ? (
          <div class="with-action">
            {input}
            {props.after}
          </div>
        ) : (
          input
        );
      }}
    </Field>
  );
}

export function TextAreaField(
  props: Omit<FieldBase, 'inputRef'> & {
    value: string;
    onInput: (value: string) => void;
    maxLength?: number;
  },
) {
  const id = useId();
  return (
    <Field id={id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => (
        <textarea
          id={id}
          rows={3}
          value={props.value}
          maxLength={props.maxLength}
          disabled={props.disabled}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
          onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)}
        />
      )}
    </Field>
  );
}

export function SelectField<V extends string | number>(
  props: Omit<FieldBase, 'inputRef'> & {
    value: V;
    options: ReadonlyArray<{ value: V; label: string }>;
    onChange: (value: V) => void;
  },
) {
  const id = useId();
  return (
    <Field id={id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => (
        <select
          id={id}
          value={String(props.value)}
          disabled={props.disabled}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
          onChange={(e) => {
            const raw = (e.currentTarget as HTMLSelectElement).value;
            const chosen = props.options.find((o) => String(o.value) === raw);
            if (chosen) props.onChange(chosen.value);
          }}
        >
          {props.options.map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A polite live region for "saved"/"added" confirmations, and an alert for failures. */
export function StatusLine({ ok, error }: { ok?: string | undefined; error?: string | undefined }) {
  return (
    <>
      <p class="status-line" role="status" aria-live="polite">
        {ok && !error ? ok : ''}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** Focuses the first field marked invalid inside `root` (after a failed submit). */
export function focusFirstInvalid(root: HTMLElement | null): void {
  const el = root?.querySelector<HTMLElement>('[aria-invalid="true"]');
  el?.focus();
}

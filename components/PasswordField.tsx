import { useId } from 'preact/hooks';

interface Props {
  label: string;
  value: string;
  onInput: (value: string) => void;
  autoComplete: 'new-password' | 'current-password';
  autoFocus?: boolean;
  disabled?: boolean;
  /** id of an element describing the field (hint or error). */
  describedBy?: string | undefined;
  invalid?: boolean;
}

/** A labelled password input; the label gives the accessible name. */
export function PasswordField(props: Props) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="password"
        value={props.value}
        autoComplete={props.autoComplete}
        autoFocus={props.autoFocus}
        disabled={props.disabled}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid ? 'true' : undefined}
        spellcheck={false}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}

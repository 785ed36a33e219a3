import { useEffect, useId, useRef } from 'preact/hooks';

interface Props {
  label: string;
  value: string;
  onInput: (value: string) => void;
  autoComplete: 'new-password' | 'current-password' | 'off';
  autoFocus?: boolean;
  disabled?: boolean;
  /** id of an element describing the field (hint or error). */
  describedBy?: string | undefined;
  invalid?: boolean;
}

/** A labelled password input; the label gives the accessible name. */
export function PasswordField(props: Props) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  // The popup is opened to type the password: put the caret there (like autofocus, but only on mount).
  useEffect(() => {
    if (props.autoFocus) input.current?.focus();
  }, []);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        ref={input}
        type="password"
        value={props.value}
        autoComplete={props.autoComplete}
        disabled={props.disabled}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid ? 'true' : undefined}
        spellcheck={false}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}

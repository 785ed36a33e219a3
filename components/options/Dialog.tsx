import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface Props {
  title: string;
  /** Called on Esc, on the browser's own close request, and by the dialog's buttons through the parent. */
  onClose: () => void;
  /**
   * The control that opened the dialog; focus returns to it on close. Passed explicitly because a click does
   * not focus a button in every browser (Safari, Firefox on macOS).
   */
  returnFocus?: HTMLElement | null | undefined;
  /** Where focus goes when `returnFocus` is gone by then (e.g. the row of a deleted key). */
  fallbackFocus?: () => HTMLElement | null | undefined;
  /** Marks the dialog as an alert dialog (a confirmation that needs an answer). */
  alert?: boolean;
  /** id of the element that describes the dialog (e.g. the confirmation question). */
  describedBy?: string;
  children: ComponentChildren;
}

/**
 * A modal dialog: mounted = open. Uses `<dialog>.showModal()`, so the rest of the page is inert and Tab
 * stays inside; Esc closes it through `onClose` (the parent decides), and focus goes back to the control that
 * opened it.
 */
export function Dialog(props: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  const fallback = useRef(props.fallbackFocus);
  fallback.current = props.fallbackFocus;
  const returnTo = useRef(props.returnFocus);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const doc = dialog.ownerDocument;
    const active = doc.activeElement as HTMLElement | null;
    const opener = returnTo.current ?? (active && active !== doc.body ? active : null);
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
    // showModal focuses the first focusable element; an explicit [data-autofocus] wins (e.g. "Cancel" on a
    // destructive confirmation).
    const first =
      dialog.querySelector<HTMLElement>('[data-autofocus]') ??
      dialog.querySelector<HTMLElement>('input, select, textarea, button');
    first?.focus();
    return () => {
      if (dialog.open && typeof dialog.close === 'function') dialog.close();
      // After this render has removed or kept the opener, put focus back where the user was.
      queueMicrotask(() => {
        const target = opener?.isConnected ? opener : fallback.current?.();
        target?.focus();
      });
    };
  }, []);

  return (
    <dialog
      ref={ref}
      class="modal"
      role={props.alert ? 'alertdialog' : undefined}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={props.describedBy}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Handled here (not left to the native cancel) so every browser and the tests behave the same.
        e.preventDefault();
        e.stopPropagation();
        onClose.current();
      }}
      onCancel={(e) => {
        e.preventDefault();
        onClose.current();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

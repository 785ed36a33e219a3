/**
 * The leak guard on a page: capture-phase listeners on the window for paste, drop and typed input, which
 * run before any handler of the page. When the text carries a vault key (see guard.ts), the event is
 * stopped before the page sees it and the warning is shown; Cancel (the default) drops the text, "Paste
 * anyway" inserts it where it was going. Both are reported (and so audited).
 *
 * Typed input is checked at `beforeinput`: the field's value as it would be after the input. The page has
 * seen the keystrokes before the last one; what it does not get is the completed key in the field.
 */
import type { GuardView } from './fingerprint';
import { createMatcher } from './fingerprint';

export interface GuardPageDeps {
  win: Window & typeof globalThis;
  /** The current view (fingerprints for this page); refreshed by the caller. */
  view(): GuardView | null;
  /** Reports a warning or the user's choice; returns what to call the key. */
  report(
    entryId: string,
    action: 'warned' | 'pastedAnyway' | 'cancelled',
    insecure: boolean,
  ): Promise<string>;
  /** Shows the warning; resolves true for "Paste anyway". */
  warn(keyLabel: string, insecure: boolean): Promise<boolean>;
}

type Editable = HTMLInputElement | HTMLTextAreaElement;

const isTextField = (el: unknown): el is Editable =>
  typeof el === 'object' &&
  el !== null &&
  'setRangeText' in el &&
  typeof (el as Editable).selectionStart === 'number';

/** Installs the listeners; returns a function that removes them. */
export function installGuard(deps: GuardPageDeps): () => void {
  const { win } = deps;
  const doc = win.document;
  let cachedView: GuardView | null = null;
  let match: (text: string) => string | null = () => null;
  /** Set while "Paste anyway" inserts the text, so that insertion is not stopped again. */
  let inserting = false;
  let busy = false;

  const matcher = () => {
    const v = deps.view();
    if (v !== cachedView) {
      cachedView = v;
      match = v ? createMatcher(v) : () => null;
    }
    return match;
  };

  /** Puts `text` where the stopped input was going. */
  function insert(target: EventTarget | null, range: [number, number] | null, text: string): void {
    const el = target instanceof win.HTMLElement ? target : null;
    el?.focus();
    if (isTextField(el) && range) el.setSelectionRange(range[0], range[1]);
    inserting = true;
    try {
      // execCommand goes through the browser's own editing path: the page gets its usual beforeinput and
      // input events, and undo works.
      if (doc.execCommand('insertText', false, text)) return;
      if (isTextField(el)) {
        const [start, end] = range ?? [
          el.selectionStart ?? el.value.length,
          el.selectionEnd ?? el.value.length,
        ];
        el.setRangeText(text, start, end, 'end');
        el.dispatchEvent(
          new win.InputEvent('input', { bubbles: true, inputType: 'insertFromPaste', data: text }),
        );
      }
    } finally {
      inserting = false;
    }
  }

  /** Stops `e`, warns, and inserts `text` if the user says so. */
  function intercept(e: Event, entryId: string, text: string): void {
    e.preventDefault();
    e.stopImmediatePropagation();
    const target = e.target;
    const range: [number, number] | null = isTextField(target)
      ? [target.selectionStart ?? 0, target.selectionEnd ?? 0]
      : null;
    const insecure = cachedView?.insecure === true;
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const label = await deps.report(entryId, 'warned', insecure);
        const anyway = await deps.warn(label, insecure);
        await deps.report(entryId, anyway ? 'pastedAnyway' : 'cancelled', insecure).catch(() => '');
        if (anyway) insert(target, range, text);
        else if (target instanceof win.HTMLElement) target.focus();
      } catch {
        // No answer from KeyGuard: the text stays stopped (the safe side).
      } finally {
        busy = false;
      }
    })();
  }

  const onPaste = (e: ClipboardEvent) => {
    if (!e.isTrusted || inserting) return;
    const text = e.clipboardData?.getData('text/plain') ?? '';
    const id = text ? matcher()(text) : null;
    if (id) intercept(e, id, text);
  };
  const onDrop = (e: DragEvent) => {
    if (!e.isTrusted || inserting) return;
    const text = e.dataTransfer?.getData('text/plain') ?? '';
    const id = text ? matcher()(text) : null;
    if (id) intercept(e, id, text);
  };
  const onBeforeInput = (e: InputEvent) => {
    if (!e.isTrusted || inserting) return;
    // Pastes and drops were checked by their own events.
    if (e.inputType !== 'insertText' && e.inputType !== 'insertReplacementText') return;
    const target = e.target;
    const data = e.data ?? e.dataTransfer?.getData('text/plain') ?? '';
    if (!data) return;
    let after = data;
    if (isTextField(target) && target.value.length <= 100_000) {
      const start = target.selectionStart ?? target.value.length;
      const end = target.selectionEnd ?? start;
      after = target.value.slice(0, start) + data + target.value.slice(end);
    } else if (target instanceof win.HTMLElement && target.isContentEditable) {
      after = `${target.textContent ?? ''}${data}`.slice(-100_000);
    }
    const id = matcher()(after);
    if (id) intercept(e, id, data);
  };

  const opts = { capture: true };
  win.addEventListener('paste', onPaste, opts);
  win.addEventListener('drop', onDrop, opts);
  win.addEventListener('beforeinput', onBeforeInput, opts);
  return () => {
    win.removeEventListener('paste', onPaste, opts);
    win.removeEventListener('drop', onDrop, opts);
    win.removeEventListener('beforeinput', onBeforeInput, opts);
  };
}

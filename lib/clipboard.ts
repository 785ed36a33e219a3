/**
 * Copy, then clear after the configured seconds (0 = never). Used where the clipboard can be written
 * without a visible page: Chrome's offscreen document and Firefox's background page. A newer copy
 * replaces the pending clear, so a clear never wipes a later copy early.
 *
 * The extension holds `clipboardWrite` only (no read access), so the clear cannot check whether the user
 * copied something else in between; it clears unconditionally, which is why the delay is configurable.
 */

export interface ClipboardDeps {
  /** Puts `text` on the system clipboard ('' clears it). */
  write(text: string): Promise<void>;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export function createClipboard(deps: ClipboardDeps) {
  let pending: unknown = null;

  /** Writes `text`; clears the clipboard `clearAfterMs` later when > 0. */
  async function copy(text: string, clearAfterMs: number): Promise<void> {
    if (pending !== null) {
      deps.clearTimer(pending);
      pending = null;
    }
    await deps.write(text);
    if (clearAfterMs > 0) {
      pending = deps.setTimer(() => {
        pending = null;
        void deps.write('');
      }, clearAfterMs);
    }
  }

  return { copy, hasPendingClear: () => pending !== null };
}

/**
 * Writes the clipboard from a document that cannot take focus (an offscreen document): a `copy` event
 * handler supplies the data, which also works for the empty string used to clear.
 */
export function execCommandWriter(doc: Document): (text: string) => Promise<void> {
  return async (text) => {
    const onCopy = (e: ClipboardEvent) => {
      e.clipboardData?.setData('text/plain', text);
      e.preventDefault();
    };
    doc.addEventListener('copy', onCopy, { once: true });
    try {
      if (!doc.execCommand('copy')) throw new Error('The clipboard refused the copy');
    } finally {
      doc.removeEventListener('copy', onCopy);
    }
  };
}

import { browser } from 'wxt/browser';
import { createClipboard, execCommandWriter } from '../../lib/background/clipboard';
import { isOffscreenCopy } from '../../lib/send';

/**
 * Chrome's offscreen document: the only place a service-worker extension can write the clipboard. It
 * obeys the background alone (checked by sender URL). The background owns the clear (its deadline is kept
 * in storage.session with an alarm, so it survives a stopped worker, or this document being closed) and
 * asks for writes with `clearAfterMs` 0; a non-zero value still clears from here, for older callers.
 */
const clipboard = createClipboard({
  write: execCommandWriter(document),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
});
const backgroundUrl = browser.runtime.getURL('/background.js');

browser.runtime.onMessage.addListener((message: unknown, sender: { id?: string; url?: string }) => {
  // Every extension message reaches every extension page; answer only the background's copy requests
  // and stay silent otherwise, so the background's own reply to others is not pre-empted.
  if (sender.id !== browser.runtime.id || sender.url !== backgroundUrl || !isOffscreenCopy(message)) return;
  return clipboard.copy(message.payload.text, message.payload.clearAfterMs).then(
    () => ({ ok: true }),
    () => ({ ok: false }),
  );
});

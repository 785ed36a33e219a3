import { browser } from 'wxt/browser';
import { createClipboard, execCommandWriter } from '../../lib/clipboard';
import { isOffscreenCopy } from '../../lib/send';

/**
 * Chrome's offscreen document: the only place a service-worker extension can write the clipboard. It
 * obeys the background alone (checked by sender URL) and owns the clear timer, which outlives the worker.
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

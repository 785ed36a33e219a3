import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { showWarning } from '../components/guard/warning';
import { type GuardView, refreshOnReturn } from '../lib/guard/fingerprint';
import { installGuard } from '../lib/guard/page';
import { type MessageKey, setMessageSource, t } from '../lib/i18n';
import { hostnameOf } from '../lib/page/hosts';
import { send } from '../lib/send';

/**
 * The leak guard, on every http(s) page once the user has turned it on (registered at run time by the
 * background with scripting.registerContentScripts, so it is not in the manifest and needs no permission
 * until then). Wiring only; lib/guard/page.ts does the work.
 */
export default defineContentScript({
  registration: 'runtime',
  runAt: 'document_start',
  allFrames: true,
  main(ctx: ContentScriptContext) {
    setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
    let view: GuardView | null = null;
    const refresh = () =>
      void send(browser.runtime, 'guard.prints', {}).then(
        (v) => {
          view = v;
        },
        () => {},
      );
    refresh();
    // Keys added or changed meanwhile: ask again when the user comes back to the page (trusted events only,
    // throttled: the page can fire these itself).
    const onReturn = refreshOnReturn(refresh);
    ctx.addEventListener(window, 'focus', onReturn);
    ctx.addEventListener(document, 'visibilitychange', (e) => {
      if (document.visibilityState === 'visible') onReturn(e);
    });
    // A frame the page wrote itself (about:srcdoc, blob:) has no host of its own: it speaks for its origin's;
    // a sandboxed or data: frame (opaque origin) for the page around it.
    const page =
      location.hostname ||
      hostnameOf(origin) ||
      hostnameOf(location.ancestorOrigins?.[0]) ||
      hostnameOf(document.referrer);
    const remove = installGuard({
      win: window,
      view: () => view,
      report: async (entryId, action, insecure) => {
        const r = await send(browser.runtime, 'guard.report', { entryId, action, insecure });
        return r.name ?? t('guardKeyOfHost', r.host);
      },
      warn: (label, insecure) =>
        showWarning(document, {
          title: t('guardWarnTitle'),
          lines: [t('guardWarnForeign', label, page), ...(insecure ? [t('guardWarnInsecure')] : [])],
          cancel: t('guardCancel'),
          pasteAnyway: t('guardPasteAnyway'),
          refused: t('actionRefused'),
        }),
    });
    ctx.onInvalidated(remove);
  },
});

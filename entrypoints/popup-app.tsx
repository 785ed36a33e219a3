import { render } from 'preact';
import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import type { Send } from '../components/api';
import { askForPopup, Popup, readCachedList } from '../components/popup/Popup';
import { type MessageKey, setMessageSource, t } from '../lib/i18n';
import { send } from '../lib/send';
import { openedWithCache } from '../lib/vault/list-cache';

/**
 * The popup's script (loaded by entrypoints/popup/index.html). An unlisted script, so WXT builds it on its
 * own into one file with everything it imports: no request for a shared chunk stands between the popup's
 * navigation and this code. Its stylesheet is a file of its own, linked after it (why: wxt.config.ts).
 * Wiring only.
 */
export default defineUnlistedScript(() => {
  // For `npm run bench`: when the popup's script starts (the rest of popup_ready_1000_ms is data and render).
  performance.mark('keyguard:popup-start');
  const toBackground: Send = (type, payload) => send(browser.runtime, type, payload);
  // Opened as a window by "Save to KeyGuard" on a locked vault: once unlocked, the page finishes the save
  // and this window has done its job.
  const unlockWindow = new URLSearchParams(location.search).get('window') === 'unlock';
  // First of all the list cache in storage.session (there only while unlocked): the list is shown from it
  // without waiting for the background, whose answer then confirms it. When the toolbar opened this page as
  // the one with the cache (POPUP_WITH_CACHE), the first render below is already the key list's frame.
  const firstLoad = askForPopup(
    toBackground,
    !unlockWindow,
    () => readCachedList(browser.storage.session),
    openedWithCache(location.search),
  );

  setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
  document.documentElement.lang = browser.i18n.getUILanguage();
  document.title = t('extName');

  /**
   * `npm run bench` reads these marks (popup_ready_1000_ms): the list rendered with the search box
   * focused, and the first frame after it (the list painted).
   */
  function markListReady(): void {
    performance.mark('keyguard:list-ready');
    requestAnimationFrame(() => setTimeout(() => performance.mark('keyguard:list-painted'), 0));
  }

  render(
    <Popup
      send={toBackground}
      firstLoad={firstLoad}
      onUnlocked={unlockWindow ? () => window.close() : undefined}
      openTab={(url) => browser.tabs.create({ url })}
      onListReady={markListReady}
      onListConfirmed={() => performance.mark('keyguard:list-confirmed')}
    />,
    document.getElementById('app') as HTMLElement,
  );
});

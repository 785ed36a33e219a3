import { render } from 'preact';
import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import type { Send } from '../components/api';
import { askForPopup, Popup, readCachedList } from '../components/popup/Popup';
import theme from '../components/theme.css?inline';
import { type MessageKey, setMessageSource, t } from '../lib/i18n';
import { send } from '../lib/send';

/**
 * The popup's script (loaded by entrypoints/popup/index.html). An unlisted script, so WXT builds it on its
 * own into one file with everything it imports, the stylesheet included: no request for a shared chunk
 * or a stylesheet stands between the popup's navigation and this code. Wiring only.
 */
export default defineUnlistedScript(() => {
  // For `npm run bench`: when the popup's script starts (the rest of popup_ready_1000_ms is data and render).
  performance.mark('keyguard:popup-start');
  const toBackground: Send = (type, payload) => send(browser.runtime, type, payload);
  // Opened as a window by "Save to KeyGuard" on a locked vault: once unlocked, the page finishes the save
  // and this window has done its job.
  const unlockWindow = new URLSearchParams(location.search).get('window') === 'unlock';
  // The background is asked first of all, so the list is on its way while the page sets itself up.
  // Before that, the list cache in storage.session (there only while unlocked): the list is shown from it
  // without waiting for the background, whose answer then confirms it.
  // (The marks say where the time goes, for `npm run bench`.)
  const session = {
    get: async (key: string) => {
      const got = await browser.storage.session.get(key);
      performance.mark('keyguard:cache-read');
      return got;
    },
  };
  const firstLoad = askForPopup(toBackground, !unlockWindow, async () => {
    const cached = await readCachedList(session, browser.storage.local);
    performance.mark('keyguard:cache-decoded');
    return cached;
  });

  const style = document.createElement('style');
  style.textContent = theme;
  document.head.append(style);
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

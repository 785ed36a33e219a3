import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '../../components/Popup';
import { type MessageKey, setMessageSource, t } from '../../lib/i18n';
import { send } from '../../lib/send';
import '../../components/theme.css';

setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
document.documentElement.lang = browser.i18n.getUILanguage();
document.title = t('extName');
// Opened as a window by "Save to KeyGuard" on a locked vault: once unlocked, the page finishes the save and
// this window has done its job.
const unlockWindow = new URLSearchParams(location.search).get('window') === 'unlock';

/**
 * `npm run bench` reads these marks (popup_ready_1000_ms): the list rendered with the search box focused,
 * and the first frame after it (the list painted).
 */
function markListReady(): void {
  performance.mark('keyguard:list-ready');
  requestAnimationFrame(() => setTimeout(() => performance.mark('keyguard:list-painted'), 0));
}

render(
  <Popup
    send={(type, payload) => send(browser.runtime, type, payload)}
    onUnlocked={unlockWindow ? () => window.close() : undefined}
    openTab={(url) => browser.tabs.create({ url })}
    onListReady={markListReady}
  />,
  document.getElementById('app') as HTMLElement,
);

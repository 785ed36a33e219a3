import { render } from 'preact';
import { browser } from 'wxt/browser';
import { OptionsPage } from '../../components/options/Options';
import { type MessageKey, setMessageSource, t } from '../../lib/i18n';
import { send } from '../../lib/send';
import '../../components/theme.css';

/** Saves an export file through the browser's download UI (no extra permission needed). */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
const locale = browser.i18n.getUILanguage();
document.documentElement.lang = locale;
document.title = t('optPageTitle');
render(
  <OptionsPage
    send={(type, payload) => send(browser.runtime, type, payload)}
    permissions={browser.permissions}
    save={download}
    locale={locale}
  />,
  document.getElementById('app') as HTMLElement,
);

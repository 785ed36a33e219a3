import { render } from 'preact';
import { browser } from 'wxt/browser';
import { OptionsPage } from '../../components/options/Options';
import { type MessageKey, setMessageSource, t } from '../../lib/i18n';
import { send } from '../../lib/send';
import '../../components/theme.css';

setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
const locale = browser.i18n.getUILanguage();
document.documentElement.lang = locale;
document.title = t('optPageTitle');
render(
  <OptionsPage
    send={(type, payload) => send(browser.runtime, type, payload)}
    permissions={browser.permissions}
    locale={locale}
  />,
  document.getElementById('app') as HTMLElement,
);

import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '../../components/Popup';
import { type MessageKey, setMessageSource, t } from '../../lib/i18n';
import { send } from '../../lib/messages';
import '../../components/theme.css';

setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
document.documentElement.lang = browser.i18n.getUILanguage();
document.title = t('extName');
render(
  <Popup send={(type, payload) => send(browser.runtime, type, payload)} />,
  document.getElementById('app') as HTMLElement,
);

import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Approve } from '../../components/approve/Approve';
import { CLI_PAGE_PORT, cliPortClient } from '../../components/cli-port';
import { type MessageKey, setMessageSource, t } from '../../lib/i18n';
import { send } from '../../lib/send';
import '../../components/theme.css';

setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
document.documentElement.lang = browser.i18n.getUILanguage();
document.title = t('approveTitle');
const client = cliPortClient(browser.runtime.connect({ name: CLI_PAGE_PORT }));
const requestId = new URLSearchParams(location.search).get('request') ?? '';
render(
  <Approve
    requestId={requestId}
    ask={client.ask}
    send={(type, payload) => send(browser.runtime, type, payload)}
    close={() => window.close()}
  />,
  document.getElementById('app') as HTMLElement,
);

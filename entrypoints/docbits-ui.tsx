import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { GuidePanel } from '../components/page/GuidePanel';
import { KeyControls } from '../components/page/KeyControls';
import { RowBadge } from '../components/page/RowBadge';
import { clearShadow, renderInShadow } from '../components/page/shadow';
import { type MessageKey, setMessageSource } from '../lib/i18n';
import { registerPageUi } from '../lib/page-ui';
import { checkActivation } from '../lib/safe-click';

/**
 * KeyGuard's controls on the DocBits page (see lib/page-ui.ts): injected by the background into the
 * isolated world of a DocBits tab whose page part found a key or a key table. Wiring only.
 */
export default defineUnlistedScript(() => {
  setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
  registerPageUi(globalThis, {
    keyControls: (root, host, input) =>
      renderInShadow(root, <KeyControls {...input} guard={(e) => checkActivation(e, host, window)} />),
    rowBadge: (root, host, input) =>
      renderInShadow(root, <RowBadge {...input} guard={(e) => checkActivation(e, host, window)} />),
    guidePanel: (root, host, input) =>
      renderInShadow(root, <GuidePanel {...input} guard={(e) => checkActivation(e, host, window)} />),
    clear: clearShadow,
  });
});

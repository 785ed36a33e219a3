import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { GuidePanel } from '../components/page/GuidePanel';
import { KeyControls } from '../components/page/KeyControls';
import { RowBadge } from '../components/page/RowBadge';
import { clearShadow, renderInShadow } from '../components/page/shadow';
import { type MessageKey, setMessageSource } from '../lib/i18n';
import { checkActivation, type Refusal, type VisibilityWatch, watchVisibility } from '../lib/page/safe-click';
import { registerPageUi } from '../lib/page/ui-loader';

/**
 * KeyGuard's controls on the DocBits page (see lib/page/ui-loader.ts): injected by the background into the
 * isolated world of a DocBits tab whose page part found a key or a key table. Wiring only.
 */
export default defineUnlistedScript(() => {
  setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
  // One visibility watch per shadow root, from its first render until it is cleared.
  const watches = new WeakMap<ShadowRoot, VisibilityWatch>();
  const guardFor = (root: ShadowRoot, host: HTMLElement): ((e: MouseEvent) => Refusal | null) => {
    let watch = watches.get(root);
    if (!watch) {
      watch = watchVisibility(root, window);
      watches.set(root, watch);
    }
    const w = watch;
    return (e) => checkActivation(e, host, window, w);
  };
  registerPageUi(globalThis, {
    keyControls: (root, host, input) =>
      renderInShadow(root, <KeyControls {...input} guard={guardFor(root, host)} />),
    rowBadge: (root, host, input) =>
      renderInShadow(root, <RowBadge {...input} guard={guardFor(root, host)} />),
    guidePanel: (root, host, input) =>
      renderInShadow(root, <GuidePanel {...input} guard={guardFor(root, host)} />),
    clear: (root) => {
      watches.get(root)?.disconnect();
      watches.delete(root);
      clearShadow(root);
    },
  });
});

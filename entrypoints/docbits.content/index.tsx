import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { startPageController } from '../../lib/page/controller';
import {
  type CreateDialogValues,
  fillCreateDialogName,
  readOrgId,
  watchCreateDialog,
} from '../../lib/page/detect';
import { environmentOf } from '../../lib/page/hosts';
import { MASK_CSS, setRevealed } from '../../lib/page/mask';
import { pageUiLoader, placeholder } from '../../lib/page/ui-loader';
import { isRefreshEvent, isVaultStateEvent, send } from '../../lib/send';

const UNREAD: CreateDialogValues['unread'] = ['name', 'description', 'expiresAt'];

/**
 * The DocBits page. Wiring only: the mask stylesheet goes in at document_start, before DocBits renders
 * anything; lib/page/controller keeps controls and marks in step with the single-page app; the controls
 * themselves arrive with entrypoints/docbits-ui.tsx once there is something to put them on (lib/page/ui-loader.ts).
 */
export default defineContentScript({
  matches: ['https://app.docbits.com/*'],
  runAt: 'document_start',
  main(ctx: ContentScriptContext) {
    const style = document.createElement('style');
    style.textContent = MASK_CSS;
    document.documentElement.append(style);

    const sendMessage = <T extends Parameters<typeof send>[1]>(
      type: T,
      payload: Parameters<typeof send<T>>[2],
    ) => send(browser.runtime, type, payload);
    const unlockedListeners = new Set<() => void>();
    const onUnlocked = (cb: () => void) => {
      unlockedListeners.add(cb);
      return () => void unlockedListeners.delete(cb);
    };
    const createDialog = watchCreateDialog(document);
    const loadUi = pageUiLoader(globalThis, () => sendMessage('ui.load', {}));

    // The new key's table row is usually on the page before the key is saved (DocBits re-renders the list
    // right after creating it), and an unchanged table is not re-sent: ask again once a capture is stored,
    // or the row would keep "Not in KeyGuard".
    const sendFromControls: typeof sendMessage = async (type, payload) => {
      const reply = await sendMessage(type, payload);
      if (type === 'entry.capture') controller.refresh(true);
      return reply;
    };

    /** The name a rotation waiting for its new key suggests (vault open), else undefined. */
    let suggestedName: string | undefined;
    const controller = startPageController({
      doc: document,
      send: sendMessage,
      mountKeyControls: (site) =>
        placeholder(site.anchor, 'after', loadUi(), (ui, root, host) =>
          ui.keyControls(root, host, {
            send: sendFromControls,
            readKey: site.readKey,
            setRevealed: (on) => setRevealed(site.element, on),
            prefill: () => {
              // No create dialog seen (the legacy UI, or markup not understood): nothing was read from it.
              const { unread = [], ...values } = createDialog.last() ?? { unread: UNREAD };
              const orgId = readOrgId(document);
              return {
                ...values,
                orgId,
                environment: environmentOf(location.hostname),
                unread: orgId ? unread : [...unread, 'orgId'],
              };
            },
            onUnlocked,
          }),
        ),
      mountRowBadge: (row, match) =>
        placeholder(row.keyCell, 'append', loadUi(), (ui, root, host) =>
          ui.rowBadge(root, host, {
            match,
            send: sendMessage,
            now: Date.now(),
            onRotate: async (id) => {
              await sendMessage('rotation.start', { id });
              controller.refresh(true);
            },
          }),
        ),
      mountPanel: (anchor, reply) =>
        placeholder(anchor, 'before', loadUi(), (ui, root, host) =>
          ui.guidePanel(root, host, {
            rotations: reply.rotations ?? [],
            hygiene: reply.hygiene ?? [],
            send: sendMessage,
            fillName: (name) => fillCreateDialogName(document, name, true),
            changed: () => controller.refresh(true),
          }),
        ),
      onReply: (reply) => {
        suggestedName =
          reply.rotations?.find((r) => r.step === 'create' && r.suggestedName)?.suggestedName ?? undefined;
        if (suggestedName) fillCreateDialogName(document, suggestedName);
      },
    });

    // A rotation waiting for its new key: DocBits' create dialog starts with the suggested name (only an
    // empty field, once per dialog, never over what the admin typed). The dialog opens after a click, in a
    // transition; look a few times then, and whenever a field in it takes the focus.
    const suggest = () => suggestedName !== undefined && fillCreateDialogName(document, suggestedName);
    ctx.addEventListener(document, 'focusin', suggest, { capture: true });
    ctx.addEventListener(
      document,
      'click',
      (e) => {
        if (!suggestedName || !e.isTrusted) return;
        for (const ms of [50, 200, 500, 1000]) ctx.setTimeout(suggest, ms);
      },
      { capture: true },
    );

    const onMessage = (message: unknown, sender: { id?: string; tab?: unknown }) => {
      // Only the background (our id, no tab) announces vault state; it never carries a secret.
      if (sender.id !== browser.runtime.id || sender.tab) return;
      if (isRefreshEvent(message)) return controller.refresh(true);
      if (!isVaultStateEvent(message)) return;
      if (message.payload.unlocked) for (const cb of unlockedListeners) cb();
      controller.refresh(true);
    };
    browser.runtime.onMessage.addListener(onMessage);

    // Chromium does not tell a content script that its extension was reloaded, updated or disabled, and
    // WXT's context only notices when asked (it checks runtime.id): ask every second, or the mask and the
    // dead controls would stay on the page until it is reloaded.
    ctx.setInterval(() => undefined, 1_000);

    // Extension disabled, updated or removed: give DocBits its own display back.
    ctx.onInvalidated(() => {
      controller.stop();
      createDialog.stop();
      style.remove();
      try {
        browser.runtime.onMessage.removeListener(onMessage);
      } catch {
        // The extension context is already gone; so is the listener.
      }
    });
  },
});

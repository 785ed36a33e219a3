/** The senders the background's unit tests speak as: extension pages, the DocBits page, other pages. */
import { createHandlers, type HandlerDeps } from '../../lib/background/handlers/index';
import { createRouter, type Handlers, type Sender } from '../../lib/background/router';

export const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
export const ORIGIN = `chrome-extension://${EXT_ID}/`;
export const POPUP: Sender = { id: EXT_ID, url: `${ORIGIN}popup.html` };
export const OPTIONS: Sender = { id: EXT_ID, url: `${ORIGIN}options.html` };
/** The DocBits integration page's content script (top frame). */
export const DOCBITS: Sender = {
  id: EXT_ID,
  url: 'https://app.docbits.com/settings/integration',
  frameId: 0,
  tab: { id: 7 },
};
/** The same page on an on-premise DocBits host. */
export const ONPREM: Sender = { ...DOCBITS, url: 'https://docbits.example.test/settings/integration' };
/** The leak guard on a foreign https page, and on a plain-http one. */
export const CHAT: Sender = { id: EXT_ID, url: 'https://chat.example.org/room', frameId: 0, tab: { id: 9 } };
export const PLAIN: Sender = {
  id: EXT_ID,
  url: 'http://intranet.example.org/form',
  frameId: 0,
  tab: { id: 9 },
};

/** The router as the background builds it, for these senders: DocBits on app.docbits.com and ONPREM's host. */
export function routerFor(handlers: Handlers): ReturnType<typeof createRouter> {
  return createRouter({
    extensionId: EXT_ID,
    extensionOrigin: ORIGIN,
    isDocbitsHost: (h) => h === 'app.docbits.com' || h === 'docbits.example.test',
    handlers,
  });
}

/**
 * The background's handlers as the unit tests build them: the vault and settings of the test, every
 * browser-facing dependency a no-op unless the test gives its own.
 */
export function handlersFor(
  deps: Pick<HandlerDeps, 'vault' | 'settingsArea'> & Partial<HandlerDeps>,
): Handlers {
  return createHandlers({
    onUnlocked: async () => {},
    onLocked: async () => {},
    copyToClipboard: async () => {},
    openUnlockWindow: async () => {},
    injectPageUi: async () => {},
    ...deps,
  });
}

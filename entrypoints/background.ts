import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createAutoLock } from '../lib/autolock';
import { createClipboard } from '../lib/clipboard';
import { createHandlers } from '../lib/handlers';
import type { VaultStateEvent } from '../lib/messages';
import { type ContextsApi, createOffscreenClipboard, type OffscreenApi } from '../lib/offscreen';
import { syncOnPremScripts } from '../lib/registration';
import { createRouter, type Sender } from '../lib/router';
import { loadSettings, type Settings } from '../lib/settings';
import { VaultService } from '../lib/vault/service';
import { createSessionKeyStorage } from '../lib/vault/session';
import { openVaultStore } from '../lib/vault/store';

/** Chrome-only APIs the polyfill does not type. */
const chromeApis = (
  globalThis as unknown as { chrome?: { offscreen?: OffscreenApi; runtime: Partial<ContextsApi> } }
).chrome;

/** Wiring only: browser APIs in, lib/ services out. Listeners are registered synchronously (MV3). */
export default defineBackground(() => {
  const settingsArea = browser.storage.local;
  // The data key lives in storage.session; make sure content scripts can never read that area.
  void browser.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });

  const vault = openVaultStore(indexedDB).then(
    (store) => new VaultService({ store, session: createSessionKeyStorage(browser.storage.session) }),
  );

  // Chrome: an offscreen document writes the clipboard. Firefox: this background page can do it itself.
  const copyToClipboard =
    chromeApis?.offscreen && chromeApis.runtime.getContexts
      ? createOffscreenClipboard({
          offscreen: chromeApis.offscreen,
          runtime: chromeApis.runtime as ContextsApi,
          url: browser.runtime.getURL('/offscreen.html'),
        }).copy
      : createClipboard({
          write: (text) => navigator.clipboard.writeText(text),
          setTimer: (fn, ms) => setTimeout(fn, ms),
          clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
        }).copy;

  /** Tells open DocBits tabs that the vault opened or closed, so a waiting "Save" can finish. */
  async function broadcast(unlocked: boolean): Promise<void> {
    const { docbitsHosts } = await loadSettings(settingsArea);
    const tabs = await browser.tabs.query({ url: docbitsHosts.map((h) => `https://${h}/*`) });
    const event: VaultStateEvent = { type: 'event.vaultState', payload: { unlocked } };
    await Promise.all(
      tabs.map((t) =>
        t.id === undefined ? undefined : browser.tabs.sendMessage(t.id, event).catch(() => {}),
      ),
    );
  }

  /** On-premise hosts run the content script once their optional permission is granted. */
  const syncScripts = async (settings?: Settings) => {
    const { docbitsHosts } = settings ?? (await loadSettings(settingsArea));
    await syncOnPremScripts(
      { scripting: browser.scripting, permissions: browser.permissions },
      docbitsHosts,
    ).catch((e: unknown) =>
      console.warn('KeyGuard: could not register the on-premise content script', String(e)),
    );
  };

  const autoLock = createAutoLock({
    idle: browser.idle,
    alarms: browser.alarms,
    getMinutes: async () => (await loadSettings(settingsArea)).autoLockMinutes,
    isUnlocked: async () => (await vault).isUnlocked(),
    lock: async () => {
      await (await vault).lock();
      await broadcast(false);
    },
  });

  const route = vault.then((service) =>
    createRouter({
      extensionId: browser.runtime.id,
      extensionOrigin: browser.runtime.getURL('/'),
      isDocbitsHost: async (host) => (await loadSettings(settingsArea)).docbitsHosts.includes(host),
      handlers: createHandlers({
        vault: service,
        settingsArea,
        onUnlocked: async () => {
          await autoLock.arm();
          await broadcast(true);
        },
        onLocked: async () => {
          await autoLock.disarm();
          await broadcast(false);
        },
        copyToClipboard,
        onSettingsChanged: syncScripts,
        injectPageUi: async (tabId, frameId) => {
          await browser.scripting.executeScript({
            target: { tabId, frameIds: [frameId] },
            files: ['/docbits-ui.js'],
          });
        },
        openUnlockWindow: async () => {
          await browser.windows.create({
            url: browser.runtime.getURL('/popup.html?window=unlock'),
            type: 'popup',
            width: 380,
            height: 560,
            focused: true,
          });
        },
      }),
    }),
  );

  browser.runtime.onMessage.addListener((message: unknown, sender: Sender) => {
    // The offscreen document's own traffic is not for the router.
    if ((message as { type?: unknown } | null)?.type === 'offscreen.copy') return;
    return route.then(
      (handle) => handle(message, sender),
      () => ({ ok: false, error: { code: 'internal', message: 'Vault storage unavailable' } }),
    );
  });
  browser.permissions.onAdded.addListener(() => void syncScripts());
  browser.permissions.onRemoved.addListener(() => void syncScripts());
  browser.runtime.onInstalled.addListener(() => void syncScripts());
  browser.alarms.onAlarm.addListener((alarm) => void autoLock.onAlarm(alarm.name));
  browser.idle.onStateChanged.addListener((state) => void autoLock.onIdleStateChanged(state));
  // storage.session is already empty after a browser restart; clearing again costs nothing and also covers
  // browsers that might keep it.
  browser.runtime.onStartup.addListener(() => void vault.then((v) => v.lock()));
  // A worker that wakes up unlocked (it was stopped while idle) re-applies the idle detection interval.
  void vault.then(async (v) => {
    if (await v.isUnlocked()) await autoLock.arm();
  });
});

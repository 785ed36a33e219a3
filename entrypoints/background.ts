import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createAutoLock } from '../lib/autolock';
import { createHandlers } from '../lib/handlers';
import { createRouter, type Sender } from '../lib/router';
import { loadSettings } from '../lib/settings';
import { VaultService } from '../lib/vault/service';
import { createSessionKeyStorage } from '../lib/vault/session';
import { openVaultStore } from '../lib/vault/store';

/** Wiring only: browser APIs in, lib/ services out. Listeners are registered synchronously (MV3). */
export default defineBackground(() => {
  const settingsArea = browser.storage.local;
  // The data key lives in storage.session; make sure content scripts can never read that area.
  void browser.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });

  const vault = openVaultStore(indexedDB).then(
    (store) => new VaultService({ store, session: createSessionKeyStorage(browser.storage.session) }),
  );

  const autoLock = createAutoLock({
    idle: browser.idle,
    alarms: browser.alarms,
    getMinutes: async () => (await loadSettings(settingsArea)).autoLockMinutes,
    isUnlocked: async () => (await vault).isUnlocked(),
    lock: async () => (await vault).lock(),
  });

  const route = vault.then((service) =>
    createRouter({
      extensionId: browser.runtime.id,
      extensionOrigin: browser.runtime.getURL('/'),
      isDocbitsHost: async (host) => (await loadSettings(settingsArea)).docbitsHosts.includes(host),
      handlers: createHandlers({
        vault: service,
        settingsArea,
        onUnlocked: autoLock.arm,
        onLocked: autoLock.disarm,
      }),
    }),
  );

  browser.runtime.onMessage.addListener((message: unknown, sender: Sender) =>
    route.then(
      (handle) => handle(message, sender),
      () => ({ ok: false, error: { code: 'internal', message: 'Vault storage unavailable' } }),
    ),
  );
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

import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createAnomalyDetector, noticeOf } from '../lib/audit/anomaly';
import type { AuditSink } from '../lib/audit/events';
import { AuditLog } from '../lib/audit/log';
import { createAutoLock } from '../lib/background/autolock';
import { createClipboard } from '../lib/background/clipboard';
import { createCliHandlers } from '../lib/background/handlers/cli';
import { createHandlers } from '../lib/background/handlers/index';
import { createNativeBridge, type NativePort, WAKE_ALARM } from '../lib/background/native/bridge';
import { createNativeDispatcher, createPageDoor, type PagePort } from '../lib/background/native/dispatch';
import { type ContextsApi, createOffscreenClipboard, type OffscreenApi } from '../lib/background/offscreen';
import { syncOnPremScripts } from '../lib/background/registration';
import { createRouter, type Sender } from '../lib/background/router';
import { createGuardPrintStore, syncGuardScript } from '../lib/guard/fingerprint';
import { type MessageKey, setMessageSource, t } from '../lib/i18n';
import type { RefreshEvent, VaultStateEvent } from '../lib/messages';
import { createReminders } from '../lib/rotation/reminders';
import { policyOf } from '../lib/rotation/schedule';
import { loadSettings, type Settings } from '../lib/settings';
import {
  clearingListCache,
  createListCache,
  keyRemoved,
  LIST_CACHE_KEY,
  POPUP_WITH_CACHE,
  POPUP_WITHOUT_CACHE,
  refreshingAfter,
} from '../lib/vault/list-cache';
import { VaultService } from '../lib/vault/service';
import { createSessionKeyStorage, SESSION_KEY_NAME } from '../lib/vault/session';
import { openVaultStore } from '../lib/vault/store';

/** Chrome-only APIs the polyfill does not type. */
const chromeApis = (
  globalThis as unknown as {
    chrome?: { offscreen?: OffscreenApi; runtime: Partial<ContextsApi> & { connectNative?: unknown } };
  }
).chrome;

/** Wiring only: browser APIs in, lib/ services out. Listeners are registered synchronously (MV3). */
export default defineBackground(() => {
  const settingsArea = browser.storage.local;
  /** Chrome's notifications need an icon: KeyGuard's own. */
  const iconUrl = browser.runtime.getURL('/icon/128.png');
  setMessageSource((key, subs) => browser.i18n.getMessage(key as MessageKey, subs));
  // The data key lives in storage.session; make sure content scripts can never read that area. Nor
  // storage.local: settings (the DocBits hosts the router trusts, alert thresholds, the guard's allowlist),
  // reminder state and the guard's fingerprints are for KeyGuard's own pages only — the leak guard's script
  // runs on every site, and no content script reads storage (they ask the background). Chromium only;
  // Firefox has no such switch (see SECURITY.md).
  void browser.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });
  void (
    browser.storage.local as { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> }
  ).setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });

  /** The toolbar popup opens on the key list's frame while the list cache is there (POPUP_WITH_CACHE). */
  const pointPopup = (present: boolean) =>
    void Promise.resolve(
      browser.action.setPopup({ popup: present ? POPUP_WITH_CACHE : POPUP_WITHOUT_CACHE }),
    ).catch((e: unknown) => console.warn('KeyGuard: could not set the popup page', String(e)));
  // The popup's names-only list cache (lib/vault/list-cache.ts), beside the data key in storage.session:
  // written after every change of the list, removed with the key on every kind of lock.
  const listCache = createListCache({
    area: browser.storage.session,
    list: async () => (await vault).list(),
    policy: async () => policyOf(await loadSettings(settingsArea)),
    onError: (e) => console.warn('KeyGuard: could not update the popup list cache', String(e)),
    onPresence: (present) => pointPopup(present),
  });
  const session = clearingListCache(createSessionKeyStorage(browser.storage.session), listCache);
  // And whatever else removes the key (another instance of this worker, the browser) takes the names too.
  browser.storage.onChanged.addListener((changes, areaName) => {
    if (keyRemoved(changes, areaName, SESSION_KEY_NAME)) void listCache.clear();
  });
  const opened = openVaultStore(indexedDB);
  const vault = opened.then((store) =>
    refreshingAfter(
      new VaultService({ store, session }),
      ['create', 'unlock', 'add', 'update', 'remove', 'importEntries'],
      listCache.refresh,
    ),
  );

  // The audit log: every recorded event also goes past the anomaly detector; anomalies raise a notification.
  const anomalies = createAnomalyDetector({
    area: browser.storage.session,
    settings: () => loadSettings(settingsArea),
  });
  const auditLog: Promise<AuditLog> = opened.then(
    (store) =>
      new AuditLog({
        store,
        keys: () => session.get(),
        retention: async () => {
          const s = await loadSettings(settingsArea);
          return { maxRecords: s.auditMaxRecords, maxDays: s.auditMaxDays };
        },
        onRecorded: async (input, at) => {
          const notice = noticeOf(input);
          if (notice) {
            await browser.notifications.create(notice.id, {
              type: 'basic',
              iconUrl,
              title: browser.i18n.getMessage(notice.title),
              message: browser.i18n.getMessage(notice.message, [input.host ?? '']),
              priority: 2,
            });
          }
          const log = await auditLog;
          for (const anomaly of await anomalies.observe(input, at)) await log.record(anomaly);
        },
      }),
  );
  const audit: AuditSink = { record: async (input) => (await auditLog).record(input) };
  const guardPrints = createGuardPrintStore(settingsArea);

  // The clipboard. Chrome: an offscreen document writes it. Firefox: this background page can do it itself.
  // Either way the clear's deadline is kept in storage.session with an alarm, because neither background
  // surely lives until it is due (Firefox suspends an idle event page; Chrome stops an idle worker).
  const offscreenClipboard =
    chromeApis?.offscreen && chromeApis.runtime.getContexts
      ? createOffscreenClipboard({
          offscreen: chromeApis.offscreen,
          runtime: chromeApis.runtime as ContextsApi,
          url: browser.runtime.getURL('/offscreen.html'),
        })
      : null;
  const clipboard = createClipboard({
    // The offscreen document only writes (clearAfterMs 0): the clear is this background's.
    write: offscreenClipboard
      ? (text) => offscreenClipboard.copy(text, 0)
      : (text) => navigator.clipboard.writeText(text),
    // Checking the clipboard before clearing needs `clipboardRead`, which KeyGuard does not ask for; if a
    // later version (or the user, in Firefox's add-on manager) grants it, the clear leaves a newer copy alone.
    ...(offscreenClipboard
      ? {}
      : {
          read: async () => {
            if (!(await browser.permissions.contains({ permissions: ['clipboardRead'] }))) {
              throw new Error('no clipboardRead permission');
            }
            return navigator.clipboard.readText();
          },
        }),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    session: browser.storage.session,
    alarms: browser.alarms,
  });
  const copyToClipboard = clipboard.copy;
  // The clipboard's alarm wakes a suspended background; at every start, a clear that came due meanwhile runs.
  browser.alarms.onAlarm.addListener((alarm) => void clipboard.onAlarm(alarm.name).catch(() => undefined));
  void clipboard.resume().catch(() => undefined);

  /**
   * Tells open DocBits tabs that the vault opened or closed, so a waiting "Save" can finish (or, with no
   * argument, that a rotation started or ended elsewhere, so they read their page again).
   */
  async function broadcast(unlocked?: boolean): Promise<void> {
    const { docbitsHosts } = await loadSettings(settingsArea);
    const tabs = await browser.tabs.query({ url: docbitsHosts.map((h) => `https://${h}/*`) });
    const event: VaultStateEvent | RefreshEvent =
      unlocked === undefined
        ? { type: 'event.refresh' }
        : { type: 'event.vaultState', payload: { unlocked } };
    await Promise.all(
      tabs.map((t) =>
        // The top frame only: that is where the DocBits script runs (a leak guard in an iframe needs none of it).
        t.id === undefined
          ? undefined
          : browser.tabs.sendMessage(t.id, event, { frameId: 0 }).catch(() => {}),
      ),
    );
  }

  /** On-premise hosts run the content script once their optional permission is granted. */
  const syncScripts = async (settings?: Settings) => {
    // The command line's port follows its setting and permission too.
    void cliBridge.sync();
    const { docbitsHosts, guardEnabled } = settings ?? (await loadSettings(settingsArea));
    // The leak guard's script runs only while it is on and its all-sites permission is granted.
    await syncGuardScript(
      { scripting: browser.scripting, permissions: browser.permissions },
      guardEnabled,
    ).catch((e: unknown) => console.warn('KeyGuard: could not register the leak guard', String(e)));
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
      // Recorded before locking, so it is sealed into the chain while the key is still at hand.
      await audit.record({ type: 'vault.autoLocked', origin: 'background' });
      await (await vault).lock();
      (await auditLog).forget();
      await cliLocked();
      await clearNamedReminders();
      await broadcast(false);
    },
  });

  /** The command line's 15-minute grants end when the vault locks (every lock path calls this). */
  const cliLocked = () => cli.then((c) => c.locked()).catch(() => undefined);

  /** Reminder notifications that name a key go when the vault locks (key names show only while it is open). */
  const clearNamedReminders = () =>
    reminders
      .onLocked()
      .catch((e: unknown) => console.warn('KeyGuard: could not clear reminder notifications', String(e)));

  const openList = async () => {
    await browser.windows.create({
      url: browser.runtime.getURL('/popup.html?window=list'),
      type: 'popup',
      width: 400,
      height: 600,
      focused: true,
    });
  };
  const reminders = createReminders({
    storage: settingsArea,
    alarms: browser.alarms,
    notifications: {
      create: (id, options) => browser.notifications.create(id, options),
      clear: (id) => browser.notifications.clear(id),
      getAll: () => browser.notifications.getAll(),
    },
    action: browser.action,
    listIndex: async () => (await vault).listIndex(),
    names: async () => {
      const v = await vault;
      if (!(await v.isUnlocked())) return null;
      return new Map((await v.list()).map((e) => [e.id, e.name]));
    },
    policy: () => loadSettings(settingsArea),
    openList,
    openUrl: async (url) => void (await browser.tabs.create({ url })),
    text: (key, ...subs) => t(key, ...subs),
    iconUrl,
    audit,
    // Firefox's notifications have no buttons; snoozing is then in the popup.
    buttons: !import.meta.env.FIREFOX,
  });
  /** Messages after which the badge may have changed (entries, their observed facts, the policy). */
  const REMINDER_INPUTS = new Set([
    'entry.add',
    'entry.capture',
    'entry.remove',
    'entry.update',
    'page.rows',
    'reminder.snooze',
    'rotation.cancel',
    'settings.set',
    'vault.importApply',
    'vault.lock',
    'vault.unlock',
  ]);

  // The `keyguard` command line (issue 17): the native port while "Command line" is on, and the page port
  // of its approval window and options section. Keys leave only after approval in that window.
  const cli = vault.then((service) =>
    createCliHandlers({
      vault: service,
      audit,
      area: settingsArea,
      gateArea: browser.storage.session,
      enabled: async () => (await loadSettings(settingsArea)).cliEnabled,
      openWindow: async (requestId) =>
        (
          await browser.windows.create({
            url: browser.runtime.getURL(`/approve.html?request=${encodeURIComponent(requestId)}`),
            type: 'popup',
            width: 480,
            height: 600,
            focused: true,
          })
        )?.id,
      closeWindow: async (id) => void (await browser.windows.remove(id)),
      onWindowRemoved: (listener) => browser.windows.onRemoved.addListener(listener),
      notifyFlood: async () =>
        void (await browser.notifications.create('kg-cli-flood', {
          type: 'basic',
          iconUrl,
          title: t('anomalyTitle'),
          message: t('cliFloodMessage'),
          priority: 2,
        })),
      bridgeState: () => cliBridge.state(),
    }),
  );
  // Only while "Command line" is on; turning it off (settings.set) removes them.
  const refreshCliPrints = () => cli.then((c) => c.refreshPrints()).catch(() => undefined);
  const nativeDispatch = cli.then((c) => createNativeDispatcher(c.native));
  const cliBridge = createNativeBridge({
    connectNative: (name) => browser.runtime.connectNative(name) as unknown as NativePort,
    lastError: () => browser.runtime.lastError?.message,
    enabled: async () => (await loadSettings(settingsArea)).cliEnabled,
    hasPermission: () => browser.permissions.contains({ permissions: ['nativeMessaging'] }),
    available: () => typeof chromeApis?.runtime.connectNative === 'function' || !!import.meta.env.FIREFOX,
    // Chrome's minimum alarm delay (30 s) is about its idle stop of a worker; the wake repeats until it connects.
    scheduleWake: () => void browser.alarms.create(WAKE_ALARM, { delayInMinutes: 0.5 }),
    dispatch: async (message, conn) => (await nativeDispatch)(message, conn),
    // A lost port (host gone, setting off) ends the requests that came through it, closing their windows.
    portLost: (conn) => void cli.then((c) => c.portLost(conn)),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  });
  const pageDoor = cli.then((c) =>
    createPageDoor({
      extensionId: browser.runtime.id,
      extensionOrigin: browser.runtime.getURL('/'),
      handlers: {
        ...c.page,
        // "Check again" in the options reconnects at once.
        'cli.bridge': async (payload, ctx) => {
          await cliBridge.retryNow();
          return c.page['cli.bridge'](payload, ctx);
        },
      },
      onClosed: (port) => c.portClosed(port),
    }),
  );
  browser.runtime.onConnect.addListener(
    (port) => void pageDoor.then((door) => door(port as unknown as PagePort)),
  );
  void cliBridge.sync();

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
          await refreshCliPrints();
        },
        onLocked: async () => {
          await cliLocked();
          await autoLock.disarm();
          await clearNamedReminders();
          await broadcast(false);
        },
        copyToClipboard,
        // The list cache's head holds the rotation policy its badges follow.
        onSettingsChanged: async (settings) => {
          await syncScripts(settings);
          await listCache.refresh();
        },
        injectPageUi: async ({ tabId, frameId, documentId }) => {
          const target = documentId ? { tabId, documentIds: [documentId] } : { tabId, frameIds: [frameId] };
          await browser.scripting.executeScript({ target, files: ['/docbits-ui.js'] });
        },
        audit,
        auditLog: {
          list: async () => (await auditLog).list(),
          verify: async () => (await auditLog).verify(),
          forget: async () => (await auditLog).forget(),
        },
        guardPrints,
        snooze: (ids, length) => reminders.snooze(ids, length),
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
      async (handle) => {
        const reply = await handle(message, sender);
        const type = (message as { type?: unknown } | null)?.type;
        if (typeof type === 'string' && REMINDER_INPUTS.has(type)) {
          void reminders.run().catch(() => undefined);
          // The command line's scan fingerprints follow the keys (made only while the vault is open).
          void refreshCliPrints();
        }
        // A rotation started or cancelled in the popup or options: open DocBits tabs show its checklist.
        if (type === 'rotation.start' || type === 'rotation.cancel') void broadcast().catch(() => undefined);
        return reply;
      },
      () => ({ ok: false, error: { code: 'internal', message: 'Vault storage unavailable' } }),
    );
  });
  browser.notifications.onClicked.addListener((id) => void reminders.onClicked(id));
  // Firefox implements no notification buttons: its onButtonClicked is a stub that logs "unimplemented" when
  // listened to (merely looking at it does not tell), and reminders offer no buttons there.
  if (!import.meta.env.FIREFOX) {
    browser.notifications.onButtonClicked.addListener(
      (id, index) => void reminders.onButtonClicked(id, index),
    );
  }
  const permissionChanged = (what: string, p: { origins?: string[]; permissions?: string[] }) =>
    void audit.record({
      type: 'permission.changed',
      origin: 'background',
      detail: `${what}: ${[...(p.origins ?? []), ...(p.permissions ?? [])].join(' ')}`.slice(0, 200),
    });
  browser.permissions.onAdded.addListener((p) => {
    permissionChanged('granted', p);
    void syncScripts();
  });
  browser.permissions.onRemoved.addListener((p) => {
    permissionChanged('removed', p);
    void syncScripts();
  });
  browser.runtime.onInstalled.addListener(() => void syncScripts());
  // Each service acts only on its own alarm name.
  browser.alarms.onAlarm.addListener((alarm) => {
    void autoLock.onAlarm(alarm.name);
    void reminders.onAlarm(alarm.name).catch(() => undefined);
  });
  browser.idle.onStateChanged.addListener((state) => {
    void autoLock.onIdleStateChanged(state);
    void reminders.onIdleStateChanged(state).catch(() => undefined);
  });
  // Every worker start (browser start-up, install, or a wake after MV3 stopped it): make sure the periodic
  // alarm exists and look once. Stage changes already notified are stored, so a restart never repeats one.
  void reminders.start().catch(() => undefined);
  // storage.session is already empty after a browser restart; clearing again costs nothing and also covers
  // browsers that might keep it.
  browser.runtime.onStartup.addListener(
    () =>
      void vault.then(async (v) => {
        await v.lock();
        (await auditLog).forget();
        await cliLocked();
        await clearNamedReminders();
      }),
  );
  // A worker that wakes up unlocked (it was stopped while idle) re-applies the idle detection interval, and
  // writes the popup's list cache if an earlier version (without one) left the vault unlocked.
  // Either way the toolbar popup's page is set from what storage.session holds now (a browser start has
  // emptied it; the browser may have kept the last page set).
  void vault.then(async (v) => {
    if (!(await v.isUnlocked())) return pointPopup(false);
    await autoLock.arm();
    if (!(await browser.storage.session.get(LIST_CACHE_KEY))[LIST_CACHE_KEY]) await listCache.refresh();
    else pointPopup(true);
  });
});

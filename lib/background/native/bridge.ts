/**
 * The extension's side of the native-messaging bridge. With native messaging the extension opens the
 * port (`runtime.connectNative`), which starts the host; the host relays to the socket `keyguard` uses. So
 * the port is open exactly while the "Command line" setting is on and `nativeMessaging` is granted: off
 * means no port and no host process. A port that closes (host missing, host exited) is retried with a
 * growing delay while the setting stays on; the last error is kept for the options page.
 */
import type { BridgeState } from '../../messages';
import { NATIVE_HOST_NAME } from '../../messages';

/** The fields of `runtime.Port` the bridge uses. */
export interface NativePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: (port: { error?: { message?: string } }) => void): void };
}

export interface BridgeOptions {
  connectNative(name: string): NativePort;
  /** Chrome reports a port's failure in `runtime.lastError` during onDisconnect; Firefox in `port.error`. */
  lastError(): string | undefined;
  enabled(): Promise<boolean>;
  hasPermission(): Promise<boolean>;
  /** Whether this context has the native API (`runtime.connectNative`). */
  available(): boolean;
  /**
   * Chromium adds `runtime.connectNative` to a context only when it starts: a service worker that was
   * running when the optional permission was granted never gets it. The next worker does — Chromium stops
   * an idle worker after 30 s — so the bridge asks to be woken then (an alarm) and connects in that worker.
   */
  scheduleWake(): void;
  /**
   * Answers one message from the host (null = nothing to send back). `conn` is the port's generation: each
   * port (each host process) gets a new one, since a new host's relay ids start at 1 again.
   */
  dispatch(message: unknown, conn: number): Promise<unknown>;
  /** The port of that generation is gone (the host stopped, or the setting was turned off). */
  portLost(conn: number): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const RETRY_MIN_MS = 2_000;
/** The bridge's state while the permission waits for the next service worker (see `scheduleWake`). */
export const WAITING_FOR_RESTART = 'starting within a minute, when KeyGuard’s background restarts';
/** The alarm that wakes a restarted worker to connect. */
export const WAKE_ALARM = 'keyguard-cli-wake';
export const RETRY_MAX_MS = 60_000;

export function createNativeBridge(opts: BridgeOptions) {
  let port: NativePort | null = null;
  let connected = false;
  let error: string | null = null;
  let retryMs = RETRY_MIN_MS;
  let timer: unknown = null;
  let syncing: Promise<void> = Promise.resolve();
  /** The current port's generation (see `dispatch`). */
  let generation = 0;

  const cancelRetry = () => {
    if (timer !== null) opts.clearTimer(timer);
    timer = null;
  };

  function open(): void {
    let p: NativePort;
    try {
      p = opts.connectNative(NATIVE_HOST_NAME);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      scheduleRetry();
      return;
    }
    port = p;
    const conn = ++generation;
    p.onMessage.addListener((message) => {
      // The host greets as soon as it runs: only then is the bridge known to work.
      connected = true;
      retryMs = RETRY_MIN_MS;
      error = null;
      void opts.dispatch(message, conn).then((reply) => {
        if (reply !== null && port === p) p.postMessage(reply);
      });
    });
    p.onDisconnect.addListener((closed) => {
      if (port !== p) return;
      error = opts.lastError() ?? closed?.error?.message ?? 'The command line host stopped';
      port = null;
      connected = false;
      // Nobody is left to hear the answers of the requests that came through it.
      opts.portLost(conn);
      scheduleRetry();
    });
  }

  function scheduleRetry(): void {
    cancelRetry();
    timer = opts.setTimer(() => {
      timer = null;
      void sync();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  /** Opens or closes the port to match the setting and the permission. */
  function sync(): Promise<void> {
    syncing = syncing.then(async () => {
      const want = (await opts.enabled()) && (await opts.hasPermission());
      if (want && !opts.available()) {
        error = WAITING_FOR_RESTART;
        opts.scheduleWake();
        return;
      }
      if (want && port === null && timer === null) open();
      if (!want) {
        cancelRetry();
        retryMs = RETRY_MIN_MS;
        error = null;
        const p = port;
        port = null;
        connected = false;
        if (p) {
          // Tells the host this is "turned off", not "browser closed" (it then tells the command so).
          try {
            p.postMessage({ bye: 'off' });
          } catch {
            /* the port closed meanwhile */
          }
          p.disconnect();
          opts.portLost(generation);
        }
      }
    });
    syncing = syncing.catch(() => undefined);
    return syncing;
  }

  return {
    sync,
    /** Reconnects now (the options page's "Check again"), skipping a waiting retry. */
    retryNow(): Promise<void> {
      cancelRetry();
      retryMs = RETRY_MIN_MS;
      return sync();
    },
    async state(): Promise<BridgeState> {
      return {
        enabled: await opts.enabled(),
        permission: await opts.hasPermission(),
        connected,
        error,
      };
    },
  };
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '../../lib/i18n';
import type { BridgeState } from '../../lib/messages';
import type { Settings } from '../../lib/settings';
import type { Send } from '../api';
import { CLI_PAGE_PORT, type CliAsk, cliPortClient } from '../cli-port';
import { describeError } from '../errors';
import { StatusLine } from './fields';

/** What the section needs of the browser (the real one by default; tests pass a fake). */
export interface CliSectionEnv {
  extensionId: string;
  firefox: boolean;
  /** Asks for `nativeMessaging`; must be called inside the click. */
  requestPermission(): Promise<boolean>;
  removePermission(): Promise<boolean>;
  /** Opens the page port (for the bridge's state). */
  connect(): { ask: CliAsk; close(): void };
}

export function browserCliEnv(): CliSectionEnv {
  return {
    extensionId: browser.runtime.id,
    firefox: import.meta.env.FIREFOX === true,
    requestPermission: () => browser.permissions.request({ permissions: ['nativeMessaging'] }),
    removePermission: () => browser.permissions.remove({ permissions: ['nativeMessaging'] }),
    connect: () => cliPortClient(browser.runtime.connect({ name: CLI_PAGE_PORT })),
  };
}

/** The install command for this browser: Chrome-family browsers need this extension's id. */
export function installCommand(env: Pick<CliSectionEnv, 'extensionId' | 'firefox'>): string {
  return env.firefox ? 'npm run cli:install' : `npm run cli:install -- --extension-id ${env.extensionId}`;
}

const POLL_MS = 2_000;

interface Props {
  send: Send;
  settings: Settings;
  onSaved: (settings: Settings) => void;
  env?: CliSectionEnv;
}

/**
 * "Command line": turning it on asks for the optional `nativeMessaging` permission inside the click, then
 * saves the setting (the background opens the port); off saves and gives the permission back. Shows the
 * install command with this browser's extension id and whether the host answered.
 */
export function CommandLineSection({ send, settings, onSaved, env: given }: Props) {
  const [env] = useState(() => given ?? browserCliEnv());
  const [bridge, setBridge] = useState<BridgeState | null>(null);
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);

  const check = useCallback(async () => {
    let client: ReturnType<CliSectionEnv['connect']> | null = null;
    try {
      client = env.connect();
      setBridge(await client.ask('cli.bridge', {}));
    } catch {
      // No answer (the background restarting): the state line keeps saying "…" until the next look.
      setBridge(null);
    } finally {
      client?.close();
    }
  }, [env]);

  useEffect(() => {
    void check();
  }, [check]);

  // While on and not yet reachable (the host starting, or the background waiting to restart), look again.
  const waiting = settings.cliEnabled && bridge !== null && !bridge.connected;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void check(), POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, check]);

  const toggle = (on: boolean) => {
    if (busy) return;
    setFailure('');
    const granted = on ? env.requestPermission() : Promise.resolve(true);
    setBusy(true);
    void (async () => {
      try {
        if (on && !(await granted)) {
          setFailure(t('cliPermissionDenied'));
          return;
        }
        onSaved(await send('settings.set', { patch: { cliEnabled: on } }));
        if (!on) await env.removePermission().catch(() => false);
        // The host needs a moment to start and greet.
        await new Promise((r) => setTimeout(r, on ? 800 : 0));
        await check();
      } catch (e) {
        setFailure(describeError(e));
      } finally {
        setBusy(false);
      }
    })();
  };

  const on = settings.cliEnabled;
  return (
    <div>
      <label class="check">
        <input
          type="checkbox"
          checked={on}
          disabled={busy}
          onChange={(e) => toggle((e.currentTarget as HTMLInputElement).checked)}
        />{' '}
        {t('cliEnable')}
      </label>
      <p>{t('cliInstall')}</p>
      <pre>
        <code>{installCommand(env)}</code>
      </pre>
      <StatusLine
        ok={
          !on
            ? t('cliOff')
            : bridge?.connected
              ? t('cliReachable')
              : t('cliUnreachable', bridge?.error ?? (bridge?.permission === false ? 'permission' : '…'))
        }
        error={failure || undefined}
      />
      {on && (
        <div class="actions start">
          <button type="button" disabled={busy} onClick={() => void check()}>
            {t('cliCheck')}
          </button>
        </div>
      )}
    </div>
  );
}

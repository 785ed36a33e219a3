import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { DEFAULT_DOCBITS_HOST, originPattern, type Settings } from '../../lib/settings';
import type { Send } from '../api';
import { describeError } from '../errors';
import { StatusLine, TextField } from './fields';

/** The part of `browser.permissions` the hosts section uses; passed in so tests can fake it. */
export interface HostPermissions {
  request(permissions: { origins: string[] }): Promise<boolean>;
  remove(permissions: { origins: string[] }): Promise<boolean>;
  contains(permissions: { origins: string[] }): Promise<boolean>;
}

/**
 * Asks the browser for `origins` now, inside the user's click (the prompt is shown only during the gesture,
 * so no await may come before this call); a synchronous throw becomes a rejected promise.
 */
export function requestInGesture(permissions: HostPermissions, origins: string[]): Promise<boolean> {
  try {
    return permissions.request({ origins });
  } catch (e) {
    return Promise.reject(e);
  }
}

/** settings.set accepts at most this many hosts (lib/messages.ts). */
export const MAX_HOSTS = 50;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

export type HostCheck = { host: string } | { error: 'empty' | 'not-bare' | 'invalid' };

/**
 * A host as typed → the bare, lower-case host name (international names in their ASCII form), or why not.
 * A URL, a port, a path or a wildcard is refused rather than guessed at: the user is asked to confirm access
 * to exactly the host shown.
 */
export function parseHost(input: string): HostCheck {
  const raw = input.trim().replace(/\.$/, '');
  if (raw === '') return { error: 'empty' };
  if (/[\s/:?#@*\\]/.test(raw)) return { error: 'not-bare' };
  let host: string;
  try {
    host = new URL(`https://${raw}/`).hostname;
  } catch {
    return { error: 'invalid' };
  }
  return HOSTNAME.test(host) ? { host } : { error: 'invalid' };
}

interface Props {
  send: Send;
  permissions: HostPermissions;
  settings: Settings;
  onSaved: (settings: Settings) => void;
}

/**
 * app.docbits.com plus on-premise hosts. Adding one asks the browser for access to it (inside the click, as
 * the permission prompt needs a user gesture) and only then saves it; the background registers the content
 * script for it. Removing one saves the list without it, then gives the access back.
 */
export function HostsSection({ send, permissions, settings, onSaved }: Props) {
  const [input, setInput] = useState('');
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const [access, setAccess] = useState<Record<string, boolean>>({});
  const field = useRef<HTMLInputElement>(null);
  const extra = settings.docbitsHosts.filter((h) => h !== DEFAULT_DOCBITS_HOST);

  // Whether the browser still grants each host (the user may have taken access back in its own settings).
  const hostsKey = extra.join(',');
  useEffect(() => {
    let live = true;
    void Promise.all(
      extra.map(async (h) => [
        h,
        await permissions.contains({ origins: [originPattern(h)] }).catch(() => false),
      ]),
    ).then((pairs) => {
      if (live) setAccess(Object.fromEntries(pairs));
    });
    return () => {
      live = false;
    };
  }, [hostsKey, permissions]);

  const saveHosts = (hosts: string[]) => send('settings.set', { patch: { docbitsHosts: hosts } });

  /** Asks for access to `host`; must be called synchronously from the user's click or submit. */

  const add = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setStatus('');
    setFailure('');
    const parsed = parseHost(input);
    let problem = '';
    if ('error' in parsed) {
      problem =
        parsed.error === 'empty'
          ? t('optErrHostEmpty')
          : parsed.error === 'not-bare'
            ? t('optErrHostNotBare')
            : t('optErrHostInvalid');
    } else if (settings.docbitsHosts.includes(parsed.host)) problem = t('optErrHostDuplicate', parsed.host);
    else if (settings.docbitsHosts.length >= MAX_HOSTS) problem = t('optErrHostLimit', MAX_HOSTS);
    if (problem || !('host' in parsed)) {
      setError(problem);
      field.current?.focus();
      return;
    }
    const { host } = parsed;
    setError('');
    setBusy(true);
    // No await before this call: the browser shows its prompt only during the user's gesture.
    const granted = requestInGesture(permissions, [originPattern(host)]);
    void (async () => {
      try {
        if (!(await granted)) {
          setFailure(t('optHostDenied', host));
          return;
        }
        let stored: Settings;
        try {
          stored = await saveHosts([...settings.docbitsHosts, host]);
        } catch (err) {
          // Not saved: do not keep access KeyGuard will not use.
          await permissions.remove({ origins: [originPattern(host)] }).catch(() => false);
          throw err;
        }
        onSaved(stored);
        setAccess((a) => ({ ...a, [host]: true }));
        setInput('');
        setStatus(t('optHostAdded', host));
      } catch (err) {
        setFailure(t('optErrHostAddFailed', host, describeError(err)));
      } finally {
        setBusy(false);
      }
    })();
  };

  const grant = (host: string) => {
    setStatus('');
    setFailure('');
    const granted = requestInGesture(permissions, [originPattern(host)]);
    void granted.then(
      (ok) => {
        setAccess((a) => ({ ...a, [host]: ok }));
        if (ok) setStatus(t('optHostAdded', host));
        else setFailure(t('optHostDenied', host));
      },
      (err: unknown) => setFailure(t('optErrHostAddFailed', host, describeError(err))),
    );
  };

  const remove = async (host: string) => {
    if (busy) return;
    setStatus('');
    setFailure('');
    setBusy(true);
    try {
      onSaved(await saveHosts(settings.docbitsHosts.filter((h) => h !== host)));
    } catch (err) {
      setFailure(t('optErrHostRemoveFailed', host, describeError(err)));
      setBusy(false);
      return;
    }
    // KeyGuard no longer runs there; now give the access back.
    const revoked = await permissions.remove({ origins: [originPattern(host)] }).catch(() => false);
    setStatus(revoked ? t('optHostRemoved', host) : t('optHostRemovedKeptAccess', host));
    setBusy(false);
    field.current?.focus();
  };

  return (
    <>
      <ul class="hosts">
        <li>
          <span class="host">{DEFAULT_DOCBITS_HOST}</span>
          <span class="hint">{t('optHostBuiltIn')}</span>
        </li>
        {extra.map((host) => (
          <li key={host}>
            <span class="host">{host}</span>
            {access[host] === false ? (
              <>
                <span class="warning">{t('optHostNoAccess')}</span>
                <button type="button" aria-label={t('optHostGrantNamed', host)} onClick={() => grant(host)}>
                  {t('optHostGrant')}
                </button>
              </>
            ) : (
              <span class="hint">{access[host] ? t('optHostActive') : ''}</span>
            )}
            <button
              type="button"
              aria-label={t('optHostRemoveNamed', host)}
              onClick={() => void remove(host)}
              disabled={busy}
            >
              {t('optHostRemove')}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} class="add-host" aria-busy={busy} noValidate>
        <TextField
          label={t('optHostField')}
          hint={t('optHostFieldHint')}
          value={input}
          onInput={(v) => {
            setInput(v);
            setError('');
          }}
          error={error || undefined}
          inputRef={field}
          disabled={busy}
          after={
            <button type="submit" disabled={busy}>
              {t('optHostAdd')}
            </button>
          }
        />
      </form>
      <StatusLine ok={status} error={failure} />
    </>
  );
}

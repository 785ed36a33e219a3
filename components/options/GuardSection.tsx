import { useState } from 'preact/hooks';
import { GUARD_ORIGINS } from '../../lib/guard/fingerprint';
import { t } from '../../lib/i18n';
import { SETTING_RANGES, type Settings } from '../../lib/settings';
import type { Send } from '../api';
import { describeError } from '../errors';
import { StatusLine, TextField } from './fields';
import { parseWhole } from './format';
import { type HostPermissions, MAX_HOSTS, parseHost, requestInGesture } from './HostsSection';

interface Props {
  send: Send;
  permissions: HostPermissions;
  settings: Settings;
  onSaved: (settings: Settings) => void;
}

type NumberKey = keyof typeof SETTING_RANGES;
const NUMBERS: ReadonlyArray<{ key: NumberKey; label: () => string }> = [
  { key: 'copyBurstCount', label: () => t('alertCopyCount') },
  { key: 'copyBurstSeconds', label: () => t('alertCopySeconds') },
  { key: 'unlockFailCount', label: () => t('alertUnlockCount') },
  { key: 'unlockFailMinutes', label: () => t('alertUnlockMinutes') },
  { key: 'auditMaxRecords', label: () => t('auditKeepRecords') },
  { key: 'auditMaxDays', label: () => t('auditKeepDays') },
];

/**
 * The leak guard (off by default): turning it on asks for the all-sites permission inside the click, then
 * saves the setting (the background registers the guard script); turning it off saves, then gives the
 * permission back. Also the guard's allowlist, the anomaly thresholds and the audit retention.
 */
export function GuardSection({ send, permissions, settings, onSaved }: Props) {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const [site, setSite] = useState('');
  const [siteError, setSiteError] = useState('');
  /** DocBits host origins the browser took back along with all-sites access (see toggle). */
  const [lost, setLost] = useState<string[]>([]);
  const [numbers, setNumbers] = useState<Record<NumberKey, string>>(
    () =>
      Object.fromEntries(NUMBERS.map(({ key }) => [key, String(settings[key])])) as Record<NumberKey, string>,
  );
  const [numberErrors, setNumberErrors] = useState<Partial<Record<NumberKey, string>>>({});

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setStatus('');
    setFailure('');
    try {
      await work();
    } catch (e) {
      setFailure(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (on: boolean) => {
    if (busy) return;
    if (on) {
      const granted = requestInGesture(permissions, GUARD_ORIGINS);
      void run(async () => {
        if (!(await granted)) {
          setFailure(t('guardPermissionDenied'));
          return;
        }
        onSaved(await send('settings.set', { patch: { guardEnabled: true } }));
        setStatus(t('guardSaved'));
      });
    } else {
      void run(async () => {
        onSaved(await send('settings.set', { patch: { guardEnabled: false } }));
        // Chromium removes every granted origin that all-sites access contains — on-premise DocBits hosts,
        // even app.docbits.com — along with it. Say so, and offer to ask for them again (a click of the
        // user's own: the browser asks only inside a gesture).
        const docbits = settings.docbitsHosts.map((h) => `https://${h}/*`);
        const had = await Promise.all(docbits.map((o) => permissions.contains({ origins: [o] })));
        await permissions.remove({ origins: GUARD_ORIGINS }).catch(() => false);
        const has = await Promise.all(docbits.map((o) => permissions.contains({ origins: [o] })));
        setLost(docbits.filter((_, i) => had[i] && !has[i]));
        setStatus(t('guardSaved'));
      });
    }
  };

  const restore = () => {
    const granted = requestInGesture(permissions, lost);
    void run(async () => {
      if (await granted) setLost([]);
    });
  };

  const addSite = (e: Event) => {
    e.preventDefault();
    const parsed = parseHost(site);
    if (!('host' in parsed) || settings.guardAllowlist.length >= MAX_HOSTS) {
      setSiteError(t('guardAllowBad'));
      return;
    }
    setSiteError('');
    if (settings.guardAllowlist.includes(parsed.host)) {
      setSite('');
      return;
    }
    void run(async () => {
      onSaved(
        await send('settings.set', { patch: { guardAllowlist: [...settings.guardAllowlist, parsed.host] } }),
      );
      setSite('');
      setStatus(t('guardSaved'));
    });
  };

  const removeSite = (host: string) =>
    void run(async () => {
      onSaved(
        await send('settings.set', {
          patch: { guardAllowlist: settings.guardAllowlist.filter((h) => h !== host) },
        }),
      );
      setStatus(t('guardSaved'));
    });

  const saveNumbers = (e: Event) => {
    e.preventDefault();
    const errors: Partial<Record<NumberKey, string>> = {};
    const patch: Partial<Record<NumberKey, number>> = {};
    for (const { key } of NUMBERS) {
      const [min, max] = SETTING_RANGES[key];
      const v = parseWhole(numbers[key], min, max);
      if (v === undefined) errors[key] = t('guardRange', min, max);
      else patch[key] = v;
    }
    setNumberErrors(errors);
    if (Object.keys(errors).length > 0) return;
    void run(async () => {
      onSaved(await send('settings.set', { patch }));
      setStatus(t('guardSaved'));
    });
  };

  return (
    <>
      <div class="field">
        <label>
          <input
            type="checkbox"
            checked={settings.guardEnabled}
            disabled={busy}
            onChange={(e) => toggle((e.currentTarget as HTMLInputElement).checked)}
          />{' '}
          {t('guardEnable')}
        </label>
      </div>
      {lost.length > 0 && (
        <p class="error" role="alert">
          {t('guardLostAccess', lost.map((o) => new URL(o.replace('/*', '/')).hostname).join(', '))}{' '}
          <button type="button" onClick={restore} disabled={busy}>
            {t('guardRestoreAccess')}
          </button>
        </p>
      )}
      <h3>{t('guardAllowlist')}</h3>
      <ul class="hosts">
        {settings.guardAllowlist.map((host) => (
          <li key={host}>
            <span class="host">{host}</span>
            <button type="button" onClick={() => removeSite(host)} disabled={busy}>
              {t('guardAllowRemove', host)}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={addSite} noValidate>
        <TextField
          label={t('guardAllowlist')}
          value={site}
          onInput={(v) => {
            setSite(v);
            setSiteError('');
          }}
          error={siteError || undefined}
          disabled={busy}
          after={
            <button type="submit" disabled={busy}>
              {t('guardAllowAdd')}
            </button>
          }
        />
      </form>
      <form onSubmit={saveNumbers} noValidate class="guard-numbers">
        {NUMBERS.map(({ key, label }) => (
          <TextField
            key={key}
            label={label()}
            inputMode="numeric"
            value={numbers[key]}
            onInput={(v) => setNumbers((n) => ({ ...n, [key]: v }))}
            error={numberErrors[key]}
            disabled={busy}
          />
        ))}
        <button type="submit" disabled={busy}>
          {t('guardSave')}
        </button>
      </form>
      <StatusLine ok={status} error={failure} />
    </>
  );
}

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { VaultStatus } from '../../lib/messages';
import { ProtocolError } from '../../lib/send';
import type { Settings } from '../../lib/settings';
import type { EntrySummary } from '../../lib/vault/model';
import type { Send } from '../api';
import { describeError } from '../errors';
import { CreateVaultForm, UnlockForm } from '../vault/VaultForms';
import { AuditSection } from './AuditSection';
import { BackupSection } from './BackupSection';
import { ChangePasswordSection } from './ChangePasswordSection';
import { CommandLineSection } from './CommandLineSection';
import { GuardSection } from './GuardSection';
import { type HostPermissions, HostsSection } from './HostsSection';
import { KeysSection, sortEntries } from './KeysSection';
import { SettingsSection } from './SettingsSection';

export type { HostPermissions };

export interface OptionsProps {
  send: Send;
  permissions: HostPermissions;
  /** Hands an export file to the user (a download in the extension; a fake in tests). */
  save?: (name: string, text: string) => void;
  /** BCP 47 tag for dates and numbers; the browser's UI language in the extension. */
  locale?: string | undefined;
  now?: () => number;
}

/** What every section gets once the vault is open. */
interface SectionContext {
  send: Send;
  permissions: HostPermissions;
  save: (name: string, text: string) => void;
  locale: string | undefined;
  now: () => number;
  settings: Settings;
  entries: EntrySummary[] | null;
  setSettings: (s: Settings) => void;
  setEntries: (update: (list: EntrySummary[]) => EntrySummary[]) => void;
  keysHeading: { current: HTMLElement | null };
}

interface SectionDef {
  /** Fragment id, also used for the navigation link. */
  id: string;
  title: () => string;
  intro?: () => string;
  render: (ctx: SectionContext) => ComponentChildren;
}

/**
 * The page's sections, in order: each becomes a labelled region with a heading and a link in the page's
 * navigation.
 *
 * The backup section holds the automation contract's "Export vault" and "Import vault" (design.md).
 */
const SECTIONS: SectionDef[] = [
  {
    id: 'keys',
    title: () => t('optKeysHeading'),
    render: (ctx) => (
      <KeysSection
        send={ctx.send}
        entries={ctx.entries}
        settings={ctx.settings}
        locale={ctx.locale}
        now={ctx.now}
        onEntries={ctx.setEntries}
        headingRef={ctx.keysHeading}
      />
    ),
  },
  {
    id: 'settings',
    title: () => t('optSettingsHeading'),
    render: (ctx) => (
      <SettingsSection
        send={ctx.send}
        settings={ctx.settings}
        locale={ctx.locale}
        onSaved={ctx.setSettings}
      />
    ),
  },
  {
    id: 'hosts',
    title: () => t('optHostsHeading'),
    intro: () => t('optHostsIntro'),
    render: (ctx) => (
      <HostsSection
        send={ctx.send}
        permissions={ctx.permissions}
        settings={ctx.settings}
        onSaved={ctx.setSettings}
      />
    ),
  },
  {
    id: 'password',
    title: () => t('optPasswordHeading'),
    intro: () => t('optPasswordIntro'),
    render: (ctx) => <ChangePasswordSection send={ctx.send} />,
  },
  {
    id: 'backup',
    title: () => t('backupHeading'),
    intro: () => t('backupIntro'),
    render: (ctx) => (
      <BackupSection
        send={ctx.send}
        save={ctx.save}
        now={ctx.now}
        onImported={(list) => ctx.setEntries(() => list)}
      />
    ),
  },
  {
    id: 'guard',
    title: () => t('guardHeading'),
    intro: () => t('guardIntro'),
    render: (ctx) => (
      <GuardSection
        send={ctx.send}
        permissions={ctx.permissions}
        settings={ctx.settings}
        onSaved={ctx.setSettings}
      />
    ),
  },
  {
    id: 'cli',
    title: () => t('cliHeading'),
    intro: () => t('cliIntro'),
    render: (ctx) => <CommandLineSection send={ctx.send} settings={ctx.settings} onSaved={ctx.setSettings} />,
  },
  {
    id: 'audit',
    title: () => t('auditHeading'),
    intro: () => t('auditIntro'),
    render: (ctx) => (
      <AuditSection send={ctx.send} entries={ctx.entries} save={ctx.save} locale={ctx.locale} now={ctx.now} />
    ),
  },
];

/** The options page: by vault state, the create or unlock form, or the sections above. */
export function OptionsPage(props: OptionsProps) {
  const { permissions, locale } = props;
  const now = props.now ?? Date.now;
  const [status, setStatus] = useState<VaultStatus | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [entries, setEntriesState] = useState<EntrySummary[] | null>(null);
  const [error, setError] = useState('');
  const keysHeading = useRef<HTMLHeadingElement>(null);

  // Every request goes through here: a vault that locked itself meanwhile brings back the unlock form.
  const send = useMemo<Send>(
    () => async (type, payload) => {
      try {
        return await props.send(type, payload);
      } catch (e) {
        if (e instanceof ProtocolError && e.code === 'locked') {
          setStatus((s) => (s ? { ...s, unlocked: false } : s));
        }
        throw e;
      }
    },
    [props.send],
  );

  const load = useCallback(async () => {
    setError('');
    try {
      const s = await send('vault.status', {});
      setStatus(s);
      if (!s.unlocked) return;
      setEntriesState(null);
      const [stored, list] = await Promise.all([send('settings.get', {}), send('entry.list', {})]);
      setSettings(stored);
      setEntriesState(sortEntries(list, locale));
    } catch (e) {
      setError(describeError(e));
    }
  }, [send, locale]);

  useEffect(() => {
    void load();
  }, [load]);

  // The vault may have been locked from the popup or by the idle timer while this tab was in the background.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      void send('vault.status', {}).then(
        (s) => setStatus((old) => (old?.unlocked && !s.unlocked ? s : old)),
        () => {},
      );
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [send]);

  const lock = async () => {
    try {
      setStatus(await send('vault.lock', {}));
    } catch (e) {
      setError(describeError(e));
    }
  };

  const unlocked = status?.unlocked === true;
  const ready = unlocked && settings !== null;
  const ctx: SectionContext | null = ready
    ? {
        send,
        permissions,
        save: props.save ?? (() => {}),
        locale,
        now,
        settings,
        entries,
        setSettings,
        setEntries: (update) => setEntriesState((list) => update(list ?? [])),
        keysHeading,
      }
    : null;

  return (
    <div class="options">
      <header class="page-header">
        <h1>{t('optPageTitle')}</h1>
        {unlocked && (
          <button type="button" onClick={lock}>
            {t('lock')}
          </button>
        )}
      </header>
      {ready && (
        <nav aria-label={t('optNavLabel')}>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.id}>
                <a href={`#${s.id}`}>{s.title()}</a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {!error && (status === null || (unlocked && !ready)) && (
          <p role="status" class="page-loading">
            {t('loading')}
          </p>
        )}
        {status && !status.exists && (
          <section class="gate" aria-labelledby="gate-title">
            <h2 id="gate-title">{t('optNoVaultHeading')}</h2>
            <p>{t('optNoVault')}</p>
            <CreateVaultForm send={send} onDone={() => void load()} />
          </section>
        )}
        {status?.exists && !status.unlocked && (
          <section class="gate" aria-labelledby="gate-title">
            <h2 id="gate-title">{t('optLockedHeading')}</h2>
            <UnlockForm send={send} retryAfterMs={status.retryAfterMs} onDone={() => void load()} />
          </section>
        )}
        {ctx &&
          SECTIONS.map((s) => (
            <section key={s.id} id={s.id} aria-labelledby={`${s.id}-title`} class={`section section-${s.id}`}>
              <h2 id={`${s.id}-title`} tabIndex={-1} ref={s.id === 'keys' ? keysHeading : undefined}>
                {s.title()}
              </h2>
              {s.intro && <p class="intro">{s.intro()}</p>}
              {s.render(ctx)}
            </section>
          ))}
      </main>
    </div>
  );
}

import { useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { ImportPreview } from '../../lib/messages';
import { ProtocolError } from '../../lib/send';
import { MAX_EXPORT_BYTES } from '../../lib/vault/export';
import type { EntrySummary } from '../../lib/vault/model';
import type { Send } from '../api';
import { describeError } from '../errors';
import { PasswordField } from '../vault/PasswordField';
import { StatusLine } from './fields';

type Choice = 'skip' | 'keep-both' | 'replace';

export interface BackupProps {
  send: Send;
  /** Hands the file to the user (a download in the extension; a fake in tests). */
  save: (name: string, text: string) => void;
  /** After an import: the fresh list for the keys table. */
  onImported: (entries: EntrySummary[]) => void;
  now?: () => number;
}

/**
 * Export: an encrypted, versioned file with its own salt and KDF, locked with the master password or a
 * separate export password. Import: a dry run first (new, identical, conflicting), then the merge on
 * confirmation; a bad file is refused with the reason and the vault stays as it was.
 */
export function BackupSection(props: BackupProps) {
  return (
    <div class="backup">
      <ExportPart {...props} />
      <ImportPart {...props} />
    </div>
  );
}

function ExportPart({ send, save, now = Date.now }: BackupProps) {
  const [separate, setSeparate] = useState(false);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok?: string; error?: string }>({});

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!password) return setStatus({ error: t('backupPasswordRequired') });
    if (separate && password !== confirm) return setStatus({ error: t('passwordsDiffer') });
    setBusy(true);
    setStatus({});
    try {
      const { file, count } = await send('vault.export', { password, separate });
      save(`keyguard-export-${new Date(now()).toISOString().slice(0, 10)}.json`, file);
      setPassword('');
      setConfirm('');
      setStatus({ ok: t('backupExported', count) });
    } catch (err) {
      setStatus({ error: describeError(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-busy={busy} class="backup-export">
      <h3>{t('backupExportHeading')}</h3>
      <p class="hint">{t('backupExportIntro')}</p>
      <label class="check">
        <input type="checkbox" checked={separate} onChange={(e) => setSeparate(e.currentTarget.checked)} />
        {t('backupSeparatePassword')}
      </label>
      <PasswordField
        label={separate ? t('backupExportPassword') : t('masterPassword')}
        value={password}
        onInput={setPassword}
        autoComplete={separate ? 'new-password' : 'current-password'}
        disabled={busy}
      />
      {separate && (
        <PasswordField
          label={t('backupConfirmExportPassword')}
          value={confirm}
          onInput={setConfirm}
          autoComplete="new-password"
          disabled={busy}
          invalid={confirm.length > 0 && confirm !== password}
        />
      )}
      {busy && <p role="status">{t('deriving')}</p>}
      <StatusLine ok={status.ok} error={status.error} />
      <button type="submit" class="primary" disabled={busy}>
        {t('exportVault')}
      </button>
    </form>
  );
}

function ImportPart({ send, onImported }: BackupProps) {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [password, setPassword] = useState('');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [choice, setChoice] = useState<Choice>('skip');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok?: string; error?: string }>({});

  const pick = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    setPreview(null);
    setStatus({});
    setFile(null);
    if (!chosen) return;
    // Refuse before reading: a huge file must not be loaded into memory.
    if (chosen.size > MAX_EXPORT_BYTES) return setStatus({ error: t('backupTooLarge') });
    if (chosen.size === 0) return setStatus({ error: t('backupEmpty') });
    setFile({ name: chosen.name, text: await chosen.text() });
  };

  const run = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setStatus({});
    try {
      await action();
    } catch (err) {
      // A file that does not open: the password is wrong, or the file was changed — one message for both.
      const wrong = err instanceof ProtocolError && err.code === 'bad-password';
      setStatus({ error: wrong ? t('backupWrongPassword') : describeError(err) });
    } finally {
      setBusy(false);
    }
  };

  const check = (e: Event) => {
    e.preventDefault();
    if (!file) return setStatus({ error: t('backupChooseFile') });
    if (!password) return setStatus({ error: t('backupPasswordRequired') });
    void run(async () => setPreview(await send('vault.importPreview', { file: file.text, password })));
  };

  const apply = () =>
    run(async () => {
      if (!file || !preview) return;
      const result = await send('vault.importApply', { file: file.text, password, conflicts: choice });
      setPreview(null);
      setPassword('');
      setStatus({ ok: t('backupImported', result.added, result.replaced) });
      onImported(await send('entry.list', {}));
    });

  return (
    <form onSubmit={check} aria-busy={busy} class="backup-import">
      <h3>{t('backupImportHeading')}</h3>
      <p class="hint">{t('backupImportIntro')}</p>
      <div class="field">
        <label for="kg-import-file">{t('importVault')}</label>
        <input
          id="kg-import-file"
          type="file"
          accept=".json,application/json"
          onChange={pick}
          disabled={busy}
        />
      </div>
      <PasswordField
        label={t('backupFilePassword')}
        value={password}
        onInput={(v) => {
          setPassword(v);
          setPreview(null);
        }}
        autoComplete="off"
        disabled={busy}
      />
      {busy && <p role="status">{t('deriving')}</p>}
      <StatusLine ok={status.ok} error={status.error} />
      {!preview && (
        <button type="submit" disabled={busy || !file}>
          {t('backupCheckFile')}
        </button>
      )}
      {preview && (
        <section class="preview" aria-label={t('backupPreviewHeading')}>
          <h4>{t('backupPreviewHeading')}</h4>
          <ul>
            <li>{t('backupPreviewNew', preview.added.length)}</li>
            <li>{t('backupPreviewIdentical', preview.identical)}</li>
            <li>{t('backupPreviewConflicts', preview.conflicts.length)}</li>
          </ul>
          {preview.conflicts.length > 0 && (
            <>
              <ul class="conflicts">
                {preview.conflicts.map((c) => (
                  <li key={`${c.incoming.id}-${c.existingId}`}>
                    {c.incoming.name} — {t(REASONS[c.reason])}
                  </li>
                ))}
              </ul>
              <fieldset>
                <legend>{t('backupConflictChoice')}</legend>
                {(['skip', 'keep-both', 'replace'] as const).map((v) => (
                  <label key={v} class="check">
                    <input
                      type="radio"
                      name="kg-conflicts"
                      checked={choice === v}
                      onChange={() => setChoice(v)}
                    />
                    {t(CHOICES[v])}
                  </label>
                ))}
              </fieldset>
            </>
          )}
          <div class="actions">
            <button type="button" onClick={() => setPreview(null)} disabled={busy}>
              {t('cancel')}
            </button>
            <button type="button" class="primary" onClick={() => void apply()} disabled={busy}>
              {t('backupConfirmImport')}
            </button>
          </div>
        </section>
      )}
    </form>
  );
}

const REASONS = {
  id: 'backupReasonId',
  prefix: 'backupReasonPrefix',
  secret: 'backupReasonSecret',
} as const;
const CHOICES = {
  skip: 'backupChoiceSkip',
  'keep-both': 'backupChoiceKeepBoth',
  replace: 'backupChoiceReplace',
} as const;

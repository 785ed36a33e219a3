import { useCallback, useEffect, useState } from 'preact/hooks';
import type { BreakReason } from '../../lib/audit/chain';
import { AUDIT_TYPES, type AuditType } from '../../lib/audit/events';
import { type MessageKey, t } from '../../lib/i18n';
import type { AuditEvent, AuditFilter, AuditVerifyReport } from '../../lib/messages';
import type { EntrySummary } from '../../lib/vault/model';
import type { Send } from '../api';
import { describeError } from '../errors';
import { SelectField, StatusLine, TextField } from './fields';
import { fromDateInput } from './format';

/** Rows drawn at most (the export holds them all). */
export const MAX_ROWS = 500;
const DAY_MS = 86_400_000;

const REASONS: Record<BreakReason, MessageKey> = {
  altered: 'auditReasonAltered',
  missing: 'auditReasonMissing',
  order: 'auditReasonOrder',
  truncated: 'auditReasonTruncated',
  malformed: 'auditReasonMalformed',
  checkpoint: 'auditReasonCheckpoint',
};

const COLUMNS = ['time', 'seq', 'type', 'entryId', 'entryName', 'origin', 'host', 'detail', 'late'] as const;

/** One CSV field: quoted when needed; a leading =, +, - or @ is defused so a spreadsheet never runs it. */
function csvField(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The events as CSV (one header line, ISO times). */
export function auditCsv(events: readonly AuditEvent[], names: ReadonlyMap<string, string>): string {
  const lines = [COLUMNS.join(',')];
  for (const e of events) {
    const row = {
      time: new Date(e.at).toISOString(),
      seq: e.seq,
      type: e.type,
      entryId: e.entryId,
      entryName: e.entryId ? names.get(e.entryId) : undefined,
      origin: e.origin,
      host: e.host,
      detail: e.detail,
      late: e.late ? 'yes' : '',
    };
    lines.push(COLUMNS.map((c) => csvField(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

interface Props {
  send: Send;
  entries: EntrySummary[] | null;
  save: (name: string, text: string) => void;
  locale: string | undefined;
  now: () => number;
}

/**
 * The audit log viewer: filters by key, event and date (sent to the background), the newest events first,
 * CSV and JSON export of what the filter selects, and "Verify log" (OK, or the first broken link).
 */
export function AuditSection({ send, entries, save, locale, now }: Props) {
  const [entryId, setEntryId] = useState('');
  const [type, setType] = useState<AuditType | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [dateError, setDateError] = useState('');
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [failure, setFailure] = useState('');
  const [report, setReport] = useState<AuditVerifyReport | null>(null);
  /** The log is over its record count with nothing retention may drop yet (see lib/audit/log.ts). */
  const [full, setFull] = useState(false);
  const [busy, setBusy] = useState(false);
  const names = new Map((entries ?? []).map((e) => [e.id, e.name]));

  const filter = useCallback((): AuditFilter | null => {
    const f: AuditFilter = {};
    if (entryId) f.entryId = entryId;
    if (type) f.type = type;
    const a = fromDateInput(from);
    const b = fromDateInput(to);
    if (a === undefined || b === undefined) return null;
    if (a !== null) f.from = a;
    if (b !== null) f.to = b + DAY_MS - 1;
    return f;
  }, [entryId, type, from, to]);

  const load = useCallback(async () => {
    const f = filter();
    if (!f) {
      setDateError(t('optErrDate'));
      return;
    }
    setDateError('');
    setFailure('');
    try {
      setEvents(await send('audit.list', { filter: f }));
    } catch (e) {
      setFailure(t('auditFailed', describeError(e)));
    }
  }, [filter, send]);

  useEffect(() => {
    void load();
  }, [load]);

  // Whether the log is full is worth saying without a click; a failure here is shown by the list's own.
  useEffect(() => {
    send('audit.verify', {}).then(
      (r) => setFull(r.full === true),
      () => {},
    );
  }, [send]);

  const verify = async () => {
    setBusy(true);
    setFailure('');
    try {
      const r = await send('audit.verify', {});
      setReport(r);
      setFull(r.full === true);
      await load();
    } catch (e) {
      setFailure(t('auditFailed', describeError(e)));
    } finally {
      setBusy(false);
    }
  };

  const stamp = new Date(now()).toISOString().slice(0, 10);
  const exportAs = (kind: 'csv' | 'json') => {
    if (!events) return;
    if (kind === 'csv') save(`keyguard-audit-${stamp}.csv`, auditCsv(events, names));
    else save(`keyguard-audit-${stamp}.json`, `${JSON.stringify({ exportedAt: now(), events }, null, 2)}\n`);
  };

  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  const shown = events?.slice(0, MAX_ROWS) ?? [];

  return (
    <>
      <div class="audit-filters">
        <SelectField
          label={t('auditFilterKey')}
          value={entryId}
          options={[
            { value: '', label: t('auditAllKeys') },
            ...(entries ?? []).map((e) => ({ value: e.id, label: e.name })),
          ]}
          onChange={setEntryId}
        />
        <SelectField<AuditType | ''>
          label={t('auditFilterType')}
          value={type}
          options={[
            { value: '', label: t('auditAllTypes') },
            ...AUDIT_TYPES.map((x) => ({ value: x, label: x })),
          ]}
          onChange={setType}
        />
        <TextField
          label={t('auditFrom')}
          type="date"
          value={from}
          onInput={setFrom}
          error={dateError || undefined}
        />
        <TextField label={t('auditTo')} type="date" value={to} onInput={setTo} />
      </div>
      <div class="actions">
        <button type="button" onClick={() => void verify()} disabled={busy}>
          {t('auditVerify')}
        </button>
        <button type="button" onClick={() => void load()}>
          {t('auditRefresh')}
        </button>
        <button type="button" onClick={() => exportAs('csv')} disabled={!events}>
          {t('auditExportCsv')}
        </button>
        <button type="button" onClick={() => exportAs('json')} disabled={!events}>
          {t('auditExportJson')}
        </button>
      </div>
      <div role="status" aria-live="polite" class="audit-verify">
        {report &&
          (report.ok ? (
            <p class="ok">{t('auditVerifyOk', report.checked)}</p>
          ) : (
            <p class="error">
              {t(
                'auditVerifyBroken',
                report.broken?.seq ?? 0,
                t(REASONS[report.broken?.reason ?? 'altered']),
              )}
            </p>
          ))}
        {report?.checkpoint && <p class="hint">{t('auditCheckpoint', report.checkpoint.dropped)}</p>}
        {full && (
          <p class="error" role="status">
            {t('auditFull')}
          </p>
        )}
      </div>
      <StatusLine error={failure} />
      {events && (
        <>
          <p class="hint">{t('auditShown', shown.length, events.length)}</p>
          {events.length === 0 ? (
            <p>{t('auditEmpty')}</p>
          ) : (
            <table class="audit-table">
              <caption class="visually-hidden">{t('auditHeading')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('auditColTime')}</th>
                  <th scope="col">{t('auditColEvent')}</th>
                  <th scope="col">{t('auditColKey')}</th>
                  <th scope="col">{t('auditColOrigin')}</th>
                  <th scope="col">{t('auditColDetail')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((e) => (
                  <tr key={e.seq}>
                    <td>{time.format(e.at)}</td>
                    <td>
                      <code>{e.type}</code>
                    </td>
                    <td>{e.entryId ? (names.get(e.entryId) ?? e.entryId.slice(0, 8)) : ''}</td>
                    <td>{[e.origin, e.host].filter(Boolean).join(' · ')}</td>
                    <td>
                      {e.detail ?? ''}
                      {e.count !== undefined && e.count > 1 && <span> ({t('auditCount', e.count)})</span>}
                      {e.late && <span class="hint"> ({t('auditLate')})</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </>
  );
}

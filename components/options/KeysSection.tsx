import { useId, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { DAY_MS, expiryStatus, rotationStatus } from '../../lib/rotation/schedule';
import type { Settings } from '../../lib/settings';
import type { EntrySummary } from '../../lib/vault/model';
import type { Send } from '../api';
import { describeError } from '../errors';
import { Dialog } from './Dialog';
import { AddEntryForm, EditEntryForm, environmentLabel } from './EntryForm';
import { StatusLine } from './fields';
import { formatDate } from './format';

interface Props {
  send: Send;
  /** null while the list loads. */
  entries: EntrySummary[] | null;
  settings: Settings;
  locale: string | undefined;
  now: () => number;
  onEntries: (update: (list: EntrySummary[]) => EntrySummary[]) => void;
  /** The section heading, focused when the control a dialog came from is gone. */
  headingRef: { current: HTMLElement | null };
}

/** The open dialog, and the button it was opened from (focus goes back there). */
type Open = { from: HTMLElement | null } & (
  | { kind: 'add' }
  | { kind: 'edit'; entry: EntrySummary }
  | { kind: 'delete'; entry: EntrySummary }
);

const source = (e: Event) => e.currentTarget as HTMLElement | null;

const STATE_ORDER = { active: 0, rotating: 1, retired: 2 } as const;

/** Live keys first, then by name in the user's language. */
export function sortEntries(list: EntrySummary[], locale?: string): EntrySummary[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true });
  return [...list].sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || collator.compare(a.name, b.name),
  );
}

/** The words for an entry's lifecycle state and its reminders, most urgent first. */
function stateBadges(
  e: EntrySummary,
  settings: Settings,
  now: number,
): Array<{ text: string; tone: string }> {
  if (e.state === 'retired') return [{ text: t('retired'), tone: 'muted' }];
  const badges: Array<{ text: string; tone: string }> = [];
  badges.push(
    e.state === 'rotating'
      ? { text: t('optStateRotating'), tone: 'warning' }
      : { text: t('optStateActive'), tone: 'ok' },
  );
  const facts = {
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
    rotateBy: e.rotateAfterDays === null ? null : e.createdAt + e.rotateAfterDays * DAY_MS,
  };
  const expiry = expiryStatus(facts, settings, now);
  if (expiry === 'expired') badges.push({ text: t('expired'), tone: 'error' });
  else if (expiry === 'soon') badges.push({ text: t('expiresSoon'), tone: 'warning' });
  const rotation = rotationStatus(facts, settings, now);
  if (rotation === 'overdue') badges.push({ text: t('rotationOverdue'), tone: 'error' });
  else if (rotation === 'due') badges.push({ text: t('rotationDue'), tone: 'warning' });
  else if (rotation === 'due-soon') badges.push({ text: t('rotationDueSoon'), tone: 'warning' });
  return badges;
}

/** The keys in the vault: a table with add, edit and delete. */
export function KeysSection(props: Props) {
  const { entries, settings, locale } = props;
  const [open, setOpen] = useState<Open | null>(null);
  const [status, setStatus] = useState('');
  const [deleteError, setDeleteError] = useState('');
  const [deleting, setDeleting] = useState(false);
  const addButton = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  const now = props.now();

  const close = () => {
    if (deleting) return;
    setOpen(null);
    setDeleteError('');
  };

  const confirmDelete = async (entry: EntrySummary) => {
    setDeleting(true);
    setDeleteError('');
    try {
      await props.send('entry.remove', { id: entry.id });
      props.onEntries((list) => list.filter((x) => x.id !== entry.id));
      setStatus(t('optDeleted', entry.name));
      setOpen(null);
    } catch (err) {
      setDeleteError(t('optErrDeleteFailed', describeError(err)));
    } finally {
      setDeleting(false);
    }
  };

  /** Starts a guided rotation and opens the key's DocBits page, where the checklist continues. */
  const rotate = async (entry: EntrySummary) => {
    try {
      const view = await props.send('rotation.start', { id: entry.id });
      setStatus(t('rotTitle', entry.name));
      window.open(`https://${view.host}/settings/integration`, '_blank', 'noopener');
    } catch (err) {
      setStatus(t('actionFailed', describeError(err)));
    }
  };

  return (
    <>
      <div class="toolbar">
        <button
          type="button"
          ref={addButton}
          onClick={(ev) => setOpen({ kind: 'add', from: source(ev) })}
          disabled={!entries}
        >
          {t('optAddKey')}
        </button>
        <StatusLine ok={status} />
      </div>
      <div class="table-wrap" aria-busy={entries === null}>
        <table>
          <caption class="visually-hidden">{t('optKeysCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('optColName')}</th>
              <th scope="col">{t('optColHost')}</th>
              <th scope="col">{t('optColEnvironment')}</th>
              <th scope="col">{t('optColPrefix')}</th>
              <th scope="col">{t('optColState')}</th>
              <th scope="col">{t('optColCreated')}</th>
              <th scope="col">{t('optColExpires')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('optColActions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries === null && (
              <tr class="placeholder-row">
                <td colSpan={8}>
                  <span role="status">{t('loading')}</span>
                </td>
              </tr>
            )}
            {entries?.length === 0 && (
              <tr class="placeholder-row">
                <td colSpan={8}>{t('optNoKeys')}</td>
              </tr>
            )}
            {entries?.map((e) => (
              <tr key={e.id} data-entry-id={e.id}>
                <th scope="row" class="name">
                  {e.name}
                </th>
                <td>
                  {e.host}
                  {e.orgId && <span class="sub">{e.orgId}</span>}
                </td>
                <td>{environmentLabel(e.environment)}</td>
                <td>{e.prefix ? <code>{e.prefix}</code> : <span class="muted">—</span>}</td>
                <td>
                  <ul class="opt-badges">
                    {stateBadges(e, settings, now).map((b) => (
                      <li key={b.text} class={`opt-badge ${b.tone}`}>
                        {b.text}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{formatDate(e.createdAt, locale)}</td>
                <td>{e.expiresAt === null ? t('optNever') : formatDate(e.expiresAt, locale)}</td>
                <td class="row-actions">
                  {e.state === 'active' && (
                    <button
                      type="button"
                      aria-label={t('rotRotateName', e.name)}
                      onClick={() => void rotate(e)}
                    >
                      {t('rotRotate')}
                    </button>
                  )}
                  <button
                    type="button"
                    aria-label={t('optEditNamed', e.name)}
                    onClick={(ev) => setOpen({ kind: 'edit', entry: e, from: source(ev) })}
                  >
                    {t('optEdit')}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    aria-label={t('optDeleteNamed', e.name)}
                    onClick={(ev) => setOpen({ kind: 'delete', entry: e, from: source(ev) })}
                  >
                    {t('optDelete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {open?.kind === 'add' && (
        <Dialog title={t('optAddKeyTitle')} onClose={close} returnFocus={open.from}>
          <AddEntryForm
            send={props.send}
            hosts={settings.docbitsHosts}
            defaultRotationDays={settings.rotationDays}
            now={props.now}
            onCancel={close}
            onAdded={(added) => {
              props.onEntries((list) => sortEntries([...list, added], locale));
              setStatus(t('optAdded', added.name));
              setOpen(null);
            }}
          />
        </Dialog>
      )}
      {open?.kind === 'edit' && (
        <Dialog
          title={t('optEditKeyTitle', open.entry.name)}
          onClose={close}
          returnFocus={open.from}
          fallbackFocus={() => props.headingRef.current}
        >
          <EditEntryForm
            send={props.send}
            entry={open.entry}
            defaultRotationDays={settings.rotationDays}
            onCancel={close}
            onSaved={(saved) => {
              props.onEntries((list) =>
                sortEntries(
                  list.map((x) => (x.id === saved.id ? saved : x)),
                  locale,
                ),
              );
              setStatus(t('optSaved', saved.name));
              setOpen(null);
            }}
          />
        </Dialog>
      )}
      {open?.kind === 'delete' && (
        <Dialog
          title={t('optDeleteTitle')}
          alert
          describedBy={questionId}
          onClose={close}
          returnFocus={open.from}
          fallbackFocus={() => props.headingRef.current ?? addButton.current}
        >
          <p id={questionId}>{t('optDeleteQuestion', open.entry.name)}</p>
          <p class="hint">{t('optDeleteExplain')}</p>
          {deleteError && (
            <p class="error" role="alert">
              {deleteError}
            </p>
          )}
          <div class="actions">
            <button type="button" data-autofocus onClick={close} disabled={deleting}>
              {t('cancel')}
            </button>
            <button
              type="button"
              class="danger-solid"
              onClick={() => void confirmDelete(open.entry)}
              disabled={deleting}
            >
              {t('optDeleteConfirm')}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/**
 * Reading DocBits' key table (current UI): one row per key, showing only the key's prefix.
 */
import { cellDate } from './dates';
import { fold, textOf } from './text';

/**
 * A row as the content script reads it: the date cells as shown (interpreting them needs Intl data and
 * month names, which is the background's job — the content script is size-budgeted).
 */
export interface KeyRowCells {
  row: HTMLElement;
  keyCell: HTMLElement;
  /** As shown, without the trailing `****`. */
  prefix: string;
  name: string;
  /** The Expires and Last used cells' text ('' when absent). */
  expires: string;
  lastUsed: string;
  status: 'active' | 'revoked' | 'unknown';
  /** The page's language as told by the table headers, when recognised. */
  lang: string | undefined;
}

export interface KeyRow {
  row: HTMLElement;
  keyCell: HTMLElement;
  /** As shown, without the trailing `****`. */
  prefix: string;
  name: string;
  /** Epoch ms (local midnight of the shown day); null = never expires; undefined = could not read. */
  expiresAt: number | null | undefined;
  /** Epoch ms; null = never used; undefined = could not read. */
  lastUsedAt: number | null | undefined;
  status: 'active' | 'revoked' | 'unknown';
}

type Column = 'name' | 'expires' | 'lastUsed' | 'status';

/** Header texts (folded) in six languages; a column whose header is not recognised keeps its usual position. */
const HEADERS: Array<[Column, RegExp]> = [
  ['name', /^(?:name|naam|nom|nombre|nome)$/],
  ['expires', /expir|lauft|verloop|caduc|scaden/],
  ['lastUsed', /last|zuletzt|laatst|derni|ultim/],
  ['status', /^(?:status|statut|estado|stato)$/],
];
/** The page's language, told by the table's headers (Intl then reads its dates). */
const LANG_HINTS: Array<[string, RegExp]> = [
  ['de', /schlussel|lauft|zuletzt/],
  ['nl', /sleutel|verloopt|laatst/],
  ['fr', /\bcle\b|statut|derniere/],
  ['es', /clave|caduca/],
  ['it', /chiave|scadenza/],
  ['en', /\bkey\b|expires|last used/],
];

interface Layout {
  cols: Record<Column, number>;
  lang: string | undefined;
}

/** Column positions and language from the header row of the table holding `row` (relative to the key column). */
function layoutOf(row: HTMLElement, keyIndex: number): Layout {
  const table = row.closest('table, [role=table], [role=grid]');
  const head = table?.querySelector('thead tr') ?? table?.querySelector('[role=columnheader]')?.parentElement;
  const heads = [...(head?.children ?? [])].map((h) => fold(textOf(h)));
  const cols: Record<Column, number> = {
    name: keyIndex + 1,
    expires: keyIndex + 2,
    lastUsed: keyIndex + 3,
    status: keyIndex + 4,
  };
  for (const [col, re] of HEADERS) {
    const i = heads.findIndex((h) => re.test(h));
    if (i >= 0) cols[col] = i;
  }
  const all = heads.join(' ');
  return { cols, lang: LANG_HINTS.find(([, re]) => re.test(all))?.[0] };
}

function statusIn(row: HTMLElement, cell: Element | undefined): KeyRow['status'] {
  const badge = cell?.querySelector('[role=status]');
  const t = fold(badge?.getAttribute('aria-label') || textOf(badge ?? cell));
  if (/revo|widerruf|ingetrok/.test(t) || row.classList.contains('api-key-row--revoked')) return 'revoked';
  return /^(?:activ|aktiv|actief|attiv)/.test(t) ? 'active' : 'unknown';
}

/**
 * Every row of DocBits' key table under `root`: rows are found by their `code.key-prefix`, columns by the
 * header texts (six languages) or else by their usual order (Key, Name, Expires, Last used, Status).
 */
export function readKeyCells(root: ParentNode): KeyRowCells[] {
  const out: KeyRowCells[] = [];
  const layouts = new Map<Element, Layout>();
  for (const code of root.querySelectorAll('code.key-prefix')) {
    const row = code.closest<HTMLElement>('tr, [role=row]');
    const cells = row ? [...row.children] : [];
    const keyIndex = cells.findIndex((c) => c.contains(code));
    const keyCell = cells[keyIndex] as HTMLElement | undefined;
    if (!row || !keyCell) continue;
    const parent = row.parentElement ?? row;
    const layout = layouts.get(parent) ?? layoutOf(row, keyIndex);
    layouts.set(parent, layout);
    const { cols, lang } = layout;
    const nameCell = cells[cols.name];
    out.push({
      row,
      keyCell,
      prefix: textOf(code).replace(/\*+$/, ''),
      name: textOf(nameCell?.firstElementChild) || textOf(nameCell),
      expires: textOf(cells[cols.expires]),
      lastUsed: textOf(cells[cols.lastUsed]),
      status: statusIn(row, cells[cols.status]),
      lang,
    });
  }
  return out;
}

/** {@link readKeyCells} with the dates interpreted (see `cellDate`). */
export function readKeyTable(root: ParentNode): KeyRow[] {
  return readKeyCells(root).map(({ expires, lastUsed, lang, ...rest }) => ({
    ...rest,
    expiresAt: cellDate(expires, lang),
    lastUsedAt: cellDate(lastUsed, lang),
  }));
}

/**
 * Reading DocBits' key table (current UI): one row per key, showing only the key's prefix.
 */
import { cellDate } from './dates';
import { fold, langOf, meaningOf, textOf } from './text';

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

const ROW = 'tr,[role=row]';
const CELLS = 'td,th,[role=cell],[role=gridcell],[role=rowheader],[role=columnheader]';

/** The cells of a table or ARIA-grid row (not of a table nested in it); its children where none are marked. */
function cellsOf(row: Element): Element[] {
  const cells = [...row.querySelectorAll(CELLS)].filter((c) => c.closest(ROW) === row);
  return cells.length > 0 ? cells : [...row.children];
}

interface Layout {
  cols: Record<Column, number>;
  lang: string | undefined;
}

/**
 * Column positions (by the header texts' meaning, six languages and synonyms; a column not recognised keeps
 * its usual place after the key) and the page's language, from the header row of the table or grid holding
 * `row`.
 */
function layoutOf(row: HTMLElement, keyIndex: number): Layout {
  const table = row.closest('table,[role=table],[role=grid],[role=treegrid]');
  const head =
    table?.querySelector('thead tr') ?? table?.querySelector('[role=columnheader],th')?.closest(ROW);
  const heads = head ? cellsOf(head).map((h) => fold(textOf(h))) : [];
  const cols: Record<Column, number> = {
    name: keyIndex + 1,
    expires: keyIndex + 2,
    lastUsed: keyIndex + 3,
    status: keyIndex + 4,
  };
  const taken = new Set<Column>();
  heads.forEach((h, i) => {
    const m = meaningOf(h);
    if (m && m !== 'description' && !taken.has(m) && i !== keyIndex) {
      cols[m] = i;
      taken.add(m);
    }
  });
  return { cols, lang: langOf(heads.join(' ')) };
}

function statusIn(row: HTMLElement, cell: Element | undefined): KeyRow['status'] {
  const badge = cell?.querySelector('[role=status]');
  const t = fold(badge?.getAttribute('aria-label') || textOf(badge ?? cell));
  if (/revo|widerruf|ingetrok/.test(t) || row.classList.contains('api-key-row--revoked')) return 'revoked';
  return /^(?:acti[fv]|aktiv|actief|attiv)/.test(t) ? 'active' : 'unknown';
}

/**
 * Every row of DocBits' key table under `root` — a `<table>` or an ARIA table/grid (role=row, cell,
 * gridcell, columnheader): rows are found by their `code.key-prefix`, columns by the header texts' meaning
 * (six languages) or else by their usual order (Key, Name, Expires, Last used, Status).
 */
export function readKeyCells(root: ParentNode): KeyRowCells[] {
  const out: KeyRowCells[] = [];
  const layouts = new Map<Element, Layout>();
  for (const code of root.querySelectorAll('code.key-prefix')) {
    const row = code.closest<HTMLElement>(ROW);
    const cells = row ? cellsOf(row) : [];
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

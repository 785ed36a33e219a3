/**
 * The DocBits page, kept in step with KeyGuard: controls next to every full key, a mark on every key-table
 * row, and the table's facts sent to the background whenever they change. DOM access is through the
 * document passed in; rendering is through the mount functions passed in (Preact, in closed shadow roots).
 *
 * The `lib/page/` area: everything that runs on the DocBits page (reading, masking, watching, the
 * controls' placement rules). It ships in the size-budgeted content script, so it imports only itself and the
 * shared files at `lib/` root, and other areas by type only (docs/architecture.md).
 */

import type { MessageType, PayloadOf, ReplyOf, RowMatch, RowsReply } from '../messages';
import { type FullKeySite, findFullKeys, readOrgId } from './detect';
import { setRevealed } from './mask';
import { observePage } from './observe';
import { type KeyRowCells, readKeyCells } from './table';

export interface Mounted {
  host: HTMLElement;
  unmount(): void;
}

export interface ControllerDeps {
  doc: Document;
  send: <T extends MessageType>(type: T, payload: PayloadOf<T>) => Promise<ReplyOf<T>>;
  mountKeyControls(site: FullKeySite): Mounted;
  mountRowBadge(row: KeyRowCells, match: RowMatch): Mounted;
  /** The rotation checklist and hygiene banner, placed before the key table (`anchor`). */
  mountPanel?(anchor: Element, reply: RowsReply): Mounted;
  /** After every reply and page change: e.g. suggest the rotated key's name in an open create dialog. */
  onReply?(reply: RowsReply): void;
  MutationObserver?: typeof MutationObserver;
}

interface RowMount {
  mounted: Mounted;
  signature: string;
}

const rowFacts = ({ prefix, name, status, expires, lastUsed }: KeyRowCells) => ({
  prefix,
  name,
  status,
  expires,
  lastUsed,
});

export function startPageController(deps: ControllerDeps) {
  const { doc } = deps;
  const sites = new Map<HTMLElement, Mounted>();
  const rows = new Map<HTMLElement, RowMount>();
  let matches = new Map<string, RowMatch>();
  let sentSignature = '';
  let sending = 0;
  let lastReply: RowsReply | null = null;
  let panel: { mounted: Mounted; signature: string } | null = null;

  /** Keeps the panel in step with the last reply; remounts it when DocBits re-rendered it away. */
  function syncPanel(tableRows: KeyRowCells[]): void {
    if (!deps.mountPanel || !lastReply) return;
    const { rotations = [], hygiene = [] } = lastReply;
    // DocBits' card, else the table or grid the key rows are in (a restyled page may lose the class)
    const anchor =
      doc.querySelector('.api-keys-card') ??
      tableRows[0]?.row.closest('table,[role=table],[role=grid],[role=treegrid]') ??
      null;
    const signature = JSON.stringify([rotations, hygiene]);
    const fresh =
      panel?.signature === signature &&
      panel.mounted.host.isConnected &&
      panel.mounted.host.nextElementSibling === anchor;
    if (fresh) return;
    panel?.mounted.unmount();
    panel = null;
    if (!anchor || (rotations.length === 0 && hygiene.length === 0)) return;
    panel = { mounted: deps.mountPanel(anchor, lastReply), signature };
  }

  function syncSites(): void {
    const found = findFullKeys(doc, doc.location?.pathname ?? '');
    const live = new Set(found.map((s) => s.element));
    for (const [el, m] of sites) {
      // (found elements are connected; one taken off the page goes back masked should it return)
      if (!live.has(el) || !m.host.isConnected) {
        m.unmount();
        sites.delete(el);
        setRevealed(el, false);
      }
    }
    for (const site of found) {
      if (!sites.has(site.element)) sites.set(site.element, deps.mountKeyControls(site));
    }
  }

  function annotate(tableRows: KeyRowCells[]): void {
    const live = new Set(tableRows.map((r) => r.row));
    for (const [row, m] of rows) {
      if (!live.has(row) || !m.mounted.host.isConnected) {
        m.mounted.unmount();
        rows.delete(row);
      }
    }
    for (const r of tableRows) {
      const match = matches.get(r.prefix);
      if (!match) continue;
      const signature = JSON.stringify(match);
      const existing = rows.get(r.row);
      if (existing?.signature === signature) continue;
      existing?.mounted.unmount();
      rows.set(r.row, { mounted: deps.mountRowBadge(r, match), signature });
    }
  }

  async function syncRows(force = false): Promise<void> {
    const tableRows = readKeyCells(doc);
    annotate(tableRows);
    syncPanel(tableRows);
    if (lastReply) deps.onReply?.(lastReply);
    if (tableRows.length === 0) return;
    const lang = tableRows[0]?.lang;
    const payload = {
      orgId: readOrgId(doc),
      ...(lang ? { lang } : {}),
      rows: tableRows.slice(0, 500).map(rowFacts),
    };
    const signature = JSON.stringify(payload);
    if (!force && signature === sentSignature) return;
    sentSignature = signature;
    const seq = ++sending;
    try {
      const reply = await deps.send('page.rows', payload);
      if (seq !== sending) return; // a newer request is on its way
      matches = new Map(reply.rows.map((m) => [m.prefix, m]));
      lastReply = reply;
      const fresh = readKeyCells(doc);
      annotate(fresh);
      syncPanel(fresh);
      deps.onReply?.(reply);
    } catch {
      // The extension may be reloading; the next change retries.
      sentSignature = '';
    }
  }

  const refresh = (force = false) => {
    syncSites();
    void syncRows(force);
  };
  const disconnect = observePage(doc, () => refresh(), { MutationObserver: deps.MutationObserver });

  return {
    /** Re-reads the page; `force` re-asks the background even if the table did not change. */
    refresh,
    /** Removes every KeyGuard control and mark; revealed keys go back to masked until the style goes. */
    stop(): void {
      disconnect();
      for (const [el, m] of sites) {
        m.unmount();
        setRevealed(el, false);
      }
      for (const m of rows.values()) m.mounted.unmount();
      panel?.mounted.unmount();
      panel = null;
      sites.clear();
      rows.clear();
    },
  };
}

/**
 * Watching the DocBits single-page app. One MutationObserver on the whole document: its callback runs as a
 * microtask — before the browser paints — so a key the fallback recognises is marked (and so masked by
 * MASK_CSS) before it is first shown. Off the integration page it only compares the path, and watches
 * child lists only.
 *
 * A busy page should not pay for it (design.md, "Performance budgets"). The browser building and handing
 * over one record per change is a floor no callback can lower; beyond it, in a content script each node a
 * callback touches gets a wrapper of its own, which costs more than most page changes. So the callback
 * reads only each record's target: per batch it looks into each distinct target once, for elements not
 * seen before, and looks again at a candidate whose own text or value changed; it never asks for added or
 * removed nodes, nor walks up from each change. Removals are noticed on the few nodes that matter (keys
 * with controls, the controls, the key tables); changes inside the key tables by a second observer, on
 * the tables only. The caller is called only when something it reads changed, not for every change.
 */
import { CANDIDATES, markFallback } from './detect';
import { isIntegrationPath } from './hosts';
import { LEGACY_SELECTOR, MASK_ATTR, SHOW_ONCE_SELECTOR, UI_ATTR } from './mask';

/** What the caller needs to hear of when it appears, besides a fallback key. */
const PARTS = `.api-keys-card,.key-display,code.key-prefix,${SHOW_ONCE_SELECTOR},${LEGACY_SELECTOR}`;
const WATCH = `${CANDIDATES},${PARTS}`;
/** Keys and KeyGuard's controls, whose removal the caller needs to hear of. */
const SITES = `${SHOW_ONCE_SELECTOR},${LEGACY_SELECTOR},[${MASK_ATTR}],[${UI_ATTR}]`;

const ALL = { childList: true, subtree: true };
const TEXT = { ...ALL, characterData: true };

/**
 * Calls `onChange` (coalesced: at most once per animation frame, before it is painted; once per microtask
 * where there are no frames) after the integration page changed in a way that can matter — a candidate
 * field, key table, show-once box or legacy field added; a key, KeyGuard's controls or a key table
 * removed; a fallback mark set or cleared; anything but KeyGuard's own nodes changed inside a key table —
 * and when the app navigates onto or away from the integration page. Returns the function that
 * disconnects it.
 */
export function observePage(
  doc: Document,
  onChange: () => void,
  MO: typeof MutationObserver = MutationObserver,
): () => void {
  let path: string | undefined;
  let active = false;
  let pending = false;
  let changed = false;
  /** Elements matching WATCH already looked at. */
  const known = new WeakSet<Element>();
  /** The nodes whose removal matters. */
  let tracked: Element[] = [];
  const win = doc.defaultView;

  const run = () => {
    pending = false;
    onChange();
    // Watch the key tables now on the page (forgetting KeyGuard's own changes just made), and track them
    // and the keys and controls outside them.
    tables.takeRecords();
    tables.disconnect();
    // one taken off the page is news again when it comes back (a kept-alive panel)
    for (const n of tracked) if (!n.isConnected) known.delete(n);
    tracked = [];
    if (!active) return;
    for (const el of doc.querySelectorAll('.api-keys-card,code.key-prefix')) {
      const scope = el.closest('.api-keys-card,table,[role=table],[role=grid]') ?? el.parentElement;
      if (!scope || tracked.includes(scope)) continue;
      tracked.push(scope);
      tables.observe(scope, { ...TEXT, attributeFilter: ['class', 'aria-label'] });
    }
    const scopes = [...tracked];
    for (const el of doc.querySelectorAll(SITES)) if (!scopes.some((s) => s.contains(el))) tracked.push(el);
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    if (win?.requestAnimationFrame) win.requestAnimationFrame(run);
    else queueMicrotask(run);
  };

  /** Looks at a candidate (again); a mark set or cleared is news to the caller. */
  const check = (el: Element) => {
    if (el.hasAttribute(MASK_ATTR) !== markFallback(el as HTMLElement)) changed = true;
  };
  const fresh = (el: Element) => {
    known.add(el);
    if (el.matches(PARTS)) {
      changed = true;
      if (!el.matches(CANDIDATES)) return;
    }
    check(el);
  };

  const onBatch = (records: MutationRecord[]) => {
    const p = doc.location?.pathname ?? '';
    if (p !== path) {
      path = p;
      const was = active;
      active = isIntegrationPath(p);
      mo.observe(doc, active ? { ...TEXT, attributeFilter: ['value'] } : ALL);
      if (active) for (const el of doc.querySelectorAll(WATCH)) fresh(el);
      if (active || was) schedule();
      return;
    }
    if (!active) return;
    changed = false;
    const targets = new Set<Node>();
    for (const r of records) targets.add(r.target);
    for (const t of targets) {
      // its children, text or value changed (a text node: its element's text)
      const el = t.nodeType === 1 ? (t as Element) : t.parentElement;
      if (el?.matches(CANDIDATES)) check(el);
      if ((t as ParentNode).firstElementChild) {
        for (const el of (t as ParentNode).querySelectorAll(WATCH)) if (!known.has(el)) fresh(el);
      }
    }
    if (changed || tracked.some((n) => !n.isConnected)) schedule();
  };
  const mo = new MO(onBatch);
  // Inside the key tables, any change (KeyGuard's own marks, mounted after the background answered, cost
  // one more look that finds nothing to do).
  const tables = new MO(() => schedule());

  onBatch([]);
  return () => {
    mo.disconnect();
    tables.disconnect();
  };
}

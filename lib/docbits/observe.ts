/**
 * Watching the DocBits single-page app: one MutationObserver for the whole document. Its callback runs as
 * a microtask — before the browser paints — so a key the fallback recognises is marked (and so masked by
 * MASK_CSS) before it is first shown. Off the integration page it does nothing but compare the path.
 */
import { CANDIDATES, markFallback, markFallbacks } from './detect';
import { isIntegrationPath } from './hosts';
import { UI_ATTR } from './mask';

/** Where a text or attribute change can matter to the caller (table, show-once box, dialogs). */
const RELEVANT = '.api-keys-card,.key-display,[role=dialog]';

/**
 * Calls `onChange` (coalesced: at most once per animation frame, before it is painted; once per microtask
 * where there are no frames) after the DOM of the integration page changed in a way that can matter — an
 * element added or removed, a text or `value`/`class` change in a candidate field, the key table, the
 * show-once box or a dialog — and when the app navigates onto or away from the integration page. Nodes
 * carrying UI_ATTR (KeyGuard's own) are ignored. Returns the function that disconnects it.
 */
export function observePage(
  doc: Document,
  onChange: () => void,
  MO: typeof MutationObserver = MutationObserver,
): () => void {
  let path: string | undefined;
  let active = false;
  let pending = false;
  const win = doc.defaultView;
  const run = () => {
    pending = false;
    onChange();
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    if (win?.requestAnimationFrame) win.requestAnimationFrame(run);
    else queueMicrotask(run);
  };
  const foreign = (n: Node) => n.nodeType === 1 && !(n as Element).hasAttribute(UI_ATTR);

  const onBatch = (records: MutationRecord[]) => {
    const p = doc.location?.pathname ?? '';
    if (p !== path) {
      path = p;
      const was = active;
      active = isIntegrationPath(p);
      if (active) markFallbacks(doc);
      if (active || was) schedule();
    }
    if (!active) return;
    let changed = false;
    for (const r of records) {
      if (r.type === 'childList') {
        for (const n of r.addedNodes) {
          if (foreign(n)) {
            changed = true;
            markFallbacks(n as Element);
          }
        }
        if (!changed) for (const n of r.removedNodes) changed ||= foreign(n);
      }
      const el = r.target.nodeType === 1 ? (r.target as Element) : r.target.parentElement;
      if (!el || el.hasAttribute(UI_ATTR)) continue;
      if (el.matches(CANDIDATES)) {
        markFallback(el as HTMLElement);
        changed = true;
      } else if (!changed && el.closest(RELEVANT)) changed = true;
    }
    if (changed) schedule();
  };

  const mo = new MO(onBatch);
  mo.observe(doc, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['value', 'class'],
  });
  onBatch([]);
  return () => mo.disconnect();
}

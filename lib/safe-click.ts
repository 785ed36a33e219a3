/**
 * Injected controls act only on a click the user really made on them, while they are visible: a page
 * script cannot click for the user (isTrusted), cover the control with something that looks different
 * (hit test at the click point), or make the page see-through to trick the user into clicking.
 */

/** Below this combined opacity of the control and its ancestors, the control counts as hidden. */
export const MIN_OPACITY = 0.5;

export type Refusal = 'untrusted' | 'covered' | 'transparent';

/**
 * Why an activation of the control hosted by `host` must be refused, or null when it may proceed.
 * Keyboard activation (detail 0, no pointer position) is hit-tested at the host's centre.
 */
export function checkActivation(e: MouseEvent, host: Element, win: Window): Refusal | null {
  if (!e.isTrusted) return 'untrusted';
  const doc = host.ownerDocument;
  let x = e.clientX;
  let y = e.clientY;
  if (e.detail === 0) {
    const r = host.getBoundingClientRect();
    x = r.left + r.width / 2;
    y = r.top + r.height / 2;
  }
  // From the document's point of view anything inside our closed shadow root is the host itself.
  const top = doc.elementFromPoint(x, y);
  if (top !== host) return 'covered';
  let opacity = 1;
  for (let el: Element | null = host; el; el = el.parentElement) {
    const style = win.getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return 'transparent';
    const own = Number.parseFloat(style.opacity);
    opacity *= Number.isNaN(own) ? 1 : own;
    if (opacity < MIN_OPACITY) return 'transparent';
  }
  return null;
}

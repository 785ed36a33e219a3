import { type ComponentChild, render } from 'preact';
import { type Float, floatOver } from './float';
import { PAGE_UI_CSS } from './styles';

/** Per shadow root: the top-layer wrapper the UI renders into, and what keeps it over the host. */
const wrappers = new WeakMap<ShadowRoot, { pop: HTMLElement; float: Float }>();

/**
 * Renders `ui` with KeyGuard's page styles into a closed shadow root the page part made (lib/page/ui-loader.ts):
 * into a `popover="manual"` wrapper shown in the top layer over the host (float.ts).
 */
export function renderInShadow(root: ShadowRoot, ui: ComponentChild): void {
  let w = wrappers.get(root);
  if (!w) {
    const doc = root.ownerDocument;
    const style = doc.createElement('style');
    style.textContent = PAGE_UI_CSS;
    const pop = doc.createElement('div');
    pop.className = 'w';
    pop.setAttribute('popover', 'manual');
    root.append(style, pop);
    w = { pop, float: floatOver(root.host as HTMLElement, pop, doc.defaultView as Window) };
    wrappers.set(root, w);
  }
  render(ui, w.pop);
}

/** Unmounts what {@link renderInShadow} rendered, and takes the wrapper out of the top layer. */
export function clearShadow(root: ShadowRoot): void {
  const w = wrappers.get(root);
  if (!w) return;
  render(null, w.pop);
  w.float.stop();
  wrappers.delete(root);
  root.replaceChildren();
}

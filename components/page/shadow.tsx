import { type ComponentChild, render } from 'preact';
import { PAGE_UI_CSS } from './styles';

/** Renders `ui` with KeyGuard's page styles into a closed shadow root the page part made (lib/page-ui.ts). */
export function renderInShadow(root: ShadowRoot, ui: ComponentChild): void {
  if (!root.firstChild) {
    const style = root.ownerDocument.createElement('style');
    style.textContent = PAGE_UI_CSS;
    root.append(style);
  }
  render(ui, root);
}

/** Unmounts what {@link renderInShadow} rendered. */
export function clearShadow(root: ShadowRoot): void {
  render(null, root);
}

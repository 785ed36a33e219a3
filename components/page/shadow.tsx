import { type ComponentChild, render } from 'preact';
import { PAGE_UI_CSS } from './styles';

export interface Mounted {
  host: HTMLElement;
  unmount(): void;
}

/**
 * Renders `ui(host)` into a CLOSED shadow root on a new host element placed after (or inside) `anchor`.
 * The page can see the host but not into it; `data-keyguard-ui` lets KeyGuard find its own hosts again.
 */
export function mountInShadow(
  anchor: Element,
  where: 'after' | 'append' | 'before',
  ui: (host: HTMLElement) => ComponentChild,
): Mounted {
  const doc = anchor.ownerDocument;
  const host = doc.createElement('span');
  host.setAttribute('data-keyguard-ui', '');
  const root = host.attachShadow({ mode: 'closed' });
  const style = doc.createElement('style');
  style.textContent = PAGE_UI_CSS;
  root.append(style);
  if (where === 'after') anchor.after(host);
  else if (where === 'before') anchor.before(host);
  else anchor.append(host);
  render(ui(host), root);
  return {
    host,
    unmount() {
      render(null, root);
      host.remove();
    },
  };
}

/**
 * The leak guard's warning: a modal dialog in a CLOSED shadow root on the page, built with DOM calls and
 * textContent only (page text never becomes markup; the key itself is never shown). Cancel is the default
 * and has the focus; Escape cancels; only trusted clicks and keys count, so the page cannot press
 * "Paste anyway" for the user. "Paste anyway" also has to be seen to be pressed: it is armed only after
 * {@link ARM_MS} (a click meant for the page a moment before the dialog appeared does not land on it), and
 * a click on it is refused like any injected control's when the dialog is covered at that point, made
 * (nearly) invisible, or (Chromium) has not been seen unobscured for a while — a click-through decoy drawn
 * over it (lib/page/safe-click.ts); the dialog then says so. Plain DOM rather than Preact: the guard runs on
 * every page. The dialog is shown in the top layer (a manual popover), like the DocBits page's controls.
 */
import { checkActivation, type Refusal, UNGUARDED_ATTR, watchVisibility } from '../../lib/page/safe-click';

/** How long "Paste anyway" stays disabled after the warning appears. */
export const ARM_MS = 700;

export interface WarningText {
  title: string;
  lines: string[];
  cancel: string;
  pasteAnyway: string;
  /** Said in the dialog when a click on "Paste anyway" was refused (covered, see-through, synthetic). */
  refused: string;
}

const CSS = `
:host { all: initial !important; display: block !important; position: fixed !important; inset: 0 !important;
  pointer-events: none !important; }
.backdrop { all: initial; position: fixed; inset: 0; margin: 0; border: 0; padding: 0; width: auto; height: auto;
  max-width: none; max-height: none; overflow: auto; background: rgba(0,0,0,.45); pointer-events: auto;
  display: flex; align-items: center; justify-content: center; font: 14px/1.45 system-ui, sans-serif; }
.backdrop:not(:popover-open), .backdrop::backdrop { display: none; }
.dialog { background: #fff; color: #1b1b1b; max-width: 440px; margin: 16px; padding: 18px 20px; border-radius: 8px;
  border-top: 6px solid #b45309; box-shadow: 0 10px 30px rgba(0,0,0,.35); }
h2 { font-size: 16px; margin: 0 0 8px; }
p { margin: 0 0 8px; }
p[role="status"] { font-weight: 600; }
p[role="status"]:empty { margin: 0; }
.buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 12px; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #6b7280; background: #f3f4f6; color: #111;
  cursor: pointer; }
button:disabled, button[aria-disabled="true"] { cursor: not-allowed; border-style: dashed; }
button.primary { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
@media (prefers-color-scheme: dark) {
  .dialog { background: #1f2937; color: #f3f4f6; }
  button { background: #374151; color: #f9fafb; border-color: #9ca3af; }
}`;

/**
 * The page's guard for "Paste anyway": the hit and opacity test, and — where the browser can tell — the
 * button must have been seen unobscured for a while (IntersectionObserver v2, lib/page/safe-click.ts), which is
 * what catches a click-through decoy drawn over the dialog. Watches `root` until the returned `stop`.
 */
function pageGuard(doc: Document, root: ShadowRoot) {
  const win = doc.defaultView as Window;
  const watch = watchVisibility(root, win);
  return {
    guard: (e: MouseEvent, host: Element) => checkActivation(e, host, win, watch),
    stop: () => watch.disconnect(),
  };
}

/**
 * Shows the warning; resolves true for "Paste anyway", false for Cancel (or Escape). `guard` decides
 * whether a click on "Paste anyway" counts (tests pass their own; the page uses {@link pageGuard}).
 */
export function showWarning(
  doc: Document,
  text: WarningText,
  guard?: (e: MouseEvent, host: Element) => Refusal | null,
): Promise<boolean> {
  const host = doc.createElement('keyguard-guard');
  const root = host.attachShadow({ mode: 'closed' });
  const style = doc.createElement('style');
  style.textContent = CSS;
  // In the top layer (a manual popover): nothing the page paints in its own stacking order is above it, so
  // a page's transparent full-viewport layers do not hide it from IntersectionObserver v2; a decoy that
  // really paints over it must be a top-layer element opened after it, which IntersectionObserver v2 sees.
  const backdrop = doc.createElement('div');
  backdrop.className = 'backdrop';
  backdrop.setAttribute('popover', 'manual');
  const dialog = doc.createElement('div');
  dialog.className = 'dialog';
  dialog.setAttribute('role', 'alertdialog');
  dialog.setAttribute('aria-modal', 'true');
  const title = doc.createElement('h2');
  title.id = 'kg-title';
  title.textContent = text.title;
  dialog.setAttribute('aria-labelledby', 'kg-title');
  dialog.setAttribute('aria-describedby', 'kg-body');
  const body = doc.createElement('div');
  body.id = 'kg-body';
  for (const line of text.lines) {
    const p = doc.createElement('p');
    p.textContent = line;
    body.append(p);
  }
  // Empty until a click on "Paste anyway" is refused: then the user is told why nothing happened.
  const status = doc.createElement('p');
  status.setAttribute('role', 'status');
  const buttons = doc.createElement('div');
  buttons.className = 'buttons';
  const anyway = doc.createElement('button');
  anyway.type = 'button';
  anyway.textContent = text.pasteAnyway;
  anyway.disabled = true;
  doc.defaultView?.setTimeout(() => {
    anyway.disabled = false;
  }, ARM_MS);
  const cancel = doc.createElement('button');
  cancel.type = 'button';
  cancel.className = 'primary';
  // Cancel is never refused: not watched, so it is never shown as waiting to be armed.
  cancel.setAttribute(UNGUARDED_ATTR, '');
  cancel.textContent = text.cancel;
  buttons.append(anyway, cancel);
  dialog.append(title, body, status, buttons);
  backdrop.append(dialog);
  root.append(style, backdrop);
  (doc.body ?? doc.documentElement).append(host);
  try {
    backdrop.showPopover();
  } catch {
    // No Popover API (older browsers): the host's fixed box still holds the dialog, in the page's order.
  }
  cancel.focus();
  const own = guard ? null : pageGuard(doc, root);
  const check = guard ?? (own as ReturnType<typeof pageGuard>).guard;

  return new Promise((resolve) => {
    const done = (pasteAnyway: boolean) => {
      own?.stop();
      host.remove();
      resolve(pasteAnyway);
    };
    cancel.addEventListener('click', (e) => {
      if (e.isTrusted) done(false);
    });
    anyway.addEventListener('click', (e) => {
      if (anyway.disabled) return;
      if (e.isTrusted && check(e, host) === null) done(true);
      else status.textContent = text.refused;
    });
    dialog.addEventListener('keydown', (e) => {
      if (!e.isTrusted) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        done(false);
      } else if (e.key === 'Tab') {
        // Keep the focus inside the dialog.
        e.preventDefault();
        (root.activeElement === cancel ? anyway : cancel).focus();
      }
    });
  });
}

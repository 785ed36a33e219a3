/**
 * The DocBits page script in two parts. The part injected at `document_start` into every DocBits page
 * (entrypoints/docbits.content) is small: it masks, detects and reads the page. KeyGuard's controls —
 * Preact and its components — are a second script (entrypoints/docbits-ui.ts) that the background injects
 * into the same tab and frame only once the page has a key or a key table to put them on. Both run in the
 * extension's isolated world and meet there through one global: the page's own scripts cannot see it.
 *
 * The placeholder for a control (a host element with a CLOSED shadow root) is made at once by the first
 * part, so the page never waits for it and the controller's bookkeeping stays synchronous; the control is
 * rendered into it when the second part has arrived.
 */

import type { MessageType, PayloadOf, ReplyOf, RotationView, RowMatch } from '../messages';
import type { Finding } from '../rotation/hygiene';
import type { Environment } from './hosts';

/** The isolated world's meeting point (not visible to the page, which has a world of its own). */
export const PAGE_UI_GLOBAL = '__keyguardPageUi';

export type PageSend = <T extends MessageType>(type: T, payload: PayloadOf<T>) => Promise<ReplyOf<T>>;

/** What "Save to KeyGuard" starts from: the create dialog's values and the page's organisation. */
export interface Prefill {
  name?: string | undefined;
  description?: string | undefined;
  expiresAt?: number | null | undefined;
  orgId: string | null;
  /** From the page's host (production on app.docbits.com). */
  environment: Environment;
  /** The fields KeyGuard could not read from the page (the save form names them). */
  unread?: PrefillField[] | undefined;
}

/** A save-form field that may not have been prefilled. */
export type PrefillField = 'name' | 'description' | 'expiresAt' | 'orgId';

/** What the controls next to a full key need from the page part. */
export interface KeyControlsInput {
  send: PageSend;
  /** The key as the page shows it right now ('' while it is still loading). */
  readKey: () => string;
  setRevealed: (on: boolean) => void;
  prefill: () => Prefill;
  /** Subscribes to "the vault was unlocked"; returns the unsubscribe function. */
  onUnlocked: (cb: () => void) => () => void;
}

/** What a key-table row's mark needs. */
export interface RowBadgeInput {
  match: RowMatch;
  send: PageSend;
  now: number;
  /** Starts a guided rotation of this entry (the page then shows its checklist). */
  onRotate?: (id: string) => Promise<void>;
}

/** What the panel above the key table (rotation checklists, hygiene banner) needs. */
export interface GuidePanelInput {
  rotations: RotationView[];
  hygiene: Finding[];
  send: PageSend;
  /** Puts the suggested name into DocBits' create dialog, if it is open. */
  fillName: (name: string) => boolean;
  /** Re-reads the page after a rotation was started or cancelled. */
  changed: () => void;
}

/** The second part, as it registers itself. */
export interface PageUi {
  keyControls(root: ShadowRoot, host: HTMLElement, input: KeyControlsInput): void;
  rowBadge(root: ShadowRoot, host: HTMLElement, input: RowBadgeInput): void;
  guidePanel(root: ShadowRoot, host: HTMLElement, input: GuidePanelInput): void;
  /** Unmounts whatever was rendered into `root`. */
  clear(root: ShadowRoot): void;
}

type Meeting = Record<string, unknown>;

/**
 * What is at the meeting point, if KeyGuard put it there: only an own property counts — the page can make
 * `window.__keyguardPageUi` name one of its elements (an element with that id), but never an own property
 * of this world's global.
 */
function atMeeting(meeting: Meeting): unknown {
  return Object.hasOwn(meeting, PAGE_UI_GLOBAL) ? meeting[PAGE_UI_GLOBAL] : undefined;
}

/**
 * Page part: returns a loader that asks for the UI once (`inject` makes the background inject the second
 * script) and resolves when it has registered itself. A failed injection (extension reloading) may be
 * retried by the next call.
 */
export function pageUiLoader(global: object, inject: () => Promise<unknown>): () => Promise<PageUi> {
  let loading: Promise<PageUi> | null = null;
  return () => {
    loading ??= new Promise<PageUi>((resolve, reject) => {
      const meeting = global as Meeting;
      const present = atMeeting(meeting);
      if (typeof (present as PageUi | undefined)?.keyControls === 'function')
        return resolve(present as PageUi);
      meeting[PAGE_UI_GLOBAL] = (ui: PageUi) => resolve(ui);
      inject().catch((e: unknown) => {
        loading = null;
        reject(e);
      });
    });
    return loading;
  };
}

/** UI part: hands `ui` to the page part waiting for it (or leaves it there, should it ask later). */
export function registerPageUi(global: object, ui: PageUi): void {
  const meeting = global as Meeting;
  const waiting = atMeeting(meeting);
  meeting[PAGE_UI_GLOBAL] = ui;
  if (typeof waiting === 'function') waiting(ui);
}

export interface Placeholder {
  host: HTMLElement;
  unmount(): void;
}

/**
 * Puts an empty host with a CLOSED shadow root after, before or inside `anchor` now, and renders into it once
 * the UI has loaded (unless it was unmounted meanwhile). `data-keyguard-ui` lets KeyGuard find its own
 * hosts again; the page can see the host but not into it.
 */
export function placeholder(
  anchor: Element,
  where: 'after' | 'before' | 'append',
  ui: Promise<PageUi>,
  render: (ui: PageUi, root: ShadowRoot, host: HTMLElement) => void,
): Placeholder {
  const host = anchor.ownerDocument.createElement('span');
  host.setAttribute('data-keyguard-ui', '');
  const root = host.attachShadow({ mode: 'closed' });
  if (where === 'after') anchor.after(host);
  else if (where === 'before') anchor.before(host);
  else anchor.append(host);
  let gone = false;
  let loaded: PageUi | null = null;
  ui.then(
    (u) => {
      if (gone) return;
      loaded = u;
      render(u, root, host);
    },
    () => undefined, // the controls stay away; the page itself is untouched
  );
  return {
    host,
    unmount() {
      gone = true;
      loaded?.clear(root);
      host.remove();
    },
  };
}

/**
 * KeyGuard's page controls live in the TOP LAYER: a `popover="manual"` wrapper inside the host's closed
 * shadow root, shown with showPopover() and placed over the host, which keeps a box of the wrapper's size in
 * the page's flow (so DocBits' layout is as before). Nothing the page paints in its normal stacking order
 * can be above the top layer: full-viewport transparent layers (Quasar's notification lists at z-index 9500)
 * no longer count as occluding our controls for IntersectionObserver v2, while a decoy that really paints
 * over a control has to be in the top layer itself, opened after ours — and IntersectionObserver v2 sees
 * that (lib/page/safe-click.ts). Keyboard order and screen readers are unchanged: the wrapper stays where the
 * host is in the tree.
 *
 * Placement is CSS anchor positioning where supported (the host is the anchor, a tree-scoped name declared
 * in the shadow root's own stylesheet, so page names cannot capture it); elsewhere (Chromium < 125,
 * Firefox < 147) this file sets the wrapper's place from the host's box on scroll, resize and size changes.
 *
 * The page's own UI may legitimately cover the host (DocBits' dialogs, menus, its fixed header): when the
 * hit test finds a page element above the host's box, the wrapper steps out of the top layer until the
 * host is uncovered again, so KeyGuard never paints over DocBits' dialogs. Checks run after events that can
 * change this (children of body added or removed, scroll, resize, a popover or dialog toggled, sizes),
 * coalesced to one pass per 100 ms; only while a control is stepped out, a pass every 300 ms looks whether
 * the cover went (it may go without any of those events). Nothing runs on an idle or busy page otherwise.
 */

/** One floating wrapper; see {@link floatOver}. */
export interface Float {
  stop(): void;
}

interface Entry {
  host: HTMLElement;
  pop: HTMLElement;
  /** Set while the page covers the host: the wrapper is hidden. */
  yielded: boolean;
  /**
   * Whether the host is in or near the viewport. Only then is the wrapper in the top layer; out of view it is
   * drawn in the page's flow (class `i`), still focusable — a key table of hundreds of rows would else put
   * hundreds of popovers in the top layer and check each of them at every pass. Nobody can click a control
   * out of view, and one scrolled (or tabbed) into view is lifted before it can arm.
   */
  near: boolean;
  /** Where our controls were when last shown (see {@link coveredByPage}). */
  spots: Array<[number, number]>;
  /** Watches the host's parent: moving a popover's host (Vue re-sorting) hides the popover. */
  moved: MutationObserver;
  parent: Node | null;
}

const ANCHORED = (win: Window & typeof globalThis): boolean =>
  typeof win.CSS?.supports === 'function' && win.CSS.supports('anchor-name:--a');

const isOpen = (pop: HTMLElement) => pop.matches(':popover-open');

/** Shows `pop` (or re-shows it, to come above a top-layer element opened after it); never throws. */
function show(pop: HTMLElement, again = false): void {
  try {
    if (again && isOpen(pop)) pop.hidePopover();
    if (!isOpen(pop) && pop.isConnected) pop.showPopover();
  } catch {
    // Not connected, or in a document being torn down: shown again when the host comes back.
  }
}

function hide(pop: HTMLElement): void {
  try {
    if (isOpen(pop)) pop.hidePopover();
  } catch {
    // Already gone.
  }
}

/** Into the top layer over its host (it leaves the page's flow). */
function lift(e: Entry): void {
  e.pop.classList.remove('i');
  show(e.pop);
}

/** Back into the page's flow, out of the top layer (its host is out of view). */
function lower(e: Entry): void {
  hide(e.pop);
  e.pop.classList.add('i');
}

/** The host's ancestors across shadow boundaries (a page may render DocBits inside its own shadow trees). */
function ancestors(host: Element): Set<Element> {
  const set = new Set<Element>();
  for (let n: Node | null = host.parentNode; n; ) {
    if (n instanceof Element || (n as Element).nodeType === 1) set.add(n as Element);
    n = (n as ShadowRoot).host ?? n.parentNode;
  }
  return set;
}

/**
 * Whether an element of the page (one that takes clicks) is laid over the host's own box: the first
 * element under our wrapper at a few points of the host — two corners, the centre and the centre of each of
 * our controls (`spots`, offsets from the host's top left corner) — that is neither the host nor one of its
 * ancestors, and is (inside) a positioned overlay. Click-through layers (pointer-events: none, like
 * Quasar's) are not hit, so they never count.
 */
export function coveredByPage(
  host: HTMLElement,
  doc: Document,
  spots: ReadonlyArray<readonly [number, number]> = [],
): boolean {
  const r = host.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return false;
  const view = doc.documentElement;
  const w = doc.defaultView?.innerWidth ?? view.clientWidth;
  const h = doc.defaultView?.innerHeight ?? view.clientHeight;
  const up = ancestors(host);
  const points: Array<readonly [number, number]> = [
    [r.left + 2, r.top + 2],
    [r.left + r.width / 2, r.top + r.height / 2],
    [r.right - 2, r.bottom - 2],
    ...spots.map(([dx, dy]) => [r.left + dx, r.top + dy] as const),
  ];
  for (const [x, y] of points) {
    // Off screen, or outside the host's box (a control in a closed <details> reports a box of its own).
    if (x < 0 || y < 0 || x >= w || y >= h || x < r.left || x > r.right || y < r.top || y > r.bottom)
      continue;
    for (const el of doc.elementsFromPoint(x, y)) {
      if (el === host) continue;
      if (!up.has(el) && overlay(el, up, doc)) return true;
      break;
    }
  }
  return false;
}

/**
 * Whether `el` (hit above the host) belongs to something laid over the page — it or an ancestor below the
 * host's own ancestors is positioned fixed, absolute or sticky (a dialog, menu, toast, header, loading
 * cover) — rather than a neighbour in the flow whose box merely overlaps the host's (negative margins).
 */
function overlay(el: Element, up: Set<Element>, doc: Document): boolean {
  const view = doc.defaultView;
  for (let n: Element | null = el; n && !up.has(n); n = n.parentElement) {
    const position = view?.getComputedStyle(n).position ?? 'static';
    if (position === 'fixed' || position === 'absolute' || position === 'sticky') return true;
  }
  return false;
}

/** The centres of the controls in `pop`, as offsets from the host's top left corner (while shown). */
function spotsOf(host: HTMLElement, pop: HTMLElement): Array<[number, number]> {
  const origin = host.getBoundingClientRect();
  const spots: Array<[number, number]> = [];
  for (const el of pop.querySelectorAll('button,input,select,summary')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0) spots.push([r.left + r.width / 2 - origin.left, r.top + r.height / 2 - origin.top]);
  }
  return spots;
}

/** The floats of one window and the listeners they share (one set per window, however many controls). */
interface Shared {
  entries: Set<Entry>;
  /** Tells each host's entry whether it is near the viewport (one observer for every float). */
  view: IntersectionObserver;
  byHost: WeakMap<Element, Entry>;
  schedule(): void;
  stop(): void;
}

const perWindow = new WeakMap<Window, Shared>();

function shared(win: Window & typeof globalThis): Shared {
  const found = perWindow.get(win);
  if (found) return found;
  const doc = win.document;
  const entries = new Set<Entry>();
  const anchored = ANCHORED(win);
  let timer: number | undefined;

  /** One pass over every float: place (fallback only), yield to the page, come back. Reads, then writes. */
  const run = () => {
    timer = undefined;
    const plan: Array<[Entry, DOMRect | null, boolean]> = [];
    for (const e of entries) {
      if (e.host.parentNode !== e.parent) {
        e.parent = e.host.parentNode;
        e.moved.disconnect();
        if (e.parent) e.moved.observe(e.parent, { childList: true });
      }
      // Far out of view a control stays in the page's flow (see `near`): nothing to place or to check.
      if (!e.host.isConnected || !e.near) continue;
      if (isOpen(e.pop)) e.spots = spotsOf(e.host, e.pop);
      plan.push([e, anchored ? null : e.host.getBoundingClientRect(), coveredByPage(e.host, doc, e.spots)]);
    }
    let waiting = false;
    for (const [e, rect, covered] of plan) {
      if (rect) place(e.pop, rect);
      e.yielded = covered;
      waiting ||= covered;
      if (covered) hide(e.pop);
      else lift(e);
    }
    // A cover can go without an event we listen to (an overlay inside DocBits' card, a class change): while
    // some control is stepped out, look again a few times a second — only then, never otherwise.
    if (waiting) timer ??= win.setTimeout(run, 300);
  };
  const schedule = () => {
    // Coalesced: at most one pass per 100 ms, however many events (a scroll fires every frame); the
    // fallback placement cannot wait that long.
    timer ??= win.setTimeout(run, anchored ? 100 : 0);
  };
  const onToggle = (e: Event) => {
    const opened = (e as ToggleEvent).newState === 'open' ? e.target : null;
    if (opened instanceof win.Element) {
      // A dialog or popover of the page opened around one of our hosts: it is above our wrapper in the
      // top layer now; come back above it (a top-layer element that does not hold the host stays above).
      for (const entry of entries) {
        if (entry.near && opened.contains(entry.host) && !entry.yielded) show(entry.pop, true);
      }
    }
    schedule();
  };
  const byHost = new WeakMap<Element, Entry>();
  // Also hears a host inserted again (Vue moved it: that hides its popover) or shown again.
  const view = new win.IntersectionObserver(
    (records) => {
      for (const r of records) {
        const e = byHost.get(r.target);
        if (!e) continue;
        e.near = r.isIntersecting && e.host.isConnected;
        if (!e.near) lower(e);
        else if (!e.yielded) lift(e);
      }
      schedule();
    },
    { rootMargin: '200px' },
  );
  const body = new win.MutationObserver(schedule);
  const watchBody = () => {
    if (doc.body) body.observe(doc.body, { childList: true });
  };
  watchBody();
  const opts = { capture: true, passive: true };
  win.addEventListener('toggle', onToggle, opts);
  win.addEventListener('scroll', schedule, opts);
  win.addEventListener('resize', schedule, opts);
  const s: Shared = {
    entries,
    view,
    byHost,
    schedule: () => {
      if (!doc.body) return;
      watchBody();
      schedule();
    },
    stop() {
      body.disconnect();
      view.disconnect();
      win.removeEventListener('toggle', onToggle, opts);
      win.removeEventListener('scroll', schedule, opts);
      win.removeEventListener('resize', schedule, opts);
      if (timer !== undefined) win.clearTimeout(timer);
      perWindow.delete(win);
    },
  };
  perWindow.set(win, s);
  return s;
}

/** The fallback placement: the wrapper's box on the host's. */
function place(pop: HTMLElement, r: DOMRect): void {
  pop.style.left = `${r.left}px`;
  pop.style.top = `${r.top}px`;
  pop.style.width = `${r.width}px`;
}

/**
 * Shows `pop` (a `popover="manual"` element in `host`'s shadow root) in the top layer over `host` and keeps
 * it there: the host's height follows the wrapper's; the wrapper is shown again when the host comes back
 * after a re-render (removing a popover's host hides it), raised above a page dialog opened around the host,
 * and hidden while the page covers the host.
 */
export function floatOver(host: HTMLElement, pop: HTMLElement, win: Window): Float {
  const w = win as Window & typeof globalThis;
  if (typeof pop.showPopover !== 'function') return { stop: () => undefined };
  const s = shared(w);
  const entry: Entry = {
    host,
    pop,
    yielded: false,
    near: false,
    spots: [],
    // Removing and inserting the host again in one go (a move) hides the popover without any intersection
    // change: the parent's child list says so.
    moved: new w.MutationObserver(() => s.schedule()),
    parent: null,
  };
  s.entries.add(entry);
  const sizes = new w.ResizeObserver((changes) => {
    for (const c of changes) {
      const height = c.borderBoxSize?.[0]?.blockSize ?? 0;
      // A hidden wrapper measures 0: the host keeps the last size (else it would flip between covered
      // and not covered).
      if (c.target === pop && height > 0) host.style.height = `${height}px`;
    }
    s.schedule();
  });
  sizes.observe(pop);
  sizes.observe(host);
  // In the page's flow until the shared observer says whether the host is near the viewport.
  lower(entry);
  s.byHost.set(host, entry);
  s.view.observe(host);
  s.schedule();
  return {
    stop() {
      sizes.disconnect();
      s.view.unobserve(host);
      entry.moved.disconnect();
      s.entries.delete(entry);
      hide(pop);
      if (s.entries.size === 0) s.stop();
    },
  };
}

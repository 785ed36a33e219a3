/**
 * Injected controls act only on a click the user really made on them, while they are visible: a page
 * script cannot click for the user (isTrusted), cover the control with something that looks different
 * (hit test at the click point), make the page see-through to trick the user into clicking, or draw a
 * decoy over the control that lets the click through (`pointer-events: none`) — the last one is seen by
 * IntersectionObserver v2's visibility verdict (see {@link watchVisibility}).
 */

/** Below this combined opacity of the control and its ancestors, the control counts as hidden. */
export const MIN_OPACITY = 0.5;

/**
 * How long a control must have been seen, unobscured and without visual effects, before a click on it
 * counts. Covers a decoy taken away just before the click (on pointerdown, or as the pointer arrives) and
 * a control made to appear under the pointer (a user cannot have meant a control shown a moment ago).
 */
export const MIN_VISIBLE_MS = 500;

/** IntersectionObserver v2's minimum notification delay when tracking visibility (Chromium rejects less). */
export const VISIBILITY_DELAY_MS = 100;

export type Refusal = 'untrusted' | 'covered' | 'transparent';

/**
 * Why an activation of the control hosted by `host` must be refused, or null when it may proceed.
 * Keyboard activation (detail 0, no pointer position) is hit-tested at the host's centre. With `visibility`
 * (a {@link VisibilityWatch} over the host's controls), the activated control must also have been seen
 * visible for {@link MIN_VISIBLE_MS} — where the browser can tell.
 */
export function checkActivation(
  e: MouseEvent,
  host: Element,
  win: Window,
  visibility?: VisibilityWatch,
): Refusal | null {
  if (!e.isTrusted) return 'untrusted';
  const doc = host.ownerDocument;
  const r = host.getBoundingClientRect();
  let x = e.clientX;
  let y = e.clientY;
  if (e.detail === 0) {
    x = r.left + r.width / 2;
    y = r.top + r.height / 2;
  }
  // From the document's point of view anything inside our closed shadow root is the host itself — also our
  // top-layer wrapper (components/page/float.ts), wherever it is drawn: so the point must also be on the
  // host's own box, where the wrapper belongs.
  if (doc.elementFromPoint(x, y) !== host || !within(r, x, y)) return 'covered';
  const start = e.currentTarget instanceof Element ? e.currentTarget : host;
  if (seeThrough(start, win)) return 'transparent';
  if (visibility && e.currentTarget instanceof Element) {
    return visibility.refusal(e.currentTarget, win.performance.now());
  }
  return null;
}

const within = (r: DOMRect, x: number, y: number) =>
  x >= r.left - 1 && x <= r.right + 1 && y >= r.top - 1 && y <= r.bottom + 1;

/** What {@link ownOpacity} reads: a computed style. */
export interface StyleLike {
  getPropertyValue(property: string): string;
}

/** A number or percentage as a fraction (`50%` → 0.5); NaN when it is neither. */
const fraction = (v: string) => Number.parseFloat(v) / (v.trim().endsWith('%') ? 100 : 1);

/**
 * How much of an element (and so of everything drawn inside it) one computed style lets through, from 1 (no
 * effect) to 0 (hidden): `opacity` and `filter: opacity()` multiply; what cannot be judged from the style
 * alone, or hides outright, counts as 0 — `visibility` hidden or collapse, `display: none`,
 * `content-visibility: hidden`, any mask image, any `clip-path`, any blend mode but normal, an SVG filter
 * (`url()`), and filters that leave nothing readable (brightness or contrast below a half, blur above 4 px).
 */
export function ownOpacity(style: StyleLike): number {
  const get = (p: string) => style.getPropertyValue(p).trim();
  const set = (p: string) => {
    const v = get(p);
    return v !== '' && v !== 'none';
  };
  if (get('visibility') === 'hidden' || get('visibility') === 'collapse' || get('display') === 'none')
    return 0;
  if (get('content-visibility') === 'hidden') return 0;
  if (set('mask-image') || set('-webkit-mask-image') || set('mask-border-source') || set('clip-path'))
    return 0;
  const blend = get('mix-blend-mode');
  if (blend !== '' && blend !== 'normal') return 0;
  const own = fraction(get('opacity'));
  let opacity = Number.isNaN(own) ? 1 : own;
  const filter = get('filter');
  if (filter !== '' && filter !== 'none') {
    if (/url\(/.test(filter)) return 0;
    for (const [, fn = '', arg = ''] of filter.matchAll(/([a-z-]+)\(([^()]*)\)/g)) {
      const v = fn === 'blur' ? Number.parseFloat(arg) : fraction(arg || '1');
      if (fn === 'opacity' && !Number.isNaN(v)) opacity *= Math.min(1, v);
      if ((fn === 'brightness' || fn === 'contrast') && v < 0.5) return 0;
      if (fn === 'blur' && v > 4) return 0;
    }
  }
  return opacity;
}

/**
 * Whether `el` is (nearly) see-through for the user: the combined {@link ownOpacity} of it and all its
 * ancestors, across shadow boundaries, is below {@link MIN_OPACITY}.
 */
export function seeThrough(el: Element, win: Window): boolean {
  let opacity = 1;
  for (let n: Element | null = el; n; ) {
    opacity *= ownOpacity(win.getComputedStyle(n));
    if (opacity < MIN_OPACITY) return true;
    const parent: ParentNode | null = n.parentNode;
    // Out of a shadow root to its host (a DocumentFragment has none: the walk ends).
    n = parent?.nodeType === 11 ? ((parent as ShadowRoot).host ?? null) : n.parentElement;
  }
  return false;
}

/** The part of an IntersectionObserverEntry the decision needs (`isVisible` only where v2 is supported). */
export interface VisibilityEntry {
  readonly isVisible?: boolean | undefined;
  readonly time: number;
}

/** What is known about one control's visibility. */
export interface Visibility {
  /** False where the browser gives no visibility verdict (no IntersectionObserver v2: Firefox, Safari). */
  readonly supported: boolean;
  /** Since when (performance.now() time) it has been visible without a break; null while it is not. */
  readonly visibleSince: number | null;
}

/** Folds one observer entry into what was known. */
export function nextVisibility(prev: Visibility | undefined, entry: VisibilityEntry): Visibility {
  if (typeof entry.isVisible !== 'boolean') return { supported: false, visibleSince: null };
  if (!entry.isVisible) return { supported: true, visibleSince: null };
  return { supported: true, visibleSince: prev?.visibleSince ?? entry.time };
}

/**
 * The visibility verdict for a click at `now`: refused ('covered') when the browser has not yet given a
 * verdict, says the control is obscured (covered by anything, click-through or not; transformed, filtered
 * or not fully opaque; out of view), or has seen it visible for less than `minVisibleMs`. Where the browser
 * gives no verdict at all, this check has nothing to add (null) and the hit and opacity tests stand alone.
 */
export function visibilityRefusal(
  known: Visibility | undefined,
  now: number,
  minVisibleMs = MIN_VISIBLE_MS,
): Refusal | null {
  if (!known) return 'covered';
  if (!known.supported) return null;
  if (known.visibleSince === null) return 'covered';
  return now - known.visibleSince >= minVisibleMs ? null : 'covered';
}

/** Watches the visibility of the controls in one shadow root. */
export interface VisibilityWatch {
  /** The verdict for a click on `control` at `now` (performance.now() time); see {@link visibilityRefusal}. */
  refusal(control: Element, now: number): Refusal | null;
  /** Stops watching (the controls were unmounted). */
  disconnect(): void;
}

interface ObserverEntryV2 {
  readonly target: Element;
  readonly time: number;
  readonly isVisible?: boolean;
}
interface ObserverV2 {
  observe(target: Element): void;
  unobserve(target: Element): void;
  takeRecords(): ObserverEntryV2[];
  disconnect(): void;
}
type ObserverV2Ctor = new (
  cb: (entries: ObserverEntryV2[]) => void,
  init: { trackVisibility: boolean; delay: number; threshold: number },
) => ObserverV2;

type Win = Window & typeof globalThis;

/** Whether this window's IntersectionObserver gives visibility verdicts (v2): Chromium yes, Firefox no. */
export function supportsVisibility(win: Window): boolean {
  const EntryCtor = (win as Win).IntersectionObserverEntry;
  return (
    typeof (win as Win).IntersectionObserver === 'function' &&
    !!EntryCtor &&
    'isVisible' in EntryCtor.prototype
  );
}

/**
 * The attribute that exempts a button from watching and marking: one whose click only backs out (Cancel)
 * is never refused, so it must not be shown as unarmed either.
 */
export const UNGUARDED_ATTR = 'data-keyguard-unguarded';

/** The elements a user activates: KeyGuard's controls are buttons. */
const CONTROLS = `button:not([${UNGUARDED_ATTR}])`;

/**
 * Watches every button inside `root` (a closed shadow root of ours) with the window's one
 * IntersectionObserver that tracks visibility (v2), as buttons come and go. The buttons themselves are observed, not the shadow
 * host: Chromium judges a host whose content lives in a shadow tree as occluded by that very content.
 *
 * While a button does not yet count as visible long enough it carries `aria-disabled="true"`: the user
 * sees (and assistive technology says) that it is not armed, and it stays focusable. Where the browser gives
 * no visibility verdict (Firefox), nothing is watched or marked and every verdict is "no objection", so
 * the caller's hit and opacity tests decide alone.
 */
export function watchVisibility(root: ShadowRoot | Element, win: Window): VisibilityWatch {
  if (!supportsVisibility(win)) return { refusal: () => null, disconnect: () => undefined };
  const w = win as Win;
  const shared = sharedObserver(w);
  const timers = new Map<Element, number>();
  const observed = new Set<Element>();

  /** Shows whether `el` is armed, and comes back when it will be. */
  const mark = (el: Element) => {
    const now = w.performance.now();
    const state = shared.known.get(el);
    const refused = visibilityRefusal(state, now) !== null;
    if (refused) el.setAttribute('aria-disabled', 'true');
    else el.removeAttribute('aria-disabled');
    const pending = timers.get(el);
    if (pending !== undefined) w.clearTimeout(pending);
    timers.delete(el);
    if (refused && state?.visibleSince != null) {
      const wait = Math.max(0, state.visibleSince + MIN_VISIBLE_MS - now) + 5;
      timers.set(
        el,
        w.setTimeout(() => mark(el), wait),
      );
    }
  };
  const watch = (el: Element) => {
    observed.add(el);
    shared.watch(el, () => mark(el));
    mark(el);
  };
  const unwatch = (el: Element) => {
    shared.unwatch(el);
    observed.delete(el);
    const pending = timers.get(el);
    if (pending !== undefined) w.clearTimeout(pending);
    timers.delete(el);
  };
  const scan = () => {
    const present = new Set<Element>(root.querySelectorAll(CONTROLS));
    for (const el of observed) if (!present.has(el)) unwatch(el);
    for (const el of present) if (!observed.has(el)) watch(el);
  };
  const mutations = new w.MutationObserver(scan);
  mutations.observe(root, { childList: true, subtree: true });
  scan();

  return {
    refusal(control, now) {
      // A verdict may be queued for the observer's callback, which has not run yet: read it now.
      shared.flush();
      if (!observed.has(control)) {
        // Not a watched button (yet): watch it from now on, and refuse this time.
        scan();
        if (!observed.has(control)) watch(control);
      }
      return visibilityRefusal(shared.known.get(control), now);
    },
    disconnect() {
      mutations.disconnect();
      for (const el of [...observed]) unwatch(el);
    },
  };
}

/** One visibility-tracking observer per window, shared by every watch in it (each costs occlusion tests). */
interface SharedObserver {
  known: WeakMap<Element, Visibility>;
  watch(el: Element, changed: () => void): void;
  unwatch(el: Element): void;
  /** Applies entries queued for the callback now. */
  flush(): void;
}

const observers = new WeakMap<Window, SharedObserver>();

function sharedObserver(w: Win): SharedObserver {
  const existing = observers.get(w);
  if (existing) return existing;
  const known = new WeakMap<Element, Visibility>();
  const listeners = new Map<Element, () => void>();
  const take = (entries: ObserverEntryV2[]) => {
    for (const entry of entries) {
      if (!listeners.has(entry.target)) continue;
      known.set(entry.target, nextVisibility(known.get(entry.target), entry));
      listeners.get(entry.target)?.();
    }
  };
  const observer = new (w.IntersectionObserver as unknown as ObserverV2Ctor)(take, {
    trackVisibility: true,
    delay: VISIBILITY_DELAY_MS,
    threshold: 0,
  });
  const shared: SharedObserver = {
    known,
    watch(el, changed) {
      listeners.set(el, changed);
      observer.observe(el);
    },
    unwatch(el) {
      observer.unobserve(el);
      listeners.delete(el);
      // Watched again later (moved, re-rendered), it starts from no verdict.
      known.delete(el);
    },
    flush: () => take(observer.takeRecords()),
  };
  observers.set(w, shared);
  return shared;
}

/**
 * Watching the DocBits single-page app without making a busy page pay for it (design.md, "Performance
 * budgets"). The browser building one MutationRecord per change under an observed subtree is a cost no
 * callback can lower (1.4–1.7× for a page churning its own widget), so the whole page is watched only when
 * a key can appear in it: for a while after the app arrives on the integration page and after each trusted
 * pointer or key press there (the user creating, revealing, revoking). Then a MutationObserver callback —
 * a microtask, before the browser paints — marks a key the fallback recognises, so MASK_CSS masks it before
 * it is first shown. The rest of the time only what DocBits adds outside its app root is watched whole —
 * its teleported dialogs and tooltips, where the show-once key appears — plus the key tables, and a
 * look every second catches anything else (a key in unknown markup that appears without any input is then
 * marked within a second; keys on DocBits' stable hooks are masked by the stylesheet at all times).
 * Arrival is heard from the Navigation API; where it is missing (older Firefox) the whole document is
 * watched all the time, as before.
 *
 * Inside a watched subtree the callback reads only each record's target: per batch it looks into each
 * distinct target once, for elements not seen before, and looks again at a candidate whose own text or
 * value changed; it never asks for added or removed nodes (in a content script each node touched gets a
 * wrapper of its own, which costs more than most page changes). The caller is called only when something
 * it reads changed, not for every change.
 */
import { CANDIDATES, markFallback } from './detect';
import { isIntegrationPath } from './hosts';
import { LEGACY_SELECTOR, MASK_ATTR, SHOW_ONCE_SELECTOR, UI_ATTR } from './mask';

/** What the caller needs to hear of when it appears, besides a fallback key. */
const PARTS = `.api-keys-card,.key-display,code.key-prefix,${SHOW_ONCE_SELECTOR},${LEGACY_SELECTOR}`;
const WATCH = `${CANDIDATES},${PARTS}`;
/** Where keys are shown: their panels stay watched whole while the rest of the page is not. */
const KEY_PLACES = `.api-keys-card,.key-display,${LEGACY_SELECTOR},[${MASK_ATTR}]`;
/** Trusted events that mean the user is at work on the page (a screen reader's activation is a click). */
const PRESSES = ['pointerdown', 'mousedown', 'touchstart', 'keydown', 'click', 'submit'];
/** Keys and KeyGuard's controls, whose removal the caller needs to hear of. */
const SITES = `${SHOW_ONCE_SELECTOR},${LEGACY_SELECTOR},[${MASK_ATTR}],[${UI_ATTR}]`;

const ALL = { childList: true, subtree: true };
const TEXT = { ...ALL, characterData: true };
const PAGE = { ...TEXT, attributeFilter: ['value'] };

/** How long the whole page is watched after arriving on the integration page or a press of a key or pointer. */
export const ATTENTION_MS = 10_000;
/** How often the integration page is looked over while not watched whole. */
export const SWEEP_MS = 1_000;

/** The part of the Navigation API used here: an event after every change of the current entry. */
export type NavigationLike = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

export interface ObserveOptions {
  MutationObserver?: typeof MutationObserver;
  /** The window's `navigation`; without it the whole document is watched all the time. */
  navigation?: NavigationLike | null;
  /** Tests shorten these; the page uses ATTENTION_MS and SWEEP_MS. */
  attentionMs?: number;
  sweepMs?: number;
}

/**
 * Calls `onChange` (coalesced: at most once per animation frame, before it is painted; once per microtask
 * where there are no frames) after the integration page changed in a way that can matter — a candidate
 * field, key table, show-once box or legacy field added; a key, KeyGuard's controls or a key table
 * removed; a fallback mark set or cleared; anything but KeyGuard's own nodes changed inside a key table —
 * and when the app navigates onto or away from the integration page. Returns the function that
 * disconnects it.
 */
export function observePage(doc: Document, onChange: () => void, options: ObserveOptions = {}): () => void {
  const win = doc.defaultView;
  const MO = options.MutationObserver ?? MutationObserver;
  const navigation =
    options.navigation !== undefined
      ? options.navigation
      : ((win as (Window & { navigation?: NavigationLike }) | null)?.navigation ?? null);
  const attentionMs = options.attentionMs ?? ATTENTION_MS;
  const sweepMs = options.sweepMs ?? SWEEP_MS;
  let path: string | undefined;
  let active = false;
  let pending = false;
  let changed = false;
  let stopped = false;
  /** Until when (Date.now()) the whole page is watched. */
  let attentiveUntil = 0;
  let attentionTimer: ReturnType<typeof setTimeout> | undefined;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** Elements matching WATCH already looked at. */
  const known = new WeakSet<Element>();
  /** The nodes whose removal matters. */
  let tracked: Element[] = [];
  /** The children of body when the document was parsed (the app root, scripts): not teleported content. */
  let frame: WeakSet<Element> | undefined;

  const run = () => {
    pending = false;
    if (stopped) return;
    onChange();
    if (stopped) return;
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
  /** Looks into `root` for what was not seen before. */
  const scan = (root: ParentNode) => {
    for (const el of root.querySelectorAll(WATCH)) if (!known.has(el)) fresh(el);
  };

  /** The children of body once the document is parsed; undefined before. */
  const frameOf = () => {
    if (!frame && doc.readyState !== 'loading' && doc.body) frame = new WeakSet(doc.body.children);
    return frame;
  };
  const attentive = () => Date.now() < attentiveUntil;
  /**
   * What is observed now: nothing off the integration page; all of it while attentive; else what is
   * teleported to body and the panels (Quasar expansion items or cards) that show keys.
   */
  const connect = () => {
    mo.disconnect();
    if (!navigation) {
      // No way to hear the app navigate but watching it: the whole document, child lists only off the page.
      mo.observe(doc, active ? PAGE : ALL);
      return;
    }
    if (!active) return;
    const body = doc.body;
    const parsed = frameOf();
    if (attentive() || !body || !parsed) {
      mo.observe(doc, PAGE);
      return;
    }
    mo.observe(body, { childList: true });
    for (const el of body.children) if (!parsed.has(el) && !el.hasAttribute(UI_ATTR)) mo.observe(el, PAGE);
    for (const el of doc.querySelectorAll(KEY_PLACES)) {
      const panel = el.closest('.q-expansion-item') ?? el.closest('.q-card') ?? el.parentElement;
      if (panel) mo.observe(panel, PAGE);
    }
  };

  /** Watch the whole page for the next ATTENTION_MS. */
  const attend = () => {
    if (!active || !navigation) return;
    const was = attentive();
    attentiveUntil = Date.now() + attentionMs;
    if (attentionTimer !== undefined) clearTimeout(attentionTimer);
    attentionTimer = setTimeout(relax, attentionMs);
    if (was) return;
    handle(mo.takeRecords());
    connect();
    changed = false;
    scan(doc);
    if (changed) schedule();
  };
  const relax = () => {
    attentionTimer = undefined;
    // (by the timer, whatever the wall clock says)
    attentiveUntil = 0;
    if (stopped || !active) return;
    handle(mo.takeRecords());
    connect();
  };
  /**
   * A look over the whole page: what was not seen before, and every candidate's text again. Something
   * showing a key that appeared unwatched means the app is at work: watch it whole for a while.
   */
  const look = () => {
    changed = false;
    scan(doc);
    for (const el of doc.querySelectorAll(CANDIDATES)) check(el);
    const news = changed;
    if (news) attend();
    if (news || tracked.some((n) => !n.isConnected)) schedule();
  };
  /** The look every second while the page is not watched whole. */
  const sweep = () => {
    if (!stopped && active && !attentive()) look();
  };

  /** The app may have moved to another path: start or stop watching the integration page. */
  const arrive = (): boolean => {
    const p = doc.location?.pathname ?? '';
    if (p === path) return false;
    path = p;
    const was = active;
    active = isIntegrationPath(p);
    if (sweepTimer !== undefined) clearInterval(sweepTimer);
    sweepTimer = undefined;
    attentiveUntil = 0;
    connect();
    if (active) {
      for (const el of doc.querySelectorAll(WATCH)) fresh(el);
      attend();
      if (navigation) sweepTimer = setInterval(sweep, sweepMs);
    }
    if (active || was) schedule();
    return true;
  };

  /** Looks at what the records say changed. */
  const handle = (records: MutationRecord[]) => {
    if (!active || records.length === 0) return;
    changed = false;
    const targets = new Set<Node>();
    // (each property read crosses into the browser: read body once, and each record's target once)
    const body = doc.body;
    for (const r of records) targets.add(r.target);
    const portals = body !== null && targets.has(body) && !attentive();
    for (const t of targets) {
      // its children, text or value changed (a text node: its element's text)
      const el = t.nodeType === 1 ? (t as Element) : t.parentElement;
      if (el?.matches(CANDIDATES)) check(el);
      if ((t as ParentNode).firstElementChild) scan(t as ParentNode);
    }
    // something was teleported to or taken from body: watch what is there now
    if (portals && navigation) connect();
    if (changed || tracked.some((n) => !n.isConnected)) schedule();
  };
  const onBatch = (records: MutationRecord[]) => {
    if (!arrive()) handle(records);
  };
  const mo = new MO(onBatch);
  // Inside the key tables, any change (KeyGuard's own marks, mounted after the background answered, cost
  // one more look that finds nothing to do).
  const tables = new MO(() => schedule());

  const onNavigate = () => void onBatch(mo.takeRecords());
  const onInput = (e: Event) => {
    if (e.isTrusted) attend();
  };
  const onLoaded = () => {
    frameOf();
    if (attentive()) return;
    handle(mo.takeRecords());
    connect();
  };
  // A tab coming back (or restored from the back/forward cache): look before its first frame is painted.
  const onShown = () => {
    if (stopped || !active || !navigation || doc.visibilityState === 'hidden') return;
    look();
    attend();
  };
  navigation?.addEventListener('currententrychange', onNavigate);
  // On the window, capturing: the first to hear a press, before any page listener can stop it.
  const listen = { capture: true, passive: true };
  const presses: EventTarget = win ?? doc;
  for (const type of PRESSES) presses.addEventListener(type, onInput, listen);
  doc.addEventListener('visibilitychange', onShown);
  win?.addEventListener('pageshow', onShown);
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', onLoaded, { once: true });
  else frameOf();

  onBatch([]);
  return () => {
    stopped = true;
    mo.disconnect();
    tables.disconnect();
    navigation?.removeEventListener('currententrychange', onNavigate);
    for (const type of PRESSES) presses.removeEventListener(type, onInput, listen);
    doc.removeEventListener('visibilitychange', onShown);
    win?.removeEventListener('pageshow', onShown);
    doc.removeEventListener('DOMContentLoaded', onLoaded);
    if (attentionTimer !== undefined) clearTimeout(attentionTimer);
    if (sweepTimer !== undefined) clearInterval(sweepTimer);
  };
}

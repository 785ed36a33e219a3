/**
 * Finding full API keys, the organisation id and the create dialog's values on DocBits' integration page.
 *
 * Full keys are found by the page's stable hooks first (`.key-display code`, the legacy "Key" input).
 * Only on the integration page, a careful fallback also accepts a read-only field or `<code>` holding a
 * single high-entropy token whose own label or nearest heading says "API key" (six languages) — never a
 * field labelled as an id, URL or prefix, never the key table — and marks it with MASK_ATTR so the CSS
 * masks it. Where nothing is recognised, nothing is returned and nothing is marked.
 */
import { isIntegrationPath } from './hosts';
import { LEGACY_SELECTOR, MASK_ATTR, SHOW_ONCE_SELECTOR } from './mask';
import { API_KEY, DAY, fold, NEVER, textOf, UUID } from './text';

export interface FullKeySite {
  kind: 'show-once' | 'legacy' | 'fallback';
  /** The element showing the key (the `<code>` or the input). */
  element: HTMLElement;
  /** The element after which the KeyGuard controls go: the `.key-display` box, the legacy field's row. */
  anchor: HTMLElement;
  /** The key text or input value, trimmed; '' while not loaded. */
  readKey(): string;
}

/** Elements the fallback considers. */
export const CANDIDATES = 'code,input[readonly],textarea[readonly]';
const STABLE = `${SHOW_ONCE_SELECTOR},${LEGACY_SELECTOR}`;
const HEADINGS =
  'h1,h2,h3,h4,h5,h6,[role=heading],legend,.text-h5,.text-h6,.text-subtitle1,.text-subtitle2,.q-item__label';
/** Labels of things that are not keys: ids (org, sub-org, entity), URLs, SSO, prefixes. */
const NOT_KEY = /\bid\b|\borg|url|entity|saml|sso|prefi|prafix/;

function keyText(el: Element): string {
  const v = (el as HTMLInputElement).value;
  return (typeof v === 'string' ? v : (el.textContent ?? '')).trim();
}

/** The field's own label: aria-label and the text of its <label> (folded). */
function ownLabel(el: Element): string {
  return fold(`${el.getAttribute('aria-label') ?? ''} ${textOf(el.closest('label'))}`);
}

/** The text of the first heading in the closest ancestor that has one (folded). */
function headingOf(el: Element): string {
  let p = el.parentElement;
  for (let i = 0; p && i < 12; i++, p = p.parentElement) {
    const h = p.querySelector(HEADINGS);
    if (h && !h.contains(el)) return fold(textOf(h));
  }
  return '';
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/**
 * A single token that looks random: 24–256 characters of a key alphabet, at least two of lower case /
 * upper case / digits, and Shannon entropy ≥ 3.5 bits per character (≥ 3 when the body after a
 * `xxx_` prefix is hex or a UUID, whose 16 symbols cap a 32-character string near 3.6).
 */
export function looksLikeKey(v: string): boolean {
  if (v.length < 24 || v.length > 256 || !/^[\w\-+/=.~]+$/.test(v)) return false;
  if (+/[a-z]/.test(v) + +/[A-Z]/.test(v) + +/\d/.test(v) < 2) return false;
  return entropy(v) >= (/^[\da-f-]+$/i.test(v.replace(/^(?:[a-z]+_)+/i, '')) ? 3 : 3.5);
}

function isFallbackKey(el: HTMLElement): boolean {
  // The text first: it rules out most candidates cheaply (the observer asks about every new one).
  const v = keyText(el);
  // an empty read-only field in a key's place is masked before its value arrives; an empty <code> is not
  if (v ? !looksLikeKey(v) : el.tagName === 'CODE') return false;
  if (el.matches(STABLE) || el.closest('table,.api-keys-card,[role=listbox],[role=menu]')) return false;
  if (el.tagName === 'INPUT' && ((el as HTMLInputElement).type !== 'text' || el.hasAttribute('role')))
    return false;
  const own = ownLabel(el);
  if (NOT_KEY.test(own)) return false;
  if (API_KEY.test(own)) return true;
  const heading = headingOf(el);
  return API_KEY.test(heading) && !NOT_KEY.test(heading);
}

/** Runs the fallback on one candidate element: marks (or unmarks) it; true when it holds a key. */
export function markFallback(el: HTMLElement): boolean {
  const hit = isFallbackKey(el);
  el.toggleAttribute(MASK_ATTR, hit); // no change (and no mutation) when it already agrees
  return hit;
}

/** Runs the fallback on `root` and the candidates inside it; returns the elements holding keys. */
export function markFallbacks(root: ParentNode): HTMLElement[] {
  const found: HTMLElement[] = [];
  const el = root as HTMLElement;
  if (el.nodeType === 1 && el.matches(CANDIDATES) && markFallback(el)) found.push(el);
  if (root.firstElementChild) {
    for (const c of root.querySelectorAll<HTMLElement>(CANDIDATES)) if (markFallback(c)) found.push(c);
  }
  return found;
}

/**
 * Every place under `root` showing a full key: the show-once dialog's key, the legacy key field, and —
 * only when `pathname` is the integration page — what the fallback recognises (which it marks).
 */
export function findFullKeys(root: ParentNode, pathname: string): FullKeySite[] {
  const sites: FullKeySite[] = [];
  const add = (kind: FullKeySite['kind'], element: HTMLElement, anchor: HTMLElement | null | undefined) =>
    sites.push({ kind, element, anchor: anchor ?? element, readKey: () => keyText(element) });
  for (const el of root.querySelectorAll<HTMLElement>(SHOW_ONCE_SELECTOR))
    add('show-once', el, el.closest<HTMLElement>('.key-display'));
  for (const el of root.querySelectorAll<HTMLElement>(LEGACY_SELECTOR)) {
    const label = el.closest<HTMLElement>('label');
    add('legacy', el, label?.parentElement?.closest<HTMLElement>('.row') ?? label);
  }
  if (isIntegrationPath(pathname)) {
    for (const el of markFallbacks(root)) add('fallback', el, el.closest<HTMLElement>('label'));
  }
  return sites;
}

const ORG = /organi[sz]|\borg\b/;
const SUB = /sub|unter|sous|sotto/;

/**
 * The organisation id (a UUID) from the page's ID panel: the read-only field labelled "Organisation ID"
 * (six languages; in the legacy UI by its row caption "Org ID"); else the legacy UI's first unlabelled
 * `label.q-input.api` field; else the first of two consecutive read-only UUID fields (org, then sub-org).
 */
export function readOrgId(root: ParentNode): string | null {
  const uuids: HTMLInputElement[] = [];
  for (const el of root.querySelectorAll<HTMLInputElement>('input[readonly]')) {
    const v = el.value.trim();
    if (!UUID.test(v) || el.matches(STABLE) || el.hasAttribute(MASK_ATTR) || isFallbackKey(el)) continue;
    const own = ownLabel(el);
    const label = ORG.test(own) || SUB.test(own) ? own : headingOf(el);
    if (ORG.test(label) && !SUB.test(label)) return v;
    uuids.push(el);
  }
  const legacy = uuids.find((el) => el.matches('label.q-input.api input:not([aria-label])'));
  if (legacy) return legacy.value.trim();
  return uuids.length >= 2 ? (uuids[0]?.value.trim() ?? null) : null;
}

export interface CreateDialogValues {
  name?: string;
  description?: string;
  /** Epoch ms; null = never expires. */
  expiresAt?: number | null;
}

/** The open dialog that looks like "Create API key": a name, a description, an expiration choice. */
function createDialog(doc: ParentNode): Element | null {
  const dialogs = doc.querySelectorAll('[role=dialog]');
  for (let i = dialogs.length - 1; i >= 0; i--) {
    const d = dialogs[i];
    if (
      d?.querySelector('textarea') &&
      d.querySelector('[role=combobox],input[type=date]') &&
      !d.querySelector('.key-display') &&
      API_KEY.test(fold(textOf(d.querySelector(HEADINGS))))
    )
      return d;
  }
  return null;
}

function valuesIn(d: Element, now: number): CreateDialogValues {
  const out: CreateDialogValues = {};
  const name = d
    .querySelector<HTMLInputElement>('input[type=text]:not([readonly]):not([role])')
    ?.value.trim();
  const description = d.querySelector('textarea')?.value.trim();
  if (name) out.name = name;
  if (description) out.description = description;
  const combo = d.querySelector('[role=combobox]');
  const choice = fold(textOf(combo?.closest('.q-field__native') ?? combo?.closest('label')));
  const date = d.querySelector<HTMLInputElement>('input[type=date]')?.value;
  const n = /\d+/.exec(choice);
  if (date) {
    const t = new Date(`${date}T23:59:59`).getTime();
    if (!Number.isNaN(t)) out.expiresAt = t;
  } else if (n) {
    const unit = /year|jahr|jaar|\bans?\b|ano|anno/.test(choice)
      ? 365
      : /month|monat|maand|mois|mes/.test(choice)
        ? 30
        : /week|woche|semaine|semana|settiman/.test(choice)
          ? 7
          : 1;
    out.expiresAt = now + Number(n[0]) * unit * DAY;
  } else if (NEVER.test(choice)) out.expiresAt = null;
  return out;
}

/**
 * What the admin has entered in DocBits' create-key dialog, if it is open: Key Name, Description and
 * Expiration (Never → null; 30/90/365 days → `now` + days; a custom date → the end of that local day,
 * as DocBits computes it). {} when no such dialog is open.
 */
export function readCreateDialogValues(doc: ParentNode, now: number = Date.now()): CreateDialogValues {
  const d = createDialog(doc);
  return d ? valuesIn(d, now) : {};
}

const suggested = new WeakSet<HTMLInputElement>();

/**
 * Puts `name` into the Key Name field of DocBits' open create dialog, as typing would (an `input` event,
 * so the page's own model takes it). Only into an empty field unless `force`: never over what the admin
 * typed. True when the field now holds `name`.
 */
export function fillCreateDialogName(doc: Document, name: string, force = false): boolean {
  const input = createDialog(doc)?.querySelector<HTMLInputElement>(
    'input[type=text]:not([readonly]):not([role])',
  );
  if (!input) return false;
  if (input.value === name) return true;
  // Suggested once per dialog: a field the admin emptied stays empty.
  if (!force && (input.value.trim() !== '' || suggested.has(input))) return false;
  suggested.add(input);
  input.value = name;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  return true;
}

export interface CreateDialogWatch {
  /** The values last seen in a create dialog (kept after DocBits closes it), or null. */
  last(): CreateDialogValues | null;
  stop(): void;
}

/**
 * Remembers the values typed into the create dialog, so they are still known when DocBits has closed it
 * and opened the show-once dialog. Listens to input/change/click/keyup/submit in the capture phase (cheap)
 * and reads the dialog after the page has handled the event; `onValues` is called when they change.
 */
export function watchCreateDialog(
  doc: Document,
  onValues?: (values: CreateDialogValues) => void,
): CreateDialogWatch {
  let last: CreateDialogValues | null = null;
  let seen = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = () => {
    timer = undefined;
    const d = createDialog(doc);
    if (!d) return;
    last = valuesIn(d, Date.now());
    const json = JSON.stringify(last);
    if (json !== seen) {
      seen = json;
      onValues?.(last);
    }
  };
  const onEvent = () => {
    timer ??= setTimeout(read, 0);
  };
  const types = ['input', 'change', 'click', 'keyup', 'submit'];
  for (const t of types) doc.addEventListener(t, onEvent, true);
  read();
  return {
    last: () => last,
    stop() {
      for (const t of types) doc.removeEventListener(t, onEvent, true);
      clearTimeout(timer);
    },
  };
}

/**
 * Finding full API keys, the organisation id and the create dialog's values on DocBits' integration page.
 *
 * Full keys are found by the page's stable hooks first (`.key-display code`, the legacy "Key" input).
 * Only on the integration page, a careful fallback also accepts a read-only field or `<code>` holding a
 * single high-entropy token whose own label or nearest heading says "API key" (six languages) — never a
 * field labelled as an id, URL or prefix, never the key table — and marks it with MASK_ATTR so the CSS
 * masks it. Where nothing is recognised, nothing is returned and nothing is marked.
 */

import { parseDate } from './dates';
import { isIntegrationPath } from './hosts';
import { LEGACY_SELECTOR, MASK_ATTR, SHOW_ONCE_SELECTOR } from './mask';
import {
  API_KEY,
  DAY,
  fold,
  langOf,
  type Meaning,
  meaningOf,
  NEVER,
  ORG,
  SUB,
  textOf,
  UUID,
  UUID_IN,
} from './text';

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
  if (
    el.matches(STABLE) ||
    el.closest('table,[role=table],[role=grid],.api-keys-card,[role=listbox],[role=menu]')
  )
    return false;
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

/**
 * The text labelling a form control or group, folded, from the first source that has one: aria-labelledby,
 * aria-label, Quasar's floating `.q-field__label`, its `<label>`s (for= or wrapping, without the control's
 * own text), placeholder, title, a fieldset's legend, else a short caption just before it.
 */
export function labelOf(el: Element): string {
  const ids = el.getAttribute('aria-labelledby');
  let s = ids
    ? ids
        .split(/\s+/)
        .map((id) => textOf(el.ownerDocument.getElementById(id)))
        .join(' ')
    : '';
  s ||= el.getAttribute('aria-label') ?? '';
  s ||= textOf(el.closest('.q-field')?.querySelector('.q-field__label'));
  if (!s) {
    const own = textOf(el);
    const labels = [...((el as HTMLInputElement).labels ?? [])];
    const wrap = el.closest('label');
    if (wrap && !labels.includes(wrap)) labels.push(wrap);
    s = labels.map((l) => textOf(l).replace(own, '')).join(' ');
  }
  s ||=
    el.getAttribute('placeholder') ||
    el.getAttribute('title') ||
    textOf(el.querySelector('legend')) ||
    textOf(el.previousElementSibling).slice(0, 60);
  return fold(s.trim());
}

/** Whether a UUID's (folded) label names the organisation — not the sub-organisation, not a key. */
const isOrgLabel = (label: string) => ORG.test(label) && !SUB.test(label) && !API_KEY.test(label);

/** Where a UUID in text is not an organisation id: keys, key tables, KeyGuard's own nodes, code. */
const NOT_ORG_TEXT = `script,style,textarea,.key-display,.api-keys-card,code.key-prefix,[${MASK_ATTR}],[data-keyguard-ui]`;

/**
 * An organisation id shown as text: "Organisations-ID: <uuid>", `<dt>Org ID</dt><dd><uuid></dd>`, a table
 * row "ID de l'organisation | <uuid>" … — the words just before the UUID (after any earlier UUID) in its
 * element or the nearest of 4 ancestors that has some, or its aria-label, must name the organisation.
 */
function orgIdInText(root: ParentNode): string | null {
  const doc = (root as Node).ownerDocument ?? (root as Document);
  const walker = doc.createTreeWalker(root as Node, 4 /* NodeFilter.SHOW_TEXT */);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue ?? '';
    const el = n.parentElement;
    if (text.length < 32 || !el) continue;
    for (const [uuid] of text.matchAll(UUID_IN)) {
      if (el.closest(NOT_ORG_TEXT) || el.closest('tr,[role=row]')?.querySelector('code.key-prefix')) break;
      let label = fold(el.getAttribute('aria-label') ?? '');
      for (let a: Element | null = el, i = 0; !label && a && i < 5; a = a.parentElement, i++) {
        const full = textOf(a);
        const before = full.slice(0, full.indexOf(uuid)).split(UUID_IN).pop() ?? '';
        if (/[a-z]/i.test(before)) label = fold(before).slice(-40);
      }
      if (isOrgLabel(label)) return uuid;
    }
  }
  return null;
}

/**
 * The organisation id (a UUID) from the page's ID panel, never the sub-organisation's: a field labelled
 * "Organisation ID" (six languages, by any of its labels, else its heading; in the legacy UI the row caption
 * "Org ID"); else a UUID shown as text after such words; else the legacy UI's first unlabelled
 * `label.q-input.api` field; else the first of two consecutive UUID fields (org, then sub-org).
 */
export function readOrgId(root: ParentNode): string | null {
  const uuids: HTMLInputElement[] = [];
  for (const el of root.querySelectorAll<HTMLInputElement>('input')) {
    const v = el.value.trim();
    if (!UUID.test(v) || el.matches(STABLE) || el.hasAttribute(MASK_ATTR) || isFallbackKey(el)) continue;
    const own = `${ownLabel(el)} ${labelOf(el)}`;
    const label = ORG.test(own) || SUB.test(own) ? own : headingOf(el);
    if (isOrgLabel(label)) return v;
    uuids.push(el);
  }
  const text = orgIdInText(root);
  if (text) return text;
  const legacy = uuids.find((el) => el.matches('label.q-input.api input:not([aria-label])'));
  if (legacy) return legacy.value.trim();
  return uuids.length >= 2 ? (uuids[0]?.value.trim() ?? null) : null;
}

/** A create-dialog field KeyGuard could not read (so the save form says so). */
export type UnreadField = 'name' | 'description' | 'expiresAt';

export interface CreateDialogValues {
  name?: string;
  description?: string;
  /** Epoch ms; null = never expires. */
  expiresAt?: number | null;
  /** The fields not found, empty or not understood (absent when all were read). */
  unread?: UnreadField[];
}

/** Dialog containers: ARIA, native, and Quasar's (a `.q-card` teleported into a portal). */
const DIALOGS =
  '[role=dialog],[role=alertdialog],[aria-modal=true],dialog[open],.q-dialog,[id^=q-portal] .q-card';

type Kind = 'text' | 'area' | 'choice' | 'date';
interface Field {
  el: Element;
  kind: Kind;
  meaning: Meaning | undefined;
}

/** The fields of a dialog: text inputs, textareas, date inputs, and choices (select, combobox, radio group). */
function fieldsIn(d: Element): Field[] {
  const out: Field[] = [];
  const groups = new Set<Element>();
  for (const el of d.querySelectorAll(
    'input,textarea,select,[role=combobox],[role=radiogroup],[role=radio]',
  )) {
    const type = (el as HTMLInputElement).type;
    let c = el;
    let kind: Kind = 'choice';
    if (el.matches('[role=radio],[role=radiogroup],input[type=radio]')) {
      c =
        el.closest('[role=radiogroup],fieldset,.q-option-group') ?? el.closest('label')?.parentElement ?? el;
      if (groups.has(c)) continue;
      groups.add(c);
    } else if (el.tagName === 'TEXTAREA') kind = 'area';
    else if (/^date/.test(type)) kind = 'date';
    else if (el.tagName === 'INPUT' && !el.hasAttribute('role')) {
      if (!/^(?:text|search)$/.test(type) || el.hasAttribute('readonly')) continue;
      kind = 'text';
    }
    out.push({ el: c, kind, meaning: meaningOf(labelOf(c)) });
  }
  return out;
}

/** What a field shows: its value, a select's or QSelect's chosen option, a radio group's checked label. */
function shown(el: Element): string {
  if (el.tagName === 'SELECT') {
    const s = el as HTMLSelectElement;
    return textOf(s.options[s.selectedIndex]) || s.value;
  }
  if (el.matches('input,textarea')) {
    const v = (el as HTMLInputElement).value;
    // Quasar's QSelect shows the chosen option's text next to its (empty) focus target
    return v || (el.matches('[role=combobox]') ? textOf(el.closest('.q-field__native')) : '');
  }
  const radio = [...el.querySelectorAll<HTMLInputElement>('input[type=radio]')].find((r) => r.checked);
  if (radio) return labelOf(radio) || radio.value;
  const aria = el.querySelector('[role=radio][aria-checked=true]');
  if (aria) return aria.getAttribute('aria-label') || textOf(aria);
  return el.matches('[role=combobox]') ? textOf(el) : '';
}

/**
 * An expiration as shown: a date (ISO or the page language's format) → the end of that local day, as
 * DocBits computes it; "30 days", "3 Monate", "1 año" … → `now` + that; "Never" → null; else undefined.
 */
export function expiryOf(text: string, now: number, lang?: string): number | null | undefined {
  const t = fold(text).trim();
  if (!/\d/.test(t)) return t && NEVER.test(t) ? null : undefined;
  const day = parseDate(t, lang);
  if (day !== undefined) return new Date(day).setHours(23, 59, 59, 0);
  const n = /\d+/.exec(t);
  if (!n) return undefined;
  const unit = /year|jahr|jaar|\bans?\b|\bano|anno/.test(t)
    ? 365
    : /week|woche|wek|semaine|semana|settiman/.test(t)
      ? 7
      : /month|monat|maand|mois|\bmes/.test(t)
        ? 30
        : 1;
  return now + Number(n[0]) * unit * DAY;
}

interface CreateForm {
  dialog: Element;
  name: HTMLInputElement | undefined;
  description: Element | undefined;
  /** Date fields first (a custom date wins), then the choices. */
  expires: Element[];
}

/** A dialog's fields by meaning; by kind (first text input, first textarea, any choice or date) where no label says. */
function formOf(d: Element): CreateForm {
  const fields = fieldsIn(d);
  const find = (m: Meaning, kinds: Kind[]) =>
    (
      fields.find((f) => f.meaning === m && kinds.includes(f.kind)) ??
      fields.find((f) => !f.meaning && f.kind === kinds[0])
    )?.el;
  const expires = fields
    .filter((f) => f.meaning === 'expires' || (!f.meaning && /choice|date/.test(f.kind)))
    .sort((a, b) => +(a.kind === 'choice') - +(b.kind === 'choice'))
    .map((f) => f.el);
  return {
    dialog: d,
    name: find('name', ['text']) as HTMLInputElement | undefined,
    description: find('description', ['area', 'text']),
    expires,
  };
}

/**
 * The open dialog that looks like "Create API key" — found by role=dialog, aria-modal, `<dialog open>` or
 * Quasar's classes, mentioning an API key, with a name field and an expiration choice, not showing a key.
 * The newest (last) such dialog wins.
 */
function createDialog(doc: ParentNode): CreateForm | null {
  const dialogs = doc.querySelectorAll(DIALOGS);
  for (let i = dialogs.length - 1; i >= 0; i--) {
    const d = dialogs[i] as Element;
    if (d.closest('[hidden]') || d.querySelector('.key-display') || !API_KEY.test(fold(textOf(d)))) continue;
    const form = formOf(d);
    if (form.name && form.expires.length > 0) return form;
  }
  return null;
}

function valuesIn(f: CreateForm, now: number): CreateDialogValues {
  const out: CreateDialogValues = {};
  const unread: UnreadField[] = [];
  const doc = f.dialog.ownerDocument;
  const lang = langOf(fold(textOf(f.dialog))) ?? doc.documentElement.lang.slice(0, 2);
  const name = f.name?.value.trim();
  if (name) out.name = name;
  else unread.push('name');
  const description = f.description && shown(f.description).trim();
  if (description) out.description = description;
  else if (!f.description) unread.push('description');
  for (const el of f.expires) {
    const at = expiryOf(shown(el), now, lang);
    if (at !== undefined) {
      out.expiresAt = at;
      break;
    }
  }
  if (out.expiresAt === undefined) unread.push('expiresAt');
  if (unread.length > 0) out.unread = unread;
  return out;
}

/**
 * What the admin has entered in DocBits' create-key dialog, if it is open: Key Name, Description and
 * Expiration (Never → null; 30/90/365 days → `now` + days; a custom date → the end of that local day,
 * as DocBits computes it), and which of them could not be read. {} when no such dialog is open.
 */
export function readCreateDialogValues(doc: ParentNode, now: number = Date.now()): CreateDialogValues {
  const f = createDialog(doc);
  return f ? valuesIn(f, now) : {};
}

const suggested = new WeakSet<HTMLInputElement>();

/**
 * Puts `name` into the Key Name field of DocBits' open create dialog, as typing would (an `input` event,
 * so the page's own model takes it). Only into an empty field unless `force`: never over what the admin
 * typed. True when the field now holds `name`.
 */
export function fillCreateDialogName(doc: Document, name: string, force = false): boolean {
  const input = createDialog(doc)?.name;
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
    const f = createDialog(doc);
    if (!f) return;
    last = valuesIn(f, Date.now());
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

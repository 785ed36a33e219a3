/**
 * Masking full API keys with CSS only: the stylesheet matches the page's own stable hooks, so a key is
 * masked the moment its node is styled — before any script has seen it, and on every node Vue recreates.
 */

/** Set by the fallback detector on an element holding a full key (see detect.ts). */
export const MASK_ATTR = 'data-keyguard-mask';
/** Set while the user has chosen to see a key ("Show API key"). */
export const REVEAL_ATTR = 'data-keyguard-revealed';
/** Put on KeyGuard's own nodes in the page (shadow hosts): observePage ignores them. */
export const UI_ATTR = 'data-keyguard-ui';

/** The current UI's show-once dialog: `<div class="key-display"><code>FULLKEY</code> <button>`. */
export const SHOW_ONCE_SELECTOR = '.key-display code';
/** The legacy UI's read-only key field ("Key" is never translated; the id is generated). */
export const LEGACY_SELECTOR = 'label.q-input.api input[aria-label="Key"]';

const list = (suffix: string): string =>
  [SHOW_ONCE_SELECTOR, LEGACY_SELECTOR, `[${MASK_ATTR}]`]
    .map((s) => `${s}:not([${REVEAL_ATTR}])${suffix}`)
    .join();

const masked = list('');
/** Key elements that are not form fields: the show-once `<code>` and fallback marks on plain elements. */
const nonFields = [SHOW_ONCE_SELECTOR, `[${MASK_ATTR}]:not(input):not(textarea)`]
  .map((s) => `${s}:not([${REVEAL_ATTR}])`)
  .join();
/** Transparent text over a row of dots: same box, nothing readable, nothing selectable-visible. */
const dots =
  '{color:transparent!important;text-shadow:none!important;background-image:radial-gradient(circle,#888 .17em,transparent .2em)!important;background-size:.7em 1em!important;background-repeat:repeat-x!important;background-position:0 50%!important}';

/**
 * The stylesheet to inject into the DocBits page at document_start. Glyphs become discs
 * (`-webkit-text-security`), which keeps the boxes as they were: inputs have a fixed width and `<code>` is
 * monospace, where a disc is as wide as any character. Only the key's own element is matched, never
 * DocBits' buttons. Where the property is missing — and in Firefox for elements that are not form fields,
 * where it is documented to apply to fields only — the text turns transparent over a row of dots instead,
 * which also keeps the layout.
 */
export const MASK_CSS = `${masked}{-webkit-text-security:disc!important}@supports not (-webkit-text-security:disc){${masked}${dots}${list('::selection')}{color:transparent!important}}@supports (-moz-appearance:none){${nonFields}${dots}}`;

/** Shows (`on`) or masks again the key in `el`. A re-rendered node starts masked again. */
export function setRevealed(el: Element, on: boolean): void {
  if (on) el.setAttribute(REVEAL_ATTR, '');
  else el.removeAttribute(REVEAL_ATTR);
}

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

/**
 * The stylesheet to inject into the DocBits page (e.g. as the content script's CSS, so it applies from the
 * first paint). Glyphs become discs (`-webkit-text-security`: Chromium; Firefox since 114), which keeps
 * the boxes as they were: inputs have a fixed width and `<code>` is monospace, where a disc is as wide as
 * any character. Only the key's own element is matched, never DocBits' buttons. Browsers without the
 * property get transparent text over a row of dots, which also keeps the layout.
 */
export const MASK_CSS = `${masked}{-webkit-text-security:disc!important}@supports not (-webkit-text-security:disc){${masked}{color:transparent!important;text-shadow:none!important;background-image:radial-gradient(circle,#888 .17em,transparent .2em)!important;background-size:.7em 1em!important;background-repeat:repeat-x!important;background-position:0 50%!important}${list('::selection')}{color:transparent!important}}`;

/** Shows (`on`) or masks again the key in `el`. A re-rendered node starts masked again. */
export function setRevealed(el: Element, on: boolean): void {
  if (on) el.setAttribute(REVEAL_ATTR, '');
  else el.removeAttribute(REVEAL_ATTR);
}

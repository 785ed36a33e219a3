/**
 * Styles inside the closed shadow roots: nothing leaks in from DocBits' CSS, nothing leaks out. Written
 * compact on purpose: it ships in the size-budgeted content script. Light and dark via
 * prefers-color-scheme; colours meet WCAG AA on their backgrounds.
 */
export const PAGE_UI_CSS =
  // The host keeps the controls' box in the page's flow and is the anchor; `!important` in the shadow root's
  // own sheet wins over anything the page sets on the host. The wrapper (.w) is a popover in the top layer
  // (float.ts): it resets what the host would pass on to it (visibility, colours, our variables, fonts).
  ':host{all:initial;display:block;anchor-name:--kg!important}' +
  '.w{all:initial;position:fixed;position-anchor:--kg;left:anchor(left);top:anchor(top);width:anchor-size(width);' +
  'position-visibility:anchors-visible;display:flex;font:13px/1.4 system-ui,sans-serif;color:var(--f);' +
  '--f:#1b1f24;--b:#fff;--m:#4a5360;--l:#8a94a3;--a:#0b57d0;--ok:#146c2e;--w:#7a4d00;--x:#b3261e}' +
  // Out of view (.i) it is drawn in the page's flow instead, focusable; stepped aside for the page, hidden.
  '.w:not(:popover-open):not(.i),.w::backdrop{display:none}.w.i{position:static}' +
  '@media(prefers-color-scheme:dark){.w{--f:#e8eaed;--b:#1f2329;--m:#b4bcc8;--l:#6b7480;--a:#8ab4f8;' +
  '--ok:#7dd99a;--w:#f6c86b;--x:#f2b8b5}}' +
  'fieldset{border:0;padding:0;min-width:0}.kg{display:inline-flex;flex-wrap:wrap;align-items:center;gap:6px;margin:4px 0 4px 8px;color:var(--f)}' +
  'button,input,select{font:inherit;color:var(--f);background:var(--b);border:1px solid var(--l);border-radius:4px;padding:2px 8px}' +
  'button{cursor:pointer}button[aria-disabled=true]{cursor:not-allowed;border-style:dashed}.p{background:var(--a);border-color:var(--a);color:var(--b)}' +
  ':focus-visible{outline:3px solid var(--a);outline-offset:2px}' +
  '.g{border-radius:10px;padding:0 8px;border:1px solid;font-size:12px;white-space:nowrap}' +
  '.in{color:var(--ok)}.out,.msg{color:var(--m)}.warn{color:var(--w)}.bad{color:var(--x)}.msg{font-size:12px}' +
  'form{display:grid;grid-template-columns:auto 1fr;gap:4px 8px;align-items:center;padding:8px;' +
  'border:1px solid var(--l);border-radius:6px;background:var(--b)}' +
  'form div{grid-column:1/-1;display:flex;gap:6px;justify-content:flex-end}' +
  '.col{display:flex;flex-direction:column;align-items:stretch;margin:8px 0}.box{padding:8px;border:1px solid var(--l);' +
  'border-radius:6px;background:var(--b);color:var(--f)}ol,ul{margin:4px 0;padding-left:20px}' +
  '.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}' +
  'li.done{color:var(--ok)}summary{cursor:pointer}';

/** Styles inside the closed shadow roots: nothing leaks in from DocBits' CSS, nothing leaks out. */
export const PAGE_UI_CSS = `
:host { all: initial; display: inline-flex; vertical-align: middle; font: 13px/1.4 system-ui, sans-serif;
  --fg: #1b1f24; --bg: #fff; --muted: #4a5360; --border: #8a94a3; --accent: #0b57d0; --ok: #146c2e;
  --warn: #7a4d00; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :host { --fg: #e8eaed; --bg: #1f2329; --muted: #b4bcc8;
  --border: #6b7480; --accent: #8ab4f8; --ok: #7dd99a; --warn: #f6c86b; --bad: #f2b8b5; } }
.kg { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 4px 0 4px 8px; color: var(--fg); }
button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border);
  border-radius: 4px; padding: 2px 8px; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--bg); }
button:disabled { opacity: .6; cursor: default; }
button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.badge { border-radius: 10px; padding: 0 8px; border: 1px solid currentColor; font-size: 12px; white-space: nowrap; }
.in { color: var(--ok); } .out { color: var(--muted); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.msg { color: var(--muted); font-size: 12px; }
form { display: grid; grid-template-columns: auto 1fr; gap: 4px 8px; align-items: center; padding: 8px;
  border: 1px solid var(--border); border-radius: 6px; background: var(--bg); }
form .row { grid-column: 1 / -1; display: flex; gap: 6px; justify-content: flex-end; }
input { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: 2px 6px; }
`;

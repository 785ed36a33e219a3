/**
 * Finding controls by accessible name — also inside closed shadow roots — over WebDriver BiDi.
 *
 * Firefox has no DevTools accessibility query, and BiDi's accessibility locator does not pierce shadow
 * roots. BiDi's serializer does: every node comes with its shadow root (closed ones too) as a `sharedId`,
 * on which a function can run. So the search runs in the document, then in every shadow root it finds.
 * Names and roles are computed in the page by a small subset of the accessible-name rules (aria-label,
 * aria-labelledby, <label>, text content for buttons and links, title, placeholder; without a role asked
 * for, also the innermost element whose text is the name, like a text node in an accessibility tree) —
 * enough for KeyGuard's own controls. Clicks are BiDi pointer actions at the element (trusted events that hit-test).
 */
import type { Page } from 'puppeteer-core';
import { callFunction, clickNode, type NodeValue, plain, type RemoteValue, typeText } from './bidi.js';

/** A control found by accessible name. */
export interface FxElement {
  readonly name: string;
  readonly role: string;
  readonly sharedId: string;
  /** A trusted mouse click at the element's centre (scrolled into view first). */
  click(): Promise<void>;
  focus(): Promise<void>;
  /** Focuses the element, selects what it holds, and types `text` as trusted key presses. */
  fill(text: string): Promise<void>;
  text(): Promise<string>;
  value(): Promise<string>;
  /** Calls `fn` with the element inside the page; `fn` is sent as source text (no closures). */
  evaluate<R>(fn: (element: Element) => R): Promise<R>;
}

/** Options for {@link findByName}. */
export interface FindOptions {
  /** How long to wait for a rendered match (ms). Default 10 000. */
  timeoutMs?: number;
  /** Search only inside the first element matching this CSS selector (a page section, say). */
  within?: string;
}

/**
 * Runs in the page for one root (document or shadow root): the elements named `name` (and `role`), the
 * hosts of closed shadow roots to search next (childless elements of the kinds that may have one, whose
 * `shadowRoot` the page cannot see), and whether each match is rendered.
 */
const SEARCH = `function (root, name, role) {
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const roleOf = (el) => {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit.split(/\\s+/)[0];
    const tag = el.localName;
    if (tag === 'button' || tag === 'summary') return 'button';
    if (tag === 'a' && el.hasAttribute('href')) return 'link';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
    if (/^h[1-6]$/.test(tag)) return 'heading';
    if (tag === 'dialog') return 'dialog';
    if (tag === 'input') {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'button' || type === 'submit' || type === 'reset' || type === 'image') return 'button';
      if (type === 'search') return 'searchbox';
      if (type === 'number') return 'spinbutton';
      if (type === 'range') return 'slider';
      if (type === 'file') return 'button';
      if (type === 'hidden') return '';
      return 'textbox';
    }
    return '';
  };
  const nameOf = (el, r) => {
    const label = el.getAttribute('aria-label');
    if (label && norm(label)) return norm(label);
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const doc = el.getRootNode();
      const text = by.split(/\\s+/).map((id) => (doc.getElementById ? doc.getElementById(id) : null)).filter(Boolean).map((n) => n.textContent).join(' ');
      if (norm(text)) return norm(text);
    }
    if (el.labels && el.labels.length > 0) {
      const text = Array.from(el.labels).map((l) => l.textContent).join(' ');
      if (norm(text)) return norm(text);
    }
    if (['button', 'link', 'tab', 'menuitem', 'checkbox', 'radio', 'option', 'heading', 'switch'].includes(r)) {
      if (el.localName === 'input' && el.value) return norm(el.value);
      const text = norm(el.textContent);
      if (text) return text;
    }
    return norm(el.getAttribute('title') || el.getAttribute('placeholder') || '');
  };
  const rendered = (el) => {
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const SHADOWABLE = /^(article|aside|blockquote|body|div|footer|h[1-6]|header|main|nav|p|section|span|[a-z][a-z0-9]*-[a-z0-9-]*)$/;
  const matches = [];
  const hosts = [];
  const walk = (node) => {
    for (const el of node.querySelectorAll('*')) {
      const r = roleOf(el);
      if ((!role || r === role) && r !== '' && nameOf(el, r) === name) matches.push([el, rendered(el)]);
      else if (!role && (el.hasAttribute('aria-label') ? norm(el.getAttribute('aria-label')) === name : norm(el.textContent) === name && !Array.from(el.children).some((c) => norm(c.textContent) === name))) matches.push([el, rendered(el)]);
      if (el.shadowRoot) walk(el.shadowRoot);
      else if (el.childNodes.length === 0 && SHADOWABLE.test(el.localName)) hosts.push(el);
    }
  };
  walk(root);
  return { matches: matches.map(([el]) => el), rendered: matches.map(([, r]) => r), hosts };
}`;

/**
 * In the page: scrolls the element into view and says 'ok' when it is connected, rendered, enabled, has
 * kept its box over two frames and is what a press at its centre would hit (looked up in its own tree, so
 * closed shadow roots and the top layer count); otherwise why not.
 */
const ACTIONABLE = `async function (el) {
  if (!el.isConnected) return 'detached';
  el.scrollIntoView({ block: 'center', inline: 'center' });
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const before = el.getBoundingClientRect();
  await frame();
  await frame();
  const box = el.getBoundingClientRect();
  if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return 'not visible';
  if (box.width === 0 || box.height === 0) return 'no size';
  if (box.x !== before.x || box.y !== before.y || box.width !== before.width) return 'moving';
  if (el.disabled === true) return 'disabled';
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const hit = el.getRootNode().elementFromPoint(x, y);
  if (hit && (hit === el || el.contains(hit))) return 'ok';
  const what = (n) => n ? n.localName + (n.id ? '#' + n.id : '') + (typeof n.className === 'string' && n.className ? '.' + n.className.trim().split(/\\s+/).join('.') : '') : 'nothing';
  return 'covered by ' + what(hit) + ' at ' + Math.round(x) + ',' + Math.round(y);
}`;

function element(page: Page, sharedId: string, name: string, role: string): FxElement {
  const on = async <R>(declaration: string, ...args: unknown[]): Promise<R> =>
    plain(await callFunction(page, declaration, [{ sharedId }, ...args])) as R;
  const self: FxElement = {
    name,
    role,
    sharedId,
    async click() {
      // As a person (and Playwright) does: wait until the element is shown, still and not covered, then
      // press. A node that moves or is briefly hidden (a dialog's transition, a control moving into the
      // top layer) is waited for instead of clicked blind.
      const deadline = Date.now() + 10_000;
      let last = '';
      for (;;) {
        last = await on<string>(ACTIONABLE);
        if (last === 'ok') {
          try {
            await clickNode(page, sharedId);
            return;
          } catch (error) {
            // The element went between the check and the press (WebDriver: "not displayed").
            last = `press refused: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
          }
        }
        if (Date.now() > deadline) throw new Error(`click "${name}" (${role}): not actionable — ${last}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async focus() {
      await on('function (el) { el.focus(); }');
    },
    async fill(text: string) {
      await on('function (el) { el.focus(); if (typeof el.select === "function") el.select(); }');
      const had = await self.value();
      if (had) await typeText(page, '\uE017'); // Delete: the selection goes (typing would replace it too)
      if (text) await typeText(page, text);
    },
    text: () => on<string>('function (el) { return el.textContent || ""; }'),
    value: () => on<string>('function (el) { return typeof el.value === "string" ? el.value : ""; }'),
    evaluate: <R>(fn: (el: Element) => R) => on<R>(`function (el) { return (${fn.toString()})(el); }`),
  };
  return self;
}

interface Found {
  element: FxElement;
  rendered: boolean;
}

async function search(page: Page, name: string, role?: string, within?: string): Promise<Found[]> {
  const found: Found[] = [];
  // Roots to search: the document (or a part of it) first, then each closed shadow root found on the way.
  const start = await callFunction(
    page,
    'function (sel) { return sel ? document.querySelector(sel) : document; }',
    [within ? { type: 'string', value: within } : { type: 'undefined' }],
  );
  if (!start.sharedId) return found;
  const roots: RemoteValue[] = [start];
  for (let i = 0; i < roots.length && i < 200; i++) {
    const root = roots[i] as RemoteValue;
    const result = await callFunction(
      page,
      SEARCH,
      [
        { sharedId: root.sharedId },
        { type: 'string', value: name },
        role ? { type: 'string', value: role } : { type: 'undefined' },
      ],
      { shadow: true },
    );
    const map = new Map((result.value as [string, RemoteValue][]).map(([k, v]) => [k, v] as const));
    const matches = (map.get('matches')?.value ?? []) as NodeValue[];
    const rendered = (plain(map.get('rendered')) ?? []) as boolean[];
    matches.forEach((m, j) => {
      found.push({ element: element(page, m.sharedId, name, role ?? ''), rendered: rendered[j] === true });
    });
    for (const host of (map.get('hosts')?.value ?? []) as NodeValue[]) {
      const shadow = host.value?.shadowRoot;
      if (shadow?.sharedId) roots.push(shadow);
    }
  }
  return found;
}

/**
 * Waits for the first element matching the CSS `selector` in the document (not in shadow roots) — for a
 * page's own controls that a test knows by id, as Playwright's `page.locator` does.
 */
export async function bySelector(page: Page, selector: string, timeoutMs = 10_000): Promise<FxElement> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = await callFunction(page, 'function (sel) { return document.querySelector(sel); }', [
      { type: 'string', value: selector },
    ]).catch(() => null);
    if (hit?.sharedId) return element(page, hit.sharedId, selector, '');
    if (Date.now() >= deadline)
      throw new Error(`bySelector: nothing matches ${selector} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every element with exactly this accessible name (and role), rendered or not. Does not wait. */
export async function queryAllByName(page: Page, name: string, role?: string): Promise<FxElement[]> {
  return (await search(page, name, role)).map((f) => f.element);
}

/**
 * Waits for the first rendered element with exactly this accessible name (and role, if given), even in a
 * closed shadow root. Throws after `timeoutMs` naming only what was asked for, never page content.
 */
export async function findByName(
  page: Page,
  name: string,
  role?: string,
  options: FindOptions = {},
): Promise<FxElement> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await search(page, name, role, options.within).catch(() => [])).find((f) => f.rendered);
    if (hit) return hit.element;
    if (Date.now() >= deadline) {
      const url = new URL(page.url());
      throw new Error(
        `findByName: no rendered element named "${name}"${role ? ` with role ${role}` : ''} ` +
          `within ${timeoutMs} ms on ${url.origin}${url.pathname}`,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * KeyGuard's one-line messages now on the page ("Copied…", "KeyGuard ignored this click…", "KeyGuard could
 * not do that: …", "Saved in KeyGuard"), read from inside closed shadow roots. For failure messages: they
 * never contain a key.
 */
export async function keyguardMessages(page: Page): Promise<string[]> {
  const texts: string[] = [];
  const roots: RemoteValue[] = [await callFunction(page, 'function () { return document; }')];
  for (let i = 0; i < roots.length && i < 200; i++) {
    const root = roots[i] as RemoteValue;
    const result = await callFunction(
      page,
      `function (root) {
        const lines = [];
        const hosts = [];
        for (const el of root.querySelectorAll('*')) {
          if (el.childElementCount === 0 && el.textContent) lines.push(el.textContent.replace(/\\s+/g, ' ').trim());
          if (el.childNodes.length === 0) hosts.push(el);
        }
        return { lines: root === document ? [] : lines, hosts };
      }`,
      [{ sharedId: root.sharedId }],
      { shadow: true },
    );
    const map = new Map((result.value as [string, RemoteValue][]).map(([k, v]) => [k, v] as const));
    texts.push(...((plain(map.get('lines')) ?? []) as string[]));
    for (const host of (map.get('hosts')?.value ?? []) as NodeValue[]) {
      const shadow = host.value?.shadowRoot;
      if (shadow?.sharedId) roots.push(shadow);
    }
  }
  return texts.filter((t) => /^(Copied|KeyGuard |Saved in KeyGuard)/.test(t));
}

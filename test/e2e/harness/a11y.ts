/**
 * Finding controls by accessible name — also inside closed shadow roots — through the DevTools protocol.
 *
 * Page scripts (and Playwright's own selectors) cannot see into a closed shadow root, which is where the
 * extension mounts its injected UI. Chromium's accessibility tree can: `Accessibility.queryAXTree` computes
 * names and roles over the flat tree. Clicks go through `page.mouse` at the element's centre, so the page
 * gets a real, trusted event (`isTrusted === true`) that also hit-tests like a user's click would.
 */
import type { CDPSession, Page } from 'playwright-core';

const sessions = new WeakMap<Page, Promise<CDPSession>>();

/** One CDP session per page, reused across queries. */
export function cdpSession(page: Page): Promise<CDPSession> {
  let session = sessions.get(page);
  if (!session) {
    session = page.context().newCDPSession(page);
    sessions.set(page, session);
  }
  return session;
}

/** A control found by accessible name. Its methods act on the live DOM node, even in a closed shadow root. */
export interface AxElement {
  /** The computed accessible name. */
  readonly name: string;
  /** The computed ARIA role (`button`, `textbox`, …). */
  readonly role: string;
  /** The DOM node, as the DevTools protocol names it. */
  readonly backendNodeId: number;
  /** Accessibility properties such as `disabled`, `checked`, `focusable`. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** The centre of the element in viewport coordinates (scrolls it into view first). */
  center(): Promise<{ x: number; y: number }>;
  /** A real mouse click at the element's centre (trusted event; whatever is on top there gets it). */
  click(): Promise<void>;
  /** Focuses the element. */
  focus(): Promise<void>;
  /** Focuses the element, selects and deletes what it holds, then inserts `text` as trusted input. */
  fill(text: string): Promise<void>;
  /** The node's `textContent`. */
  text(): Promise<string>;
  /** The node's `value` (inputs), or `''`. */
  value(): Promise<string>;
  /**
   * Calls `fn` with the element as its argument inside the page and returns its JSON-able result.
   * `fn` is sent as source text, so it must not close over test variables.
   */
  evaluate<R>(fn: (element: Element) => R): Promise<R>;
}

/** Options for {@link findByName}. */
export interface FindOptions {
  /** How long to wait for a rendered match (ms). Default 10 000. */
  timeoutMs?: number;
}

async function callOn<R>(session: CDPSession, backendNodeId: number, declaration: string): Promise<R> {
  const { object } = await session.send('DOM.resolveNode', { backendNodeId });
  if (!object.objectId) throw new Error('findByName: the element is gone');
  try {
    const result = await session.send('Runtime.callFunctionOn', {
      objectId: object.objectId,
      functionDeclaration: declaration,
      returnByValue: true,
      awaitPromise: true,
    });
    if (result.exceptionDetails) {
      throw new Error(
        `evaluate on element failed: ${result.exceptionDetails.exception?.description ?? 'error'}`,
      );
    }
    return result.result.value as R;
  } finally {
    await session.send('Runtime.releaseObject', { objectId: object.objectId }).catch(() => undefined);
  }
}

/** The centre of the node's first content quad, or undefined if it is not rendered. */
async function centerOf(
  session: CDPSession,
  backendNodeId: number,
): Promise<{ x: number; y: number } | undefined> {
  const quads = await session
    .send('DOM.getContentQuads', { backendNodeId })
    .then((r) => r.quads)
    .catch(() => []);
  const quad = quads.find((q) => q.length >= 8);
  if (!quad) return undefined;
  const xs = [quad[0], quad[2], quad[4], quad[6]] as number[];
  const ys = [quad[1], quad[3], quad[5], quad[7]] as number[];
  const width = Math.max(...xs) - Math.min(...xs);
  const height = Math.max(...ys) - Math.min(...ys);
  if (width <= 0 || height <= 0) return undefined;
  return { x: xs.reduce((a, b) => a + b, 0) / 4, y: ys.reduce((a, b) => a + b, 0) / 4 };
}

function makeElement(
  page: Page,
  session: CDPSession,
  node: { name: string; role: string; backendNodeId: number; properties: Record<string, unknown> },
): AxElement {
  const { backendNodeId } = node;
  const element: AxElement = {
    ...node,
    async center() {
      await session.send('DOM.scrollIntoViewIfNeeded', { backendNodeId }).catch(() => undefined);
      const point = await centerOf(session, backendNodeId);
      if (!point) throw new Error(`findByName: "${node.name}" is not rendered (no box to click)`);
      return point;
    },
    async click() {
      const { x, y } = await element.center();
      await page.mouse.click(x, y);
    },
    async focus() {
      await session.send('DOM.focus', { backendNodeId });
    },
    async fill(text: string) {
      await element.focus();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      if (text) await page.keyboard.insertText(text);
    },
    text: () => callOn<string>(session, backendNodeId, 'function () { return this.textContent ?? ""; }'),
    value: () =>
      callOn<string>(
        session,
        backendNodeId,
        'function () { return typeof this.value === "string" ? this.value : ""; }',
      ),
    evaluate: <R>(fn: (el: Element) => R) =>
      callOn<R>(session, backendNodeId, `function () { return (${fn.toString()})(this); }`),
  };
  return element;
}

/**
 * Every non-ignored element with exactly this accessible name (and role, if given), in tree order,
 * rendered or not. Does not wait.
 */
export async function queryAllByName(page: Page, name: string, role?: string): Promise<AxElement[]> {
  const session = await cdpSession(page);
  // queryAXTree walks the flat tree, closed shadow roots included, so the document node is all it needs;
  // backend node ids then work for boxes and calls without loading the DOM (no depth: -1, pierce: true).
  const { root } = await session.send('DOM.getDocument', { depth: 0 });
  const { nodes } = await session.send('Accessibility.queryAXTree', {
    backendNodeId: root.backendNodeId,
    accessibleName: name,
    ...(role ? { role } : {}),
  });
  const found: AxElement[] = [];
  for (const n of nodes) {
    if (n.ignored || n.backendDOMNodeId === undefined) continue;
    const properties: Record<string, unknown> = {};
    for (const p of n.properties ?? []) properties[p.name] = p.value.value;
    found.push(
      makeElement(page, session, {
        name: String(n.name?.value ?? name),
        role: String(n.role?.value ?? ''),
        backendNodeId: n.backendDOMNodeId,
        properties,
      }),
    );
  }
  return found;
}

/**
 * Waits for the first rendered element with exactly this accessible name (and role, if given) and returns
 * it, even if it lives in a closed shadow root. Throws after `timeoutMs` (the message names only the
 * name and role asked for — never page content).
 */
export async function findByName(
  page: Page,
  name: string,
  role?: string,
  options: FindOptions = {},
): Promise<AxElement> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const session = await cdpSession(page);
  for (;;) {
    const candidates = await queryAllByName(page, name, role).catch(() => []);
    for (const candidate of candidates) {
      if (await centerOf(session, candidate.backendNodeId)) return candidate;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `findByName: no rendered element named "${name}"${role ? ` with role ${role}` : ''} ` +
          `within ${timeoutMs} ms on ${new URL(page.url()).origin}${new URL(page.url()).pathname}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Raw WebDriver BiDi commands, for what puppeteer-core does not (yet) do with Firefox: navigating to
 * moz-extension pages, reaching into closed shadow roots, trusted clicks on such nodes, and evaluating in
 * the browser's privileged (chrome) scope.
 */
import type { Browser, Page } from 'puppeteer-core';

/** A BiDi remote value (only the fields the harness reads). */
export interface RemoteValue {
  type: string;
  sharedId?: string;
  handle?: string;
  value?: unknown;
}

/** A serialized DOM node. */
export interface NodeValue extends RemoteValue {
  type: 'node';
  sharedId: string;
  value?: { localName?: string; shadowRoot?: NodeValue | null; nodeType?: number };
}

interface Connection {
  send(method: string, params: unknown, timeout?: number): Promise<{ result: unknown }>;
}

/** Sends one BiDi command on puppeteer's own connection and returns its result. */
export async function bidi<T = unknown>(browser: Browser, method: string, params: unknown): Promise<T> {
  // puppeteer's BiDi browser exposes its connection (internal API; puppeteer-core is pinned).
  const connection = (browser as unknown as { connection: Connection }).connection;
  const { result } = await connection.send(method, params);
  return result as T;
}

/** The BiDi browsing-context id of a page's main frame (internal field of puppeteer's BiDi frame). */
export function contextOf(page: Page): string {
  const id = (page.mainFrame() as unknown as { _id?: string })._id;
  if (typeof id !== 'string') throw new Error('contextOf: not a WebDriver BiDi page');
  return id;
}

interface EvaluateResult {
  type: 'success' | 'exception';
  result?: RemoteValue;
  exceptionDetails?: { text?: string };
}

/**
 * Calls `declaration` (function source) in the page's window realm with BiDi arguments and returns the
 * raw remote value. DOM nodes come back with a `sharedId` and, with `shadow`, their shadow roots (closed
 * ones too).
 */
export async function callFunction(
  page: Page,
  declaration: string,
  args: unknown[] = [],
  options: { shadow?: boolean; depth?: number } = {},
): Promise<RemoteValue> {
  const r = await bidi<EvaluateResult>(page.browser(), 'script.callFunction', {
    functionDeclaration: declaration,
    awaitPromise: true,
    target: { context: contextOf(page) },
    arguments: args,
    resultOwnership: 'none',
    serializationOptions: {
      maxDomDepth: options.depth ?? 0,
      maxObjectDepth: 4,
      includeShadowTree: options.shadow ? 'all' : 'none',
    },
  });
  if (r.type !== 'success' || !r.result) {
    throw new Error(`callFunction failed: ${r.exceptionDetails?.text ?? 'exception'}`);
  }
  return r.result;
}

/** Turns a BiDi remote value into plain JSON-like data (primitives, arrays, objects). */
export function plain(value: RemoteValue | undefined): unknown {
  if (!value) return undefined;
  switch (value.type) {
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'string':
    case 'boolean':
      return value.value;
    case 'number':
      return typeof value.value === 'number' ? value.value : Number(value.value);
    case 'array':
      return (value.value as RemoteValue[]).map(plain);
    case 'object':
      return Object.fromEntries(
        (value.value as [string | RemoteValue, RemoteValue][]).map(([k, v]) => [
          typeof k === 'string' ? k : String(plain(k)),
          plain(v),
        ]),
      );
    default:
      return value;
  }
}

/**
 * Navigates `page` to `url` without waiting on puppeteer (its goto times out on moz-extension pages in
 * Firefox although they load), then polls `document.readyState` until the page has loaded.
 */
export async function navigate(page: Page, url: string, timeoutMs = 30_000): Promise<void> {
  await bidi(page.browser(), 'browsingContext.navigate', { context: contextOf(page), url, wait: 'none' });
  const deadline = Date.now() + timeoutMs;
  // Compared without query and fragment (Node's URL gives moz-extension URLs a "null" origin).
  const bare = (href: string) => href.split(/[?#]/)[0] ?? href;
  const target = bare(new URL(url).href);
  for (;;) {
    const state = await page.evaluate(() => `${document.readyState} ${location.href}`).catch(() => '');
    if (state.startsWith('complete ') && bare(state.slice('complete '.length)) === target) return;
    if (Date.now() > deadline) throw new Error(`navigate: ${target} did not load within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A trusted mouse click at the centre of a node (may be inside a closed shadow root). */
export async function clickNode(page: Page, sharedId: string): Promise<void> {
  await bidi(page.browser(), 'input.performActions', {
    context: contextOf(page),
    actions: [
      {
        type: 'pointer',
        id: 'keyguard-mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', x: 0, y: 0, origin: { type: 'element', element: { sharedId } } },
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
        ],
      },
    ],
  });
}

/** Types `text` as trusted key presses into whatever has focus. */
export async function typeText(page: Page, text: string): Promise<void> {
  const actions = [...text].flatMap((ch) => [
    { type: 'keyDown', value: ch },
    { type: 'keyUp', value: ch },
  ]);
  await bidi(page.browser(), 'input.performActions', {
    context: contextOf(page),
    actions: [{ type: 'key', id: 'keyguard-keyboard', actions }],
  });
}

/** Evaluates `expression` in the browser's privileged window (needs `--remote-allow-system-access`). */
export async function evaluateChrome(browser: Browser, expression: string): Promise<unknown> {
  const tree = await bidi<{ contexts: { context: string }[] }>(browser, 'browsingContext.getTree', {
    'moz:scope': 'chrome',
    maxDepth: 0,
  });
  const context = tree.contexts[0]?.context;
  if (!context) throw new Error('evaluateChrome: no privileged browsing context');
  const r = await bidi<EvaluateResult>(browser, 'script.evaluate', {
    expression,
    target: { context },
    awaitPromise: true,
    resultOwnership: 'none',
  });
  if (r.type !== 'success')
    throw new Error(`evaluateChrome failed: ${r.exceptionDetails?.text ?? 'exception'}`);
  return plain(r.result);
}

/** Sets the files of an `<input type="file">` (by its sharedId) as a person picking them would. */
export async function setFiles(page: Page, sharedId: string, files: string[]): Promise<void> {
  await bidi(page.browser(), 'input.setFiles', {
    context: contextOf(page),
    element: { sharedId },
    files,
  });
}

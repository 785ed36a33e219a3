/**
 * The background's single entry point for messages. It checks, in order: the envelope, the sender's
 * extension id, the sender kind against the message's allow-list, and the payload shape. Only then does a
 * handler run. Whatever happens, the caller gets a `Reply` and nothing escapes as an exception.
 *
 * The `lib/background/` area: this router, the handlers (handlers/, one file per area) and the worker's
 * helpers (registration, offscreen, clipboard, autolock). It composes the other areas and may import any of
 * `lib/`; only it and the background entrypoint import it (docs/architecture.md).
 */

import { errorKind } from '../errors';
import {
  type ErrorCode,
  type FileProblem,
  isMessageType,
  MESSAGES,
  type MessageType,
  type PayloadOf,
  type Reply,
  type ReplyOf,
  type SenderKind,
} from '../messages';
import { ShapeError } from '../validate';
import { VaultError } from '../vault/service';

/** The fields of `runtime.MessageSender` the router relies on. */
export interface Sender {
  id?: string;
  url?: string;
  origin?: string;
  frameId?: number;
  /** The sending document (Chromium 106+): names the very page that asked, not whatever the frame holds next. */
  documentId?: string;
  tab?: { id?: number; url?: string };
}

export interface HandlerContext {
  kind: SenderKind;
  sender: Sender;
}

export type Handlers = {
  [T in MessageType]: (payload: PayloadOf<T>, ctx: HandlerContext) => Promise<ReplyOf<T>>;
};

/** Thrown by a handler to refuse a well-formed request with a specific code and message. */
export class RequestError extends Error {
  constructor(
    readonly code: 'invalid' | 'forbidden',
    message: string,
    /** An export file's problem, for the options page to put into words. */
    readonly file?: FileProblem,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

export interface RouterOptions {
  extensionId: string;
  /** e.g. `chrome-extension://<id>/`. */
  extensionOrigin: string;
  /** Whether an https URL's host name is a configured DocBits host (read fresh: settings can change). */
  isDocbitsHost: (host: string) => boolean | Promise<boolean>;
  handlers: Handlers;
  /** Called after each handled request, e.g. to re-arm the auto-lock timer. Never sees payloads. */
  onHandled?: (type: MessageType, kind: SenderKind) => void;
  /** Where unexpected handler failures are reported (only the error's class name). Default console.error. */
  logError?: (text: string) => void;
}

/**
 * Classifies a sender: an extension page (popup, options, offscreen: its URL is inside the extension), the
 * DocBits content script (top frame of an https page on a configured DocBits host), or the guard content
 * script (any other tab). Returns null for anything not from this extension.
 */
export async function classifySender(
  sender: Sender,
  opts: Pick<RouterOptions, 'extensionId' | 'extensionOrigin' | 'isDocbitsHost'>,
): Promise<SenderKind | null> {
  if (typeof sender !== 'object' || sender === null || sender.id !== opts.extensionId) return null;
  const url = parseUrl(sender.url);
  if (!url) return null;
  if (`${url.protocol}//${url.host}/` === opts.extensionOrigin) return 'extension-page';
  if (!sender.tab) return null;
  if (sender.frameId === 0 && url.protocol === 'https:' && (await opts.isDocbitsHost(url.hostname))) {
    return 'docbits-content';
  }
  return pageUrlOf(sender) || isOpaqueFrame(sender) ? 'guard-content' : null;
}

const isWeb = (u: URL) => u.protocol === 'https:' || u.protocol === 'http:';

/**
 * The web page a content script's request speaks for: the sender's http(s) URL; for a frame without a URL
 * of its own (about:blank, about:srcdoc, blob:), the origin the browser says it runs in — its creator's —
 * if that is an http(s) origin. Null for anything else (data: and sandboxed frames have opaque origins).
 */
export function pageUrlOf(sender: Sender): URL | null {
  // (a sandboxed or data: frame: see isOpaqueFrame)
  const url = parseUrl(sender.url);
  if (!url) return null;
  if (isWeb(url)) return url;
  if (url.protocol !== 'about:' && url.protocol !== 'blob:') return null;
  const origin = parseUrl(sender.origin);
  return origin && isWeb(origin) && origin.origin === sender.origin ? origin : null;
}

/**
 * A frame in a tab whose origin is opaque ("null": a sandboxed iframe, a data: URL) — a page of no site
 * the browser will name. The guard still runs there (registered with matchOriginAsFallback, the browser
 * matches such frames by their creator), and is given every key, as for a page of a foreign site.
 */
export function isOpaqueFrame(sender: Sender): boolean {
  const url = parseUrl(sender.url);
  if (!url || !sender.tab) return false;
  const local = url.protocol === 'about:' || url.protocol === 'blob:' || url.protocol === 'data:';
  return local && sender.origin === 'null';
}

function parseUrl(u: unknown): URL | null {
  if (typeof u !== 'string' || u.length > 8192) return null;
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

const error = (
  code: ErrorCode,
  message: string,
  { retryAfterMs, file }: { retryAfterMs?: number | undefined; file?: FileProblem | undefined } = {},
): Reply<never> => ({
  ok: false,
  error: {
    code,
    message,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(file ? { file: { ...file } } : {}),
  },
});

/** Builds the router; `route` never throws. */
export function createRouter(opts: RouterOptions) {
  return async function route(message: unknown, sender: Sender): Promise<Reply<unknown>> {
    try {
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        return error('bad-request', 'Malformed message');
      }
      const { type, payload } = message as { type?: unknown; payload?: unknown };
      if (!isMessageType(type)) return error('unknown-type', 'Unknown message type');
      const kind = await classifySender(sender, opts);
      const def = MESSAGES[type];
      if (!kind || !(def.senders as readonly SenderKind[]).includes(kind)) {
        return error('forbidden', 'Not allowed from this context');
      }
      const extra = Object.keys(message).filter((k) => k !== 'type' && k !== 'payload');
      if (extra.length > 0) return error('bad-request', 'Malformed message');
      const checked = def.payload(payload, 'payload');
      // The handler table is keyed by the same union as MESSAGES, so this lookup is type-correct; TypeScript
      // cannot correlate the two generic positions by itself.
      const handler = opts.handlers[type] as (p: unknown, ctx: HandlerContext) => Promise<unknown>;
      const data = await handler(checked, { kind, sender });
      opts.onHandled?.(type, kind);
      return { ok: true, data: data === undefined ? null : data };
    } catch (e) {
      if (e instanceof ShapeError) return error('bad-request', e.message);
      // Only our own error classes carry codes and messages meant for the caller.
      if (e instanceof VaultError) return error(e.code, e.message, { retryAfterMs: e.retryAfterMs });
      if (e instanceof RequestError) return error(e.code, e.message, { file: e.file });
      // Unknown failures get a generic reply: their text might carry data we never want to echo.
      (opts.logError ?? console.error)(`KeyGuard: a message handler failed (${errorKind(e)})`);
      return error('internal', 'Internal error');
    }
  };
}

/**
 * The sending side of the protocol (lib/messages.ts defines it): a typed `send` and the error it throws,
 * plus the checks extension pages and content scripts apply to what the background sends them. Kept apart
 * from the message table so content scripts do not bundle every payload validator.
 */
import type {
  ErrorCode,
  FileProblem,
  MessageType,
  OffscreenCopy,
  PayloadOf,
  ProtocolErrorBody,
  RefreshEvent,
  Reply,
  ReplyOf,
  VaultStateEvent,
} from './messages';

/** Thrown on the caller's side when the background answers with an error. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly file: FileProblem | undefined;
  constructor(body: ProtocolErrorBody) {
    super(body.message);
    this.name = 'ProtocolError';
    this.code = body.code;
    this.retryAfterMs = body.retryAfterMs;
    this.file = body.file;
  }
}

/**
 * Whether `e` is a {@link ProtocolError}. Checked by name and shape rather than `instanceof`: on the DocBits
 * page the error is thrown by the page part's copy of this module and caught by the controls' copy (two
 * scripts, two classes; lib/page/ui-loader.ts).
 */
export function isProtocolError(e: unknown): e is ProtocolError {
  return (
    e instanceof Error && e.name === 'ProtocolError' && typeof (e as { code?: unknown }).code === 'string'
  );
}

/**
 * Sends one typed message through `runtime.sendMessage` (passed in, so it works with the polyfill in the
 * extension and with a fake in tests) and unwraps the reply.
 */
export async function send<T extends MessageType>(
  runtime: { sendMessage(message: unknown): Promise<unknown> },
  type: T,
  payload: PayloadOf<T>,
): Promise<ReplyOf<T>> {
  const reply = (await runtime.sendMessage({ type, payload })) as Reply<ReplyOf<T>> | undefined;
  if (!reply || typeof reply !== 'object') {
    throw new ProtocolError({ code: 'internal', message: 'No reply from KeyGuard' });
  }
  if (!reply.ok) throw new ProtocolError(reply.error);
  return reply.data;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const keysAre = (v: Record<string, unknown>, keys: string[]) =>
  Object.keys(v).length === keys.length && keys.every((k) => Object.hasOwn(v, k));

/** Background → offscreen: exactly `{type: 'offscreen.copy', payload: {text, clearAfterMs}}`. */
export function isOffscreenCopy(m: unknown): m is OffscreenCopy {
  if (!isObject(m) || !keysAre(m, ['type', 'payload']) || m.type !== 'offscreen.copy') return false;
  const p = m.payload;
  return (
    isObject(p) &&
    keysAre(p, ['text', 'clearAfterMs']) &&
    typeof p.text === 'string' &&
    p.text.length <= 4096 &&
    typeof p.clearAfterMs === 'number' &&
    p.clearAfterMs >= 0 &&
    p.clearAfterMs <= 3_600_000
  );
}

/** Background → DocBits tab: exactly `{type: 'event.vaultState', payload: {unlocked: boolean}}`. */
export function isVaultStateEvent(m: unknown): m is VaultStateEvent {
  if (!isObject(m) || !keysAre(m, ['type', 'payload']) || m.type !== 'event.vaultState') return false;
  return isObject(m.payload) && keysAre(m.payload, ['unlocked']) && typeof m.payload.unlocked === 'boolean';
}

/** The background's "read the page again" (a rotation started or ended in the popup or options). */
export function isRefreshEvent(m: unknown): m is RefreshEvent {
  return isObject(m) && keysAre(m, ['type']) && m.type === 'event.refresh';
}

/**
 * The two doors of the command line (lib/messages.ts, "the command line" block), each checked like the
 * router checks runtime messages: envelope, sender, payload shape; then one handler; a reply that echoes
 * nothing of an unexpected failure.
 */
import { errorKind } from '../../errors';
import {
  CLI_PAGE_MESSAGES,
  CLI_PAGE_PORT,
  isCliPageType,
  isNativeType,
  NATIVE_MESSAGES,
  type NativeErrorBody,
  type NativeReply,
} from '../../messages';
import { ShapeError } from '../../validate';
import { VaultError } from '../../vault/service';
import { CliError, type CliPageHandlers, type NativeContext, type NativeHandlers } from '../handlers/cli';
import { classifySender, RequestError, type Sender } from '../router';

const failure = (code: NativeErrorBody['code'], message: string, ids?: string[]): NativeReply<never> => ({
  ok: false,
  error: { code, message, ...(ids ? { ids: [...ids] } : {}) },
});

function replyForError(e: unknown, logError: (text: string) => void): NativeReply<never> {
  if (e instanceof ShapeError) return failure('bad-request', e.message);
  if (e instanceof CliError) return failure(e.code, e.message, e.ids);
  if (e instanceof VaultError) return failure(e.code, e.message);
  if (e instanceof RequestError)
    return failure(e.code === 'forbidden' ? 'forbidden' : 'bad-request', e.message);
  logError(`KeyGuard: a command line handler failed (${errorKind(e)})`);
  return failure('internal', 'Internal error');
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Handles one message from the native port: `{rid, type, payload}` with a relay id the host assigned,
 * on the port's connection `conn` (the bridge counts its ports: a new host's relay ids start again).
 * Returns the message to post back (`{rid, reply}`), or null when there is no one to answer (no valid rid,
 * or a `cli.cancel`).
 */
export function createNativeDispatcher(
  handlers: NativeHandlers,
  logError: (text: string) => void = console.error,
) {
  return async (message: unknown, conn = 0): Promise<{ rid: number; reply: NativeReply<unknown> } | null> => {
    if (!isPlain(message)) return null;
    const { rid, type, payload } = message;
    if (typeof rid !== 'number' || !Number.isSafeInteger(rid) || rid < 0) return null;
    const answer = (reply: NativeReply<unknown>) => (type === 'cli.cancel' ? null : { rid, reply });
    if (Object.keys(message).some((k) => k !== 'rid' && k !== 'type' && k !== 'payload')) {
      return answer(failure('bad-request', 'Malformed message'));
    }
    if (!isNativeType(type)) return answer(failure('unknown-type', 'Unknown message type'));
    try {
      const checked = NATIVE_MESSAGES[type].payload(payload, 'payload');
      // The handler table is keyed by the same union as NATIVE_MESSAGES (see the router for the same cast).
      const handler = handlers[type] as (p: unknown, ctx: NativeContext) => Promise<unknown>;
      const data = await handler(checked, { conn, rid });
      return answer({ ok: true, data: data === undefined ? null : data });
    } catch (e) {
      return answer(replyForError(e, logError));
    }
  };
}

/** The fields of `runtime.Port` the page door uses. */
export interface PagePort {
  name: string;
  sender?: Sender;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export interface PageDoorOptions {
  extensionId: string;
  extensionOrigin: string;
  handlers: CliPageHandlers;
  /** Called when an accepted port closes (an approval window closed = Deny). */
  onClosed(port: object): void;
  logError?: (text: string) => void;
}

/**
 * The `runtime.onConnect` listener for {@link CLI_PAGE_PORT}: accepts a port only from KeyGuard's own pages
 * (the router's classification), answers `{seq, type, payload}` with `{seq, reply}`. Other ports are left
 * alone (returns false) so other listeners may take them.
 */
export function createPageDoor(opts: PageDoorOptions) {
  const logError = opts.logError ?? console.error;
  return async (port: PagePort): Promise<boolean> => {
    if (port.name !== CLI_PAGE_PORT) return false;
    const kind = port.sender
      ? await classifySender(port.sender, {
          extensionId: opts.extensionId,
          extensionOrigin: opts.extensionOrigin,
          isDocbitsHost: () => false,
        })
      : null;
    if (kind !== 'extension-page') {
      port.disconnect();
      return true;
    }
    port.onDisconnect.addListener(() => opts.onClosed(port));
    port.onMessage.addListener((message) => {
      void (async () => {
        if (!isPlain(message) || typeof message.seq !== 'number') return;
        const { seq, type, payload } = message;
        let reply: NativeReply<unknown>;
        if (Object.keys(message).some((k) => k !== 'seq' && k !== 'type' && k !== 'payload')) {
          reply = failure('bad-request', 'Malformed message');
        } else if (!isCliPageType(type)) {
          reply = failure('unknown-type', 'Unknown message type');
        } else {
          try {
            const checked = CLI_PAGE_MESSAGES[type].payload(payload, 'payload');
            const handler = opts.handlers[type] as (p: unknown, ctx: { port: object }) => Promise<unknown>;
            const data = await handler(checked, { port });
            reply = { ok: true, data: data === undefined ? null : data };
          } catch (e) {
            reply = replyForError(e, logError);
          }
        }
        try {
          port.postMessage({ seq, reply });
        } catch {
          /* the page closed meanwhile */
        }
      })();
    });
    return true;
  };
}

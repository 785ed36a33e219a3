/**
 * The page side of the command line's page port (lib/messages.ts, CLI_PAGE_MESSAGES): typed requests over
 * one `runtime.connect` port, each answered by `{seq, reply}`. The approval window keeps its port open while
 * it shows a request: closing the window closes the port, which the background takes as Deny.
 */
import type { CliPagePayloadOf, CliPageReplyOf, CliPageType, ErrorCode, NativeReply } from '../lib/messages';
import { CLI_PAGE_PORT } from '../lib/messages';
import { ProtocolError } from '../lib/send';

/** The fields of `runtime.Port` used here. */
export interface PagePortLike {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export type CliAsk = <T extends CliPageType>(
  type: T,
  payload: CliPagePayloadOf<T>,
) => Promise<CliPageReplyOf<T>>;

export interface CliPortClient {
  ask: CliAsk;
  close(): void;
}

/** Wraps a port opened with `runtime.connect({name: CLI_PAGE_PORT})`. */
export function cliPortClient(port: PagePortLike): CliPortClient {
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  port.onMessage.addListener((message) => {
    const m = message as { seq?: unknown; reply?: NativeReply<unknown> } | null;
    const w = typeof m?.seq === 'number' ? waiting.get(m.seq) : undefined;
    if (!w || !m?.reply) return;
    waiting.delete(m.seq as number);
    if (m.reply.ok) w.resolve(m.reply.data);
    // The command line's own codes (CliErrorCode) travel in the same field; describeError reads the known ones.
    else
      w.reject(new ProtocolError({ code: m.reply.error.code as ErrorCode, message: m.reply.error.message }));
  });
  port.onDisconnect.addListener(() => {
    for (const w of waiting.values()) w.reject(new Error('KeyGuard closed the connection'));
    waiting.clear();
  });
  return {
    ask: (type, payload) =>
      new Promise((resolve, reject) => {
        const id = ++seq;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        port.postMessage({ seq: id, type, payload });
      }),
    close: () => port.disconnect(),
  };
}

export { CLI_PAGE_PORT };

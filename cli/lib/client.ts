/**
 * `keyguard`'s side of the socket: one connection per command, framed requests, each answered once.
 */
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { CliFailure, EXIT, failureOf } from './errors';
import { createDecoder, encodeMessage } from './framing';
import { checkSocketPrivate, OFF_MARKER, UnsafeDirError } from './paths';

export const UNREACHABLE_MESSAGE =
  'KeyGuard is not reachable: is the browser running? (The first time: turn on "Command line" in ' +
  "KeyGuard's options and run `keyguard install` once; the options page shows the exact command.)";

export const OFF_MESSAGE =
  'The command line is turned off in KeyGuard: turn on "Command line" in KeyGuard\'s options.';

/** Why the socket is not there: turned off in KeyGuard (its host said so when it stopped), or not running. */
function unreachable(path: string): CliFailure {
  return existsSync(join(dirname(path), OFF_MARKER))
    ? new CliFailure(OFF_MESSAGE, EXIT.off)
    : new CliFailure(UNREACHABLE_MESSAGE, EXIT.unreachable);
}

interface Reply {
  ok: boolean;
  data?: unknown;
  error?: { code?: unknown; message?: unknown; ids?: unknown };
}

export interface Connection {
  request<T>(type: string, payload: unknown): Promise<T>;
  close(): void;
}

/** Connects to the host's socket; a missing or dead socket is the "not reachable" failure. */
export function openConnection(path: string): Promise<Connection> {
  if (!path.startsWith('\\\\.\\pipe\\')) {
    try {
      checkSocketPrivate(path);
    } catch (e) {
      if (!(e instanceof UnsafeDirError)) throw e;
      return Promise.reject(
        new CliFailure(
          `Refusing to connect: ${e.message}, so the socket there may not be KeyGuard's.`,
          EXIT.unreachable,
        ),
      );
    }
  }
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(path);
    let nextId = 1;
    const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
    const decode = createDecoder((message) => {
      const m = message as { id?: unknown; reply?: unknown } | null;
      const w = typeof m?.id === 'number' ? waiting.get(m.id) : undefined;
      if (w && typeof m?.reply === 'object' && m.reply !== null) {
        waiting.delete(m.id as number);
        w.resolve(m.reply as Reply);
      }
    });
    const lost = () => {
      for (const w of waiting.values()) {
        w.reject(
          new CliFailure('KeyGuard closed the connection (was the browser closed?).', EXIT.unreachable),
        );
      }
      waiting.clear();
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        decode(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('close', lost);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'ENOTDIR') {
        reject(unreachable(path));
      } else if (e.code === 'EACCES') {
        reject(new CliFailure(`KeyGuard's socket ${path} is not yours to open.`, EXIT.unreachable));
      } else reject(new CliFailure(`Could not reach KeyGuard (${e.code ?? 'error'}).`, EXIT.unreachable));
      lost();
    });
    socket.once('connect', () =>
      resolve({
        request<T>(type: string, payload: unknown): Promise<T> {
          const id = nextId++;
          return new Promise<Reply>((res, rej) => {
            waiting.set(id, { resolve: res, reject: rej });
            socket.write(encodeMessage({ id, type, payload }));
          }).then((reply) => {
            if (reply.ok) return reply.data as T;
            const code = typeof reply.error?.code === 'string' ? reply.error.code : 'internal';
            const message =
              typeof reply.error?.message === 'string' ? reply.error.message : 'no reason given';
            const ids = Array.isArray(reply.error?.ids)
              ? reply.error.ids.filter((x): x is string => typeof x === 'string')
              : undefined;
            throw failureOf(code, message, ids);
          });
        },
        close: () => socket.end(),
      }),
    );
  });
}

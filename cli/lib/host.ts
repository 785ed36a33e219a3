/**
 * The native-messaging host: a relay between the browser's port (framed JSON on stdin/stdout) and the Unix
 * socket `keyguard` connects to. It holds no key and decides nothing: each request from a socket client
 * goes to the extension tagged with a relay id, and the extension's reply goes back to that client only.
 * When a client disconnects, the extension is told (`cli.cancel`) so an approval window waiting for it
 * closes. When the browser closes the port (stdin ends), the host removes its socket and exits.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createDecoder, encodeMessage, FramingError } from './framing';
import { ensurePrivateDir, OFF_MARKER } from './paths';

/** Requests one client may have waiting at once (an approval needs a person; more is a flood). */
export const MAX_PENDING_PER_CLIENT = 4;
/** Clients connected at once. */
export const MAX_CLIENTS = 16;

export interface HostOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  socketPath: string;
  /** The private directory the socket lives in (checked and created 0700); null for a Windows pipe. */
  socketDir: string | null;
  /** Diagnostics go to stderr, which Chrome shows in its own log; never a message's content. */
  log?: (text: string) => void;
}

interface Pending {
  client: Socket;
  /** The client's own request id. */
  id: number;
  /** The relay ids the client has waiting (this one among them). */
  mine: Set<number>;
}

/** Starts the relay; resolves with the listening server (the tests close it). */
export async function startHost(opts: HostOptions): Promise<Server> {
  const log = opts.log ?? ((text: string) => process.stderr.write(`keyguard-host: ${text}\n`));
  if (opts.socketDir !== null) ensurePrivateDir(opts.socketDir);
  const marker = opts.socketDir === null ? null : join(opts.socketDir, OFF_MARKER);
  if (marker !== null) removeIfThere(marker);
  // A socket left by a host that died: only we can write this directory, so it is ours to remove.
  removeIfThere(opts.socketPath);
  let nextRid = 1;
  const pending = new Map<number, Pending>();
  const toBrowser = (message: unknown) => opts.output.write(encodeMessage(message));

  let clients = 0;
  const server = createServer((client) => {
    if (clients >= MAX_CLIENTS) {
      client.end(encodeMessage({ id: 0, reply: refusal('flood', 'Refused: too many clients') }));
      return;
    }
    clients++;
    client.once('close', () => {
      clients--;
    });
    const mine = new Set<number>();
    const decode = createDecoder((message) => {
      const m = message as { id?: unknown; type?: unknown; payload?: unknown } | null;
      const id = typeof m?.id === 'number' && Number.isSafeInteger(m.id) ? m.id : null;
      if (id === null || typeof m?.type !== 'string' || m.type === 'cli.cancel') {
        client.end(encodeMessage({ id: id ?? 0, reply: refusal('bad-request', 'Malformed request') }));
        return;
      }
      if (mine.size >= MAX_PENDING_PER_CLIENT) {
        client.write(encodeMessage({ id, reply: refusal('flood', 'Refused: too many requests at once') }));
        return;
      }
      const rid = nextRid++;
      pending.set(rid, { client, id, mine });
      mine.add(rid);
      // Exactly type and payload travel on: the extension checks both (lib/messages.ts, NATIVE_MESSAGES).
      toBrowser({ rid, type: m.type, payload: m.payload });
    }, 64 * 1024);
    client.on('data', (chunk: Buffer) => {
      try {
        decode(chunk);
      } catch (e) {
        client.destroy();
        if (!(e instanceof FramingError)) throw e;
      }
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      for (const rid of mine) {
        pending.delete(rid);
        toBrowser({ rid, type: 'cli.cancel', payload: {} });
      }
      mine.clear();
    });
    client.on('end', () => client.end());
  });

  const decodeBrowser = createDecoder((message) => {
    const m = message as { rid?: unknown; reply?: unknown; bye?: unknown } | null;
    if (m?.bye === 'off') {
      // KeyGuard is stopping the host because "Command line" was turned off: leave a note for `keyguard`.
      if (marker !== null) writeFileSync(marker, '', { mode: 0o600 });
      shutdown();
      return;
    }
    if (typeof m?.rid !== 'number') return;
    const p = pending.get(m.rid);
    if (!p) return;
    pending.delete(m.rid);
    p.mine.delete(m.rid);
    if (!p.client.destroyed) p.client.write(encodeMessage({ id: p.id, reply: m.reply }));
  });
  const shutdown = () => {
    server.close();
    for (const { client } of pending.values()) client.destroy();
    try {
      if (opts.socketDir !== null) unlinkSync(opts.socketPath);
    } catch {
      /* already gone */
    }
  };
  opts.input.on('data', (chunk: Buffer) => {
    try {
      decodeBrowser(chunk);
    } catch {
      log('the browser sent a malformed message; closing');
      shutdown();
    }
  });
  opts.input.on('end', shutdown);
  opts.input.on('close', shutdown);

  // The socket is made 0600 from the start: the umask applies while it is created, so no other user can
  // connect in the instant before a chmod.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  // The greeting tells the extension the host runs (the options page shows the bridge as reachable).
  toBrowser({ hello: 'keyguard-host', version: 1 });
  return server;
}

function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* none there */
  }
}

function refusal(code: string, message: string) {
  return { ok: false, error: { code, message } };
}

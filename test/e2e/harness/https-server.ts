/**
 * A local HTTPS server that stands in for DocBits (and other sites) during e2e tests.
 *
 * Chromium reaches it under real host names: `--host-resolver-rules` maps each name to 127.0.0.1:PORT, so
 * `https://app.docbits.com/` exercises the extension's real `https://app.docbits.com/*` match pattern. The
 * certificate is self-signed and made at test time with openssl; Chromium accepts it through
 * `--ignore-certificate-errors`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { extname, join, resolve, sep } from 'node:path';
import { listenWithLifetime } from '../../fixtures/listen.js';
import { makeTempDir } from './tmp.js';

/** The DocBits host the extension matches by default. */
export const DOCBITS_HOST = 'app.docbits.com';

/** What a route answers. */
export interface RouteResponse {
  status?: number;
  /** Defaults to `text/html; charset=utf-8`. */
  contentType?: string;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/** A route: a fixed response or a function of the request. */
export type Route =
  | RouteResponse
  | ((req: IncomingMessage, url: URL) => RouteResponse | Promise<RouteResponse>);

/** Options for {@link startHttpsServer}. */
export interface HttpsServerOptions {
  /** Directory to serve static files from (`/` → `index.html`). */
  root?: string;
  /** Exact-path routes (`'/login'`), checked before `root`. The query string is ignored for matching. */
  routes?: Record<string, Route>;
  /**
   * Single-page-app "history mode": a GET for an unknown path whose last segment has no file extension is
   * answered with `root/index.html` (or the `/` route), as a history-mode SPA host would.
   */
  historyFallback?: boolean;
  /** Host names mapped to this server in Chromium; default `['app.docbits.com']`. */
  hosts?: readonly string[];
  /** Safety net: the server closes itself after this long (ms, unref'd timer). Default 15 minutes. */
  lifetimeMs?: number;
}

/** One request the server saw (for assertions such as "the page was really fetched via the mapped host"). */
export interface SeenRequest {
  method: string;
  /** The Host header without the port. */
  host: string;
  path: string;
}

/** A running test server. */
export interface HttpsServer {
  /** The port on 127.0.0.1. */
  readonly port: number;
  /** The host names mapped to it. */
  readonly hosts: readonly string[];
  /** `https://HOST` for a mapped host (default the first one): Chromium connects to it on port 443. */
  origin(host?: string): string;
  /** `origin(host) + path`. */
  url(path?: string, host?: string): string;
  /** Chromium switches that map {@link hosts} here and accept the self-signed certificate. */
  chromiumArgs(): string[];
  /** Requests seen so far, oldest first. */
  readonly requests: readonly SeenRequest[];
  /** Stops the server, dropping keep-alive connections (idempotent). */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Makes a self-signed certificate for `hosts` (plus 127.0.0.1) with openssl (`OPENSSL_PATH` or `openssl`
 * on PATH). Node's crypto cannot issue X.509 certificates without an extra dependency.
 */
export function createSelfSignedCertificate(hosts: readonly string[]): { key: Buffer; cert: Buffer } {
  const dir = makeTempDir('cert');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const san = [...hosts.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',');
  const openssl = process.env.OPENSSL_PATH || 'openssl';
  try {
    execFileSync(
      openssl,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        '/CN=keyguard-e2e',
        '-addext',
        `subjectAltName=${san}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    throw new Error(
      `KeyGuard e2e: could not create a test certificate with ${openssl} (${(error as Error).message}). ` +
        'Install openssl (`apt-get install -y openssl`) or set OPENSSL_PATH.',
    );
  }
  return { key: readFileSync(keyPath), cert: readFileSync(certPath) };
}

/** The file under `root` for a URL path, or undefined (outside root, missing, or not a file). */
function staticFile(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const base = resolve(root);
  let file = resolve(base, `.${decoded}`);
  if (file !== base && !file.startsWith(base + sep)) return undefined; // path traversal
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, response: RouteResponse): void {
  res.writeHead(response.status ?? 200, {
    'content-type': response.contentType ?? 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...response.headers,
  });
  res.end(response.body);
}

/**
 * Starts the HTTPS test server on 127.0.0.1 on a free port. Pass `server.chromiumArgs()` as `extraArgs` to
 * {@link launchExtension} (the port is fixed at launch, so start the server first).
 */
export async function startHttpsServer(options: HttpsServerOptions = {}): Promise<HttpsServer> {
  const hosts = options.hosts ?? [DOCBITS_HOST];
  if (hosts.length === 0) throw new Error('startHttpsServer: hosts must not be empty');
  const { key, cert } = createSelfSignedCertificate(hosts);
  const routes = options.routes ?? {};
  const requests: SeenRequest[] = [];

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    requests.push({
      method: req.method ?? 'GET',
      host: (req.headers.host ?? '').replace(/:\d+$/, ''),
      path: url.pathname + url.search,
    });
    const route = routes[url.pathname];
    if (route) {
      send(res, typeof route === 'function' ? await route(req, url) : route);
      return;
    }
    const file = options.root ? staticFile(options.root, url.pathname) : undefined;
    if (file) {
      send(res, {
        contentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        body: readFileSync(file),
      });
      return;
    }
    const lastSegment = url.pathname.split('/').pop() ?? '';
    if (options.historyFallback && req.method === 'GET' && !lastSegment.includes('.')) {
      const index = options.root ? staticFile(options.root, '/index.html') : undefined;
      const rootRoute = routes['/'];
      if (index) {
        send(res, { body: readFileSync(index) });
        return;
      }
      if (rootRoute) {
        send(res, typeof rootRoute === 'function' ? await rootRoute(req, url) : rootRoute);
        return;
      }
    }
    send(res, { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not found' });
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        send(res, {
          status: 500,
          contentType: 'text/plain',
          body: `Route failed: ${(error as Error).message}`,
        });
      } else res.destroy();
    });
  });
  const { port, close } = await listenWithLifetime(server, { lifetimeMs: options.lifetimeMs ?? 15 * 60_000 });

  const first = hosts[0] as string;
  return {
    port,
    hosts,
    origin: (host = first) => `https://${host}`,
    url: (path = '/', host = first) => `https://${host}${path}`,
    chromiumArgs: () => [
      `--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1:${port}`).join(',')}`,
      '--ignore-certificate-errors',
    ],
    requests,
    close,
  };
}

/**
 * The DocBits replica (test/fixtures/docbits) served over HTTPS under app.docbits.com (and any other host
 * names given, e.g. an on-premise one), as the e2e tests and `npm run demo` use it.
 */
import { readFileSync } from 'node:fs';
import { contentType, fixtureRoutes } from '../../fixtures/docbits/server.js';
import { DOCBITS_HOST, type HttpsServer, type Route, startHttpsServer } from './https-server.js';

export async function startDocbitsSite(
  options: { hosts?: readonly string[]; lifetimeMs?: number } = {},
): Promise<HttpsServer> {
  const { root, files } = fixtureRoutes();
  const routes: Record<string, Route> = {};
  for (const [path, file] of Object.entries(files)) {
    routes[path] = { contentType: contentType(file), body: readFileSync(file) };
  }
  return startHttpsServer({
    root,
    routes,
    historyFallback: true,
    hosts: options.hosts ?? [DOCBITS_HOST],
    ...(options.lifetimeMs ? { lifetimeMs: options.lifetimeMs } : {}),
  });
}

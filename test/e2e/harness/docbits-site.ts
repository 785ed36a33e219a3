/**
 * The DocBits replica (test/fixtures/docbits) served over HTTPS under app.docbits.com (and any other host
 * names given, e.g. an on-premise one), as the e2e tests and `npm run demo` use it.
 */
import { readFileSync } from 'node:fs';
import { contentType, fixtureRoutes } from '../../fixtures/docbits/server.js';
import type { Variant } from '../../fixtures/variants/choices.js';
import { variantPage } from '../../fixtures/variants/page.js';
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

/**
 * Generated markup variants of the DocBits integration page (test/fixtures/variants), each served as
 * `https://app.docbits.com/settings/integration?variant=N` (fresh organisation ids per load). A server of
 * its own: what {@link startDocbitsSite} serves is unchanged.
 */
export async function startVariantSite(
  variants: readonly Variant[],
  options: { lifetimeMs?: number } = {},
): Promise<HttpsServer> {
  const page: Route = (_req, url) => {
    const v = variants.find((x) => String(x.index) === url.searchParams.get('variant'));
    return v
      ? { body: variantPage(v).html }
      : { status: 404, contentType: 'text/plain; charset=utf-8', body: 'No such variant' };
  };
  return startHttpsServer({
    routes: { '/settings/integration': page },
    hosts: [DOCBITS_HOST],
    ...(options.lifetimeMs ? { lifetimeMs: options.lifetimeMs } : {}),
  });
}

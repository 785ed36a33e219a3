/**
 * Which DocBits pages and hosts KeyGuard is looking at.
 */

/**
 * True on the API-key page: `/settings/integration` or `/settings/api` (which DocBits redirects there),
 * with or without a trailing slash, also under an on-premise base path (`/docbits/settings/integration`).
 */
export function isIntegrationPath(pathname: string): boolean {
  return /\/settings\/(?:integration|api)\/?$/i.test(pathname);
}

export type Environment = 'production' | 'sandbox' | 'other';

/**
 * `app.docbits.com` is production; a host naming a sandbox, dev, stage, demo or test system is a sandbox;
 * anything else (on-premise, unknown) is `other`. A port or a trailing dot is ignored.
 */
export function environmentOf(host: string): Environment {
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (h === 'app.docbits.com') return 'production';
  return /sandbox|dev|stag|demo|test/.test(h) ? 'sandbox' : 'other';
}

/** The host name in `url`, or '' when there is no URL or it does not parse. */
export function hostnameOf(url: string | undefined): string {
  return url && URL.canParse(url) ? new URL(url).hostname : '';
}

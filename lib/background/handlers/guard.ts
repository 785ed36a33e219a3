/**
 * The leak guard on other sites: the fingerprints a page is given, and its reports of a key pasted or
 * typed there (bounded per tab and per event, since any page can send them).
 */

import type { GuardView } from '../../guard/fingerprint';
import { hostnameOf } from '../../page/hosts';
import { loadSettings } from '../../settings';
import { type HandlerContext, type Handlers, pageUrlOf, RequestError } from '../router';
import type { HandlerDeps } from './deps';
import { createTabLimiter, type Shared } from './shared';

/** How many leak-guard reports one tab may send per window (more are refused and not recorded). */
export const GUARD_REPORT_LIMIT = 20;
export const GUARD_REPORT_WINDOW_MS = 60_000;
/**
 * How many records of the same guard event (key, action, site) one anomaly window keeps: a user pasting a
 * key twice is recorded twice; a page faking reports fills no more than this (issue 15, finding 3).
 */
export const GUARD_RECORD_REPEATS = 5;

type GuardMessage = 'guard.prints' | 'guard.report';

export function guardHandlers(
  deps: Pick<HandlerDeps, 'settingsArea' | 'guardPrints'>,
  { now, recordOnce }: Pick<Shared, 'now' | 'recordOnce'>,
): Pick<Handlers, GuardMessage> {
  /** The fingerprints the sender's page is given (nothing while the guard is off). */
  async function guardViewOf(ctx: HandlerContext): Promise<GuardView> {
    const settings = await loadSettings(deps.settingsArea);
    if (!settings.guardEnabled || !deps.guardPrints)
      return { salt: '', prints: [], lengths: [], insecure: false };
    // (a frame of no site — sandboxed, data: — is watched as a foreign page: null)
    return deps.guardPrints.view(pageUrlOf(ctx.sender)?.href ?? null, settings.guardAllowlist);
  }

  /** Counts a guard report of the sender's tab; false when the tab is over its limit. */
  const guardReportLimiter = createTabLimiter(GUARD_REPORT_LIMIT, GUARD_REPORT_WINDOW_MS);
  const guardReportAllowed = (ctx: HandlerContext) => guardReportLimiter(ctx.sender.tab?.id ?? -1, now());

  return {
    'guard.prints': async (_payload, ctx) => guardViewOf(ctx),
    // The payload's `insecure` is kept for compatibility but not trusted: the sender's URL decides.
    'guard.report': async ({ entryId, action }, ctx) => {
      if (!guardReportAllowed(ctx)) throw new RequestError('forbidden', 'Too many leak guard reports');
      // Only a key this page is actually watching for can be reported from it.
      const view = await guardViewOf(ctx);
      const print = view.prints.some((p) => p.id === entryId)
        ? await deps.guardPrints?.lookup(entryId)
        : undefined;
      if (!print) throw new RequestError('forbidden', 'This page does not guard that key');
      // A frame of no site is named by its tab's page, where the browser tells it.
      const url = pageUrlOf(ctx.sender);
      const host = url?.hostname ?? hostnameOf(ctx.sender.tab?.url);
      const insecure = url?.protocol === 'http:';
      const type =
        action === 'warned'
          ? 'guard.warned'
          : action === 'pastedAnyway'
            ? 'guard.pastedAnyway'
            : 'guard.cancelled';
      // Any page can send this (a guard frame is the page's): a few per key, action and page per window.
      await recordOnce(
        `${type}:${entryId}:${host ?? ''}`,
        {
          type,
          entryId,
          origin: 'guard',
          host,
          detail: !url ? 'sandboxed frame' : insecure ? 'insecure (http) page' : 'foreign page',
        },
        GUARD_RECORD_REPEATS,
      );
      // Never the key's name: a closed shadow root does not hide text from the page around it (window.find),
      // and the ids in guard.prints would let any site list every name (issue 15, finding 3). The warning
      // says "a DocBits API key for HOST".
      return { name: null, host: print.host };
    },
  };
}

/**
 * The background's message handlers: thin adapters from the protocol to the vault service and settings,
 * one file per area. Kept apart from the entrypoint so the router fuzz tests run them against a fake browser.
 */

import type { Handlers } from '../router';
import { auditHandlers } from './audit';
import { backupHandlers } from './backup';
import type { HandlerDeps } from './deps';
import { entryHandlers } from './entries';
import { guardHandlers } from './guard';
import { pageHandlers } from './page';
import { rotationHandlers } from './rotation';
import { settingsHandlers } from './settings';
import { createShared } from './shared';
import { vaultHandlers } from './vault';

export type { HandlerDeps, VaultApi } from './deps';
export { GUARD_RECORD_REPEATS, GUARD_REPORT_LIMIT, GUARD_REPORT_WINDOW_MS } from './guard';
export { PAGE_ROWS_LIMIT, PAGE_ROWS_WINDOW_MS } from './page';
export { displayedPrefix, originOf, toSummary } from './shared';

/** One handler per message type; each area's factory gets only the dependencies it uses. */
export function createHandlers(deps: HandlerDeps): Handlers {
  // Made once: the areas share one repeat gate (it queues its reads and writes of the anomaly window).
  const shared = createShared(deps);
  return {
    ...auditHandlers(deps, shared),
    ...backupHandlers(deps, shared),
    ...entryHandlers(deps, shared),
    ...guardHandlers(deps, shared),
    ...pageHandlers(deps, shared),
    ...rotationHandlers(deps, shared),
    ...settingsHandlers(deps, shared),
    ...vaultHandlers(deps, shared),
  };
}

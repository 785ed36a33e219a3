/**
 * What several handler areas share: where a request came from, audit recording (once per window for what a
 * page can repeat at will), the clipboard copy, the leak guard's refresh, and the rotation view.
 */

import { createRepeatGate } from '../../audit/anomaly';
import type { AuditInput, AuditOrigin } from '../../audit/events';
import { errorKind } from '../../errors';
import { t } from '../../i18n';
import type { CopyReply, RotationView } from '../../messages';
import { type RotationRecord, stepOf, suggestedExpiryDays, suggestedName } from '../../rotation/flow';
import { loadSettings, type Settings } from '../../settings';
import { summaryOf } from '../../vault/format';
import type { Entry, EntrySummary, IndexRecord } from '../../vault/model';
import { type HandlerContext, RequestError } from '../router';
import type { HandlerDeps } from './deps';

/** Where a request came from, for the audit log. */
export function originOf(ctx: HandlerContext): AuditOrigin {
  if (ctx.kind === 'docbits-content') return 'docbits-page';
  if (ctx.kind === 'guard-content') return 'guard';
  return /\/options\.html(?:[?#]|$)/.test(ctx.sender.url ?? '') ? 'options' : 'popup';
}

/** The DocBits host a content-script request came from (the router has already vetted it). */
export function senderHost(ctx: HandlerContext): string {
  return new URL(ctx.sender.url ?? '').hostname;
}

/**
 * Refuses a content script's request about a key of another DocBits host (a page may act only on its own
 * host's keys); KeyGuard's own pages may act on any key.
 */
export function refuseOtherHost(ctx: HandlerContext, keyHost: string | undefined): void {
  if (ctx.kind !== 'extension-page' && keyHost !== senderHost(ctx)) {
    throw new RequestError('forbidden', 'This key belongs to another DocBits host');
  }
}

/** Names of the fields a patch changes (never their values). */
export const fieldsOf = (patch: object) => Object.keys(patch).sort().join(', ');

/** Strips what must never leave the vault in a list or non-page reply. */
export function toSummary(entry: Entry): EntrySummary {
  // Field by field (a whitelist), so nothing added to Entry later can ride along by accident.
  return summaryOf(entry);
}

/**
 * The prefix DocBits shows in its key table for a key: a known vendor tag (`dbk_`, `db_live_`) and four more
 * characters, else the first eight (`<code class="key-prefix">PREFIX****</code>`). KeyGuard keeps exactly this
 * in the clear index and accepts a table row's prefix only in exactly this shape, so a page offering longer
 * or shorter candidates learns nothing about a stored key and makes KeyGuard store nothing more than DocBits
 * itself shows (issue 15, finding 2). Empty for a key too short to have a prefix shown.
 */
export function displayedPrefix(secret: string): string {
  const tag = /^(?:dbk_|db_live_)/.exec(secret)?.[0];
  const length = tag ? tag.length + 4 : 8;
  // A prefix is never more than half the key (a short key shows no prefix KeyGuard would keep).
  return secret.length >= length * 2 ? secret.slice(0, length) : '';
}

/** Counts requests per tab in a sliding window; refuses beyond the limit (in memory: a restart forgets). */
export function createTabLimiter(limit: number, windowMs: number) {
  const seen = new Map<number, number[]>();
  return (tab: number, at: number): boolean => {
    for (const [t, times] of seen) {
      const recent = times.filter((x) => at - x < windowMs);
      if (recent.length === 0) seen.delete(t);
      else seen.set(t, recent);
    }
    const times = seen.get(tab) ?? [];
    if (times.length >= limit) return false;
    times.push(at);
    seen.set(tab, times);
    return true;
  };
}

/** A rotation as the popup and the page show it; the names only while the vault is open. */
export function viewOf(
  r: RotationRecord,
  records: IndexRecord[],
  names: Map<string, string> | null,
): RotationView {
  const old = records.find((x) => x.id === r.oldId);
  const name = names?.get(r.oldId) ?? null;
  return {
    oldId: r.oldId,
    newId: r.newId,
    host: r.host,
    step: stepOf(r),
    name,
    suggestedName: name === null ? null : suggestedName(name, r.startedAt, (n, d) => t('rotRenamed', n, d)),
    expiryDays: old ? suggestedExpiryDays(old.createdAt, old.expiresAt) : null,
    warning: r.warnedLastUsed !== null,
  };
}

/** The helpers that need the worker's dependencies, made once so every area shares their state. */
export interface Shared {
  now: () => number;
  /** Records an audit event; the sink never throws. */
  record(input: AuditInput): Promise<void>;
  /** Records what a page can repeat at will (and so notifies) at most `limit` times per subject and window. */
  recordOnce(subject: string, input: AuditInput, limit?: number): Promise<void>;
  /**
   * Re-fingerprints the vault's keys for the leak guard while it is on (needs the vault open); while it is
   * off, no fingerprint and no salt is kept. A failure is not the caller's.
   */
  refreshGuard(settings?: Settings): Promise<void>;
  /** Copies `text`, to be cleared after the configured time. */
  copy(text: string): Promise<CopyReply>;
  /** Names of every entry while the vault is open, else null (the page then learns no names). */
  namesIfOpen(): Promise<Map<string, string> | null>;
}

export function createShared(
  deps: Pick<HandlerDeps, 'vault' | 'settingsArea' | 'copyToClipboard' | 'now' | 'audit' | 'guardPrints'>,
): Shared {
  const { vault, settingsArea } = deps;
  const now = deps.now ?? Date.now;
  const record = async (input: AuditInput): Promise<void> => {
    await deps.audit?.record(input);
  };
  // One gate for every area: it queues its reads and writes of the shared window.
  const repeats = createRepeatGate({
    area: settingsArea,
    windowMs: async () => (await loadSettings(settingsArea)).anomalyRepeatMinutes * 60_000,
  });
  return {
    now,
    record,
    async recordOnce(subject, input, limit = 1) {
      if (await repeats.allow(subject, now(), limit)) await record(input);
    },
    async refreshGuard(settings) {
      if (!deps.guardPrints) return;
      try {
        const { guardEnabled } = settings ?? (await loadSettings(settingsArea));
        if (!guardEnabled) await deps.guardPrints.clear();
        else if (await vault.isUnlocked()) await deps.guardPrints.refresh(await vault.exportEntries());
      } catch (e) {
        console.warn('KeyGuard: leak guard fingerprints not refreshed', errorKind(e));
      }
    },
    async copy(text) {
      const clearAfterSeconds = (await loadSettings(settingsArea)).clipboardClearSeconds;
      await deps.copyToClipboard(text, clearAfterSeconds * 1000);
      return { clearAfterSeconds };
    },
    async namesIfOpen() {
      if (!(await vault.isUnlocked())) return null;
      return new Map((await vault.list()).map((e) => [e.id, e.name]));
    },
  };
}

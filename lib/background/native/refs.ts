/**
 * Which vault entries a command line's references name. A reference is an entry's id or its exact name
 * (`keyguard:Invoice sync (ERP)` in an env file; the prefix is taken off by the command). An id wins over a
 * name; a name shared by several entries names the one that is not retired if exactly one is not, and is
 * otherwise ambiguous — the caller is told the ids to choose from, never anything else about them.
 */

export interface RefTarget {
  id: string;
  name: string;
  state: string;
}

export type RefResolution =
  | { ok: true; ids: string[] }
  | { ok: false; code: 'not-found'; ref: string }
  | { ok: false; code: 'ambiguous'; ref: string; ids: string[] };

export function resolveRefs(refs: readonly string[], entries: readonly RefTarget[]): RefResolution {
  const ids: string[] = [];
  for (const ref of refs) {
    const byId = entries.find((e) => e.id === ref);
    if (byId) {
      ids.push(byId.id);
      continue;
    }
    let named = entries.filter((e) => e.name === ref);
    if (named.length > 1) {
      const live = named.filter((e) => e.state !== 'retired');
      if (live.length >= 1) named = live;
    }
    const only = named[0];
    if (!only) return { ok: false, code: 'not-found', ref };
    if (named.length > 1) return { ok: false, code: 'ambiguous', ref, ids: named.map((e) => e.id) };
    ids.push(only.id);
  }
  return { ok: true, ids };
}

/**
 * Reading a V8 CPU profile (CDP `Profiler.stop`) for `npm run bench`: how much main-thread time went to
 * one party's code — here KeyGuard's content script — counting a sample as theirs when any frame on its
 * stack is theirs, so the DOM calls their code makes (querySelectorAll, matches, …) count too.
 */

/** The part of CDP's `Profiler.Profile` read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { url: string }; children?: number[] }[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
  /** The node on top of the stack, per sample. */
  samples?: number[];
  /** Microseconds from the previous sample (the first: from startTime). */
  timeDeltas?: number[];
}

/** Milliseconds of samples whose stack has a frame whose script URL starts with `urlPrefix`. */
export function timeInCodeMs(profile: CpuProfile, urlPrefix: string): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = new Map<number, boolean>();
  const isOurs = (id: number): boolean => {
    const known = ours.get(id);
    if (known !== undefined) return known;
    // walk up to the first node already decided (or the root), then decide the whole path
    const path: number[] = [];
    let at: number | undefined = id;
    let found = false;
    while (at !== undefined && !ours.has(at)) {
      path.push(at);
      if (byId.get(at)?.callFrame.url.startsWith(urlPrefix)) {
        found = true;
        break;
      }
      at = parent.get(at);
    }
    if (!found && at !== undefined) found = ours.get(at) === true;
    // nodes below a frame of ours are ours; the frame itself too
    for (const p of path) ours.set(p, found);
    return found;
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // sample i stands for the time until the next sample (the last one: until the profile's end), as in
  // DevTools; timeDeltas[i] is the time from the previous sample (the first: from the start) to sample i
  let at = profile.startTime;
  let us = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    const until = i + 1 < samples.length ? at + (deltas[i + 1] ?? 0) : profile.endTime;
    if (isOurs(samples[i] as number)) us += until - at;
  }
  return us / 1000;
}

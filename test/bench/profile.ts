/**
 * Reading a V8 CPU profile (CDP `Profiler.stop`) for `npm run bench`: how much main-thread time went to
 * one party's code — here KeyGuard's content script — counting a sample as theirs when any frame on its
 * stack is theirs, so the DOM calls their code makes (querySelectorAll, matches, …) count too.
 */

/** The part of CDP's `Profiler.Profile` read here. */
export interface CpuProfile {
  /** The call tree; the first node is its root. */
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
  // from the root (the first node) down: a node is ours if its frame is, or any frame above it
  const ours = new Set<number>();
  const root = profile.nodes[0];
  const todo: [number, boolean][] = root ? [[root.id, false]] : [];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [id, above] = next;
    const node = byId.get(id);
    if (!node) continue;
    const mine = above || node.callFrame.url.startsWith(urlPrefix);
    if (mine) ours.add(id);
    for (const c of node.children ?? []) todo.push([c, mine]);
  }
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // sample i stands for the time until the next sample (the last one: until the profile's end), as in
  // DevTools; timeDeltas[i] is the time from the previous sample (the first: from the start) to sample i
  let at = profile.startTime;
  let us = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    const until = i + 1 < samples.length ? at + (deltas[i + 1] ?? 0) : profile.endTime;
    if (ours.has(samples[i] as number)) us += until - at;
  }
  return us / 1000;
}

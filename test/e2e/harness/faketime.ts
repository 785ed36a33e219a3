/**
 * A real clock jump for Chromium: Debian's libfaketime (package `faketime`) preloaded into the browser
 * process, which every Chromium child process (renderers, so the extension's service worker too) inherits.
 * The clock really moves — nothing in the profile is back-dated.
 */
import { existsSync } from 'node:fs';

/** Where Debian's `faketime` package puts the library, per architecture; `FAKETIME_LIB` overrides. */
const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];

/**
 * The path of libfaketime.so.1.
 *
 * @throws with the install advice when it is missing: a test that needs a clock jump must fail, not skip.
 */
export function libfaketimePath(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env.FAKETIME_LIB ? [env.FAKETIME_LIB] : CANDIDATES;
  const found = wanted.find((p) => existsSync(p));
  if (found) return found;
  throw new Error(
    `KeyGuard e2e: libfaketime not found (looked at ${wanted.join(', ')}). This test moves Chromium's ` +
      'clock for real: install it with `apt-get install -y faketime` (Debian/Ubuntu), or set FAKETIME_LIB ' +
      'to libfaketime.so.1.',
  );
}

/**
 * Environment for `launchExtension({ env })` that runs Chromium `days` days in the future.
 *
 * A plain offset, monotonic clocks included: with the same constant offset everywhere Chromium's timers
 * behave (a 200 ms timer in the worker measured 201 ms). Measured here with Debian's Chromium: adding
 * `DONT_FAKE_MONOTONIC=1` makes the launch hang past 30 s (the wall and monotonic clocks then disagree by
 * 100 days); `FAKETIME_DONT_RESET=1` changes nothing for an offset (it matters for "start at" times).
 */
export function fakeClockEnv(days: number): Record<string, string> {
  return { LD_PRELOAD: libfaketimePath(), FAKETIME: `+${days}d` };
}

/**
 * Temporary directories for e2e runs (profiles, certificates, scan fixtures).
 *
 * Every directory made here is removed after each test file (harness/setup.ts) and, as a fallback, at
 * process exit, so runs do not leave browser profiles — which may hold test secrets — behind.
 * Set `KEYGUARD_E2E_KEEP_TMP=1` to keep them for debugging.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();
let exitHookInstalled = false;

/**
 * Creates a fresh, empty temporary directory whose name starts with `keyguard-e2e-<label>-`.
 * It is removed at process exit unless `KEYGUARD_E2E_KEEP_TMP` is set.
 */
export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `keyguard-e2e-${label}-`));
  created.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // `exit` handlers must be synchronous; rmSync is.
    process.once('exit', removeTempDirs);
  }
  return dir;
}

/** Removes one directory (recursively, ignoring a missing one). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  created.delete(dir);
}

/** Removes every directory {@link makeTempDir} created and that still exists. */
export function removeTempDirs(): void {
  if (process.env.KEYGUARD_E2E_KEEP_TMP) return;
  for (const dir of [...created]) {
    try {
      removeDir(dir);
    } catch {
      // Best effort at exit: a locked file must not turn a green run red.
    }
  }
}

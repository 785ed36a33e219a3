/**
 * Harness for the command line's e2e (issue 17): build and run `keyguard`, and pre-grant the optional
 * `nativeMessaging` permission in a test profile.
 *
 * The permission prompt: headless Chromium shows `permissions.request`'s prompt where nothing can click it
 * (see options.e2e.ts). A permission the user granted once before is granted again without a prompt; the
 * profile keeps that in `extensions.settings.<id>.runtime_granted_permissions`. So the test writes that
 * entry while the browser is closed — what a person's earlier "Allow" leaves behind — and the options
 * page's real click then calls `permissions.request`, which Chromium answers `true` at once; everything
 * after that (permissions.onAdded, settings.set, connectNative) is the real path.
 */

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const CLI_PATH = join(repoRoot, '.output', 'cli', 'keyguard.mjs');

/** Builds `.output/cli` (a second or two). */
/** sha256 in hex: tests compare a key's hash, never the key. */
export const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A child command that prints the hash of its TOKEN variable, never the token. */
export const HASH_CHILD = [
  process.execPath,
  '-e',
  "process.stdout.write(require('crypto').createHash('sha256').update(process.env.TOKEN ?? '').digest('hex'))",
];

export function buildCli(): void {
  execFileSync(process.execPath, [join(repoRoot, 'cli', 'build.mjs')], { stdio: 'ignore' });
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `keyguard ARGS` (not on a terminal); resolves when it exits. */
export function startCli(
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string },
): { done: Promise<CliRun>; pid: number | undefined } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const done = new Promise<CliRun>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, pid: child.pid };
}

/** Marks `nativeMessaging` as granted before in a closed profile (see the file comment). */
export function pregrantNativeMessaging(userDataDir: string, extensionId: string): void {
  const file = join(userDataDir, 'Default', 'Preferences');
  const prefs = JSON.parse(readFileSync(file, 'utf8')) as {
    extensions: { settings: Record<string, Record<string, unknown>> };
  };
  const entry = prefs.extensions.settings[extensionId];
  if (!entry) throw new Error(`the profile has no settings for ${extensionId}`);
  entry.runtime_granted_permissions = {
    api: ['nativeMessaging'],
    explicit_host: [],
    manifest_permissions: [],
    scriptable_host: [],
  };
  writeFileSync(file, JSON.stringify(prefs));
}

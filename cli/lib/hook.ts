/**
 * `keyguard hook install`: a pre-commit hook that runs `keyguard scan --staged`. An existing hook is kept:
 * it is renamed and still runs after the scan passes.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const HOOK_MARK = '# keyguard pre-commit hook';
const KEPT = 'pre-commit.keyguard-kept';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The hook's text: scan with this Node and this keyguard, then the kept hook, if any. */
export function hookScript(nodePath: string, cliPath: string): string {
  return `#!/bin/sh
${HOOK_MARK} (written by keyguard hook install; keyguard hook uninstall removes it)
${q(nodePath)} ${q(cliPath)} scan --staged || exit $?
kept="$(dirname "$0")/${KEPT}"
if [ -x "$kept" ]; then exec "$kept" "$@"; fi
`;
}

function hooksDir(cwd: string): string {
  const dir = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd, encoding: 'utf8' }).trim();
  return isAbsolute(dir) ? dir : join(cwd, dir);
}

/** Installs the hook; says what it did. */
export function installHook(cwd: string, nodePath: string, cliPath: string): string {
  const dir = hooksDir(cwd);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pre-commit');
  let note = '';
  if (existsSync(file) && !readFileSync(file, 'utf8').includes(HOOK_MARK)) {
    if (existsSync(join(dir, KEPT))) throw new Error(`${join(dir, KEPT)} exists already; move it away first`);
    renameSync(file, join(dir, KEPT));
    note = ` (the existing hook is kept as ${KEPT} and still runs)`;
  }
  writeFileSync(file, hookScript(nodePath, cliPath));
  chmodSync(file, 0o755);
  return `Installed ${file}${note}`;
}

export function uninstallHook(cwd: string): string {
  const dir = hooksDir(cwd);
  const file = join(dir, 'pre-commit');
  if (!existsSync(file) || !readFileSync(file, 'utf8').includes(HOOK_MARK)) return 'No keyguard hook here';
  rmSync(file);
  if (existsSync(join(dir, KEPT))) renameSync(join(dir, KEPT), file);
  return `Removed ${file}`;
}

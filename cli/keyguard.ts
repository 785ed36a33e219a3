/**
 * `keyguard`: DocBits API keys from KeyGuard for scripts, without files (issue 17). Talks to the extension
 * through the native-messaging host's socket (lib/client.ts); every key request is approved in KeyGuard.
 * Nothing here prints a key, except `get` into a pipe.
 */
import { readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, HELP, parseArgs } from './lib/args';
import { openConnection } from './lib/client';
import { EnvParseError, type EnvValue, parseEnvFile } from './lib/envfile';
import { CliFailure, EXIT } from './lib/errors';
import { modeOf, socketPath } from './lib/paths';

const platform = () => ({
  platform: process.platform,
  env: process.env,
  uid: process.getuid?.() ?? -1,
  tmpdir: tmpdir(),
});
const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);
const cliPath = () => fileURLToPath(import.meta.url);

interface KeysReply {
  keys: Array<{ ref: string; secret: string }>;
}

/** Asks KeyGuard for the keys of `refs` (an approval window opens in the browser). */
async function requestKeys(
  refs: string[],
  purpose: 'run' | 'get',
  command: string[],
): Promise<Map<string, string>> {
  const conn = await openConnection(socketPath(platform()));
  try {
    err(`keyguard: waiting for approval in KeyGuard (${refs.length} key${refs.length === 1 ? '' : 's'})…`);
    const reply = await conn.request<KeysReply>('cli.request', {
      refs,
      purpose,
      command,
      cwd: process.cwd(),
    });
    return new Map(reply.keys.map((k) => [k.ref, k.secret]));
  } finally {
    conn.close();
  }
}

async function run(c: Extract<Command, { cmd: 'run' }>): Promise<number> {
  const values: Array<[string, EnvValue]> = [];
  for (const file of c.envFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliFailure(`Cannot read the env file ${file}.`, EXIT.usage);
    }
    try {
      values.push(...parseEnvFile(text));
    } catch (e) {
      if (e instanceof EnvParseError) throw new CliFailure(`${file}: ${e.message}`, EXIT.usage);
      throw e;
    }
  }
  values.push(...c.env);
  const refs = [...new Set(values.flatMap(([, v]) => (v.kind === 'ref' ? [v.ref] : [])))];
  const keys = refs.length > 0 ? await requestKeys(refs, 'run', c.argv) : new Map<string, string>();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, v] of values) env[name] = v.kind === 'plain' ? v.value : keys.get(v.ref);
  const { runChild } = await import('./lib/run');
  try {
    const result = await runChild(c.argv, env);
    if (result.signal) {
      // Ended by a signal: end the same way, so the caller's shell sees it.
      process.kill(process.pid, result.signal);
      return 128;
    }
    return result.code ?? EXIT.failed;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliFailure(
      code === 'ENOENT'
        ? `Command not found: ${c.argv[0]}`
        : `Could not start ${c.argv[0]} (${code ?? 'error'})`,
      code === 'ENOENT' ? 127 : EXIT.failed,
    );
  }
}

async function get(ref: string): Promise<number> {
  if (process.stdout.isTTY) {
    throw new CliFailure(
      'keyguard get prints a key only into a pipe or $(…), never to a terminal (where it would stay on screen and in scroll-back). Use `keyguard run` to give a key to a command.',
      EXIT.terminal,
    );
  }
  const keys = await requestKeys([ref], 'get', ['keyguard', 'get', ref]);
  process.stdout.write(keys.get(ref) ?? '');
  return EXIT.ok;
}

async function list(json: boolean): Promise<number> {
  const conn = await openConnection(socketPath(platform()));
  try {
    const entries = await conn.request<
      Array<{ id: string; name: string; host: string; environment: string; state: string }>
    >('cli.list', {});
    if (json) out(JSON.stringify(entries, null, 2));
    else if (entries.length === 0) out('The vault has no entries.');
    else
      for (const e of entries)
        out(`${e.id}  ${e.name}  (${e.host}, ${e.environment}${e.state === 'active' ? '' : `, ${e.state}`})`);
    return EXIT.ok;
  } finally {
    conn.close();
  }
}

async function status(): Promise<number> {
  const path = socketPath(platform());
  let conn: Awaited<ReturnType<typeof openConnection>>;
  try {
    conn = await openConnection(path);
  } catch (e) {
    if (e instanceof CliFailure) {
      out(`bridge: not reachable (${path})`);
      err(e.message);
      return e.exitCode;
    }
    throw e;
  }
  try {
    const s = await conn.request<{ vault: string; entries: number; printsAt: number | null }>(
      'cli.status',
      {},
    );
    out(
      `bridge: reachable (${path}, socket mode ${modeOf(path).toString(8)}, folder ${modeOf(dirname(path)).toString(8)})`,
    );
    out(
      `vault: ${s.vault === 'none' ? 'not created yet' : s.vault}, ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}`,
    );
    out(
      `scan fingerprints: ${s.printsAt === null ? 'none yet (unlock the vault once)' : `from ${new Date(s.printsAt).toISOString()}`}`,
    );
    return EXIT.ok;
  } finally {
    conn.close();
  }
}

async function scan(c: Extract<Command, { cmd: 'scan' }>): Promise<number> {
  const { createLineMatcher, scanPaths, scanStaged } = await import('./lib/scan');
  const conn = await openConnection(socketPath(platform()));
  try {
    const view = await conn.request<{
      salt: string;
      prints: Array<{ id: string; fp: string; length: number; name: string | null; host: string }>;
      at: number | null;
      stale: boolean;
    }>('cli.prints', {});
    if (view.at === null) {
      throw new CliFailure(
        'KeyGuard has no scan fingerprints yet: unlock the vault once, then scan again.',
        EXIT.locked,
      );
    }
    if (view.stale) {
      err(
        `keyguard: the fingerprints are from ${new Date(view.at).toISOString()} and the vault changed since; unlock it to refresh them.`,
      );
    }
    const match = createLineMatcher(view.salt, view.prints);
    const hits = c.staged ? scanStaged(match) : scanPaths(c.paths.length > 0 ? c.paths : ['.'], match);
    const byId = new Map(view.prints.map((p) => [p.id, p]));
    for (const h of hits) {
      const p = byId.get(h.id);
      const who = p?.name ? `"${p.name}"` : `entry ${h.id}`;
      const how = h.encoding === 'plain' ? '' : ` (written as ${h.encoding})`;
      out(`${h.file}:${h.line}: the DocBits API key of ${who} (${p?.host ?? '?'})${how}`);
    }
    if (hits.length === 0) {
      out(`No vault key found (${view.prints.length} keys checked).`);
      return EXIT.ok;
    }
    const places = new Map<string, number>();
    for (const h of hits) places.set(h.id, (places.get(h.id) ?? 0) + 1);
    await conn.request('cli.scanReport', { hits: [...places].map(([id, n]) => ({ id, places: n })) });
    err(
      `keyguard: ${hits.length} place${hits.length === 1 ? '' : 's'} with a vault key. Remove the key${c.staged ? ' from the staged files' : ''}, and rotate it if it was shared.`,
    );
    if (!view.prints.some((p) => p.name)) err('keyguard: entry names show while the vault is unlocked.');
    return EXIT.found;
  } finally {
    conn.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const c = parseArgs(argv);
  switch (c.cmd) {
    case 'help':
      out(HELP[(c.topic ?? 'main') as keyof typeof HELP] ?? HELP.main);
      return EXIT.ok;
    case 'run':
      return run(c);
    case 'get':
      return get(c.ref);
    case 'list':
      return list(c.json);
    case 'status':
      return status();
    case 'scan':
      return scan(c);
    case 'hook': {
      const { installHook, uninstallHook } = await import('./lib/hook');
      out(
        c.action === 'install'
          ? installHook(process.cwd(), process.execPath, cliPath())
          : uninstallHook(process.cwd()),
      );
      return EXIT.ok;
    }
    case 'install':
    case 'uninstall': {
      const { install, uninstall } = await import('./lib/install');
      const e = {
        platform: process.platform,
        home: homedir(),
        env: process.env,
        nodePath: process.execPath,
        hostScript: join(dirname(cliPath()), 'keyguard-host.mjs'),
      };
      if (c.cmd === 'uninstall') {
        const removed = uninstall(e, c.userDataDirs);
        out(removed.length === 0 ? 'Nothing to remove.' : removed.map((f) => `removed ${f}`).join('\n'));
        return EXIT.ok;
      }
      const r = install(e, c.extensionIds, c.userDataDirs);
      for (const w of r.written) out(`wrote ${w}`);
      for (const s of r.skipped) err(`skipped ${s}`);
      if (r.written.length > 0)
        out('Now turn on "Command line" in KeyGuard\'s options (or restart the browser if it is on).');
      return r.written.length > 0 ? EXIT.ok : EXIT.failed;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliFailure) {
      err(`keyguard: ${e.message}`);
      process.exitCode = e.exitCode;
    } else {
      // Only the error's kind: an unexpected message might carry anything.
      err(`keyguard: unexpected failure (${e instanceof Error ? e.name : 'error'})`);
      process.exitCode = EXIT.failed;
    }
  },
);

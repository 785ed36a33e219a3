/**
 * The command line's grammar. Parsing never touches a key: `run` and `get` carry references only.
 */

import { EnvParseError, type EnvValue, parseEnvOption } from './envfile';
import { CliFailure, EXIT } from './errors';

export type Command =
  | { cmd: 'help'; topic: string | null }
  | { cmd: 'run'; env: Array<[string, EnvValue]>; envFiles: string[]; argv: string[] }
  | { cmd: 'get'; ref: string }
  | { cmd: 'list'; json: boolean }
  | { cmd: 'status' }
  | { cmd: 'scan'; staged: boolean; paths: string[] }
  | { cmd: 'hook'; action: 'install' | 'uninstall' }
  | { cmd: 'install'; extensionIds: string[]; userDataDirs: string[] }
  | { cmd: 'uninstall'; userDataDirs: string[] };

export const COMMANDS = ['run', 'get', 'list', 'status', 'scan', 'hook', 'install', 'uninstall'] as const;

export const HELP: Record<(typeof COMMANDS)[number] | 'main', string> = {
  main: `keyguard — DocBits API keys from KeyGuard (the browser extension), without files

Usage: keyguard <command> [options]

Commands:
  run [--env NAME=REF]… [--env-file FILE]… -- CMD ARGS…   start CMD with the keys in its environment
  get REF                  print a key (only into a pipe or $(…), never to a terminal)
  list [--json]            entry names, hosts and environments (no secrets)
  status                   is KeyGuard reachable, is the vault open
  scan [--staged | PATH…]  find vault keys in files or in the staged diff
  hook install|uninstall   run \`keyguard scan --staged\` before every commit of this repository
  install [--extension-id ID]…   register the bridge with your browsers (user level)
  uninstall                remove it again

REF is a vault entry's name or id. Every key request is approved in a KeyGuard window.
\`keyguard <command> --help\` tells more.`,
  run: `Usage: keyguard run [--env NAME=REF]… [--env-file FILE]… -- CMD ARGS…

Starts CMD with the referenced keys in its environment, after you approve the request in KeyGuard's window.
  --env NAME=REF     put the key of entry REF (name or id) into NAME
  --env-file FILE    read NAME=VALUE lines; a value "keyguard:REF" is a reference, other values pass through
The key exists only in CMD's environment. CMD's exit code is keyguard's; signals are passed on to it.`,
  get: `Usage: keyguard get REF

Prints the key of entry REF (name or id) on standard output, after approval — only when standard output is
not a terminal, e.g. TOKEN=$(keyguard get "Invoice sync") or keyguard get REF | tool.`,
  list: `Usage: keyguard list [--json]

Lists the vault's entries: id, name, host, environment, state. No secrets. Needs the vault unlocked.`,
  status: `Usage: keyguard status

Says whether the bridge is reachable and the vault exists and is unlocked. Exit code 0 when reachable.`,
  scan: `Usage: keyguard scan [--staged | PATH…]

Reports every place a vault key (of any entry, retired ones included) occurs: file, line, entry. Matches
KeyGuard's salted fingerprints, so no key is ever sent to the scanner; works while the vault is locked
(with the fingerprints of the last unlock). Also finds keys written as base64 or hex.
  --staged   scan what is staged for the next commit (default: the current directory's files)
Exit code 1 when a key is found.`,
  hook: `Usage: keyguard hook install | keyguard hook uninstall

Adds \`keyguard scan --staged\` as this repository's pre-commit hook; an existing hook is kept and still runs.`,
  install: `Usage: keyguard install [--extension-id ID]… [--user-data-dir DIR]…

Writes the native-messaging host manifest for each browser found (user level): Chrome, Chromium, Edge,
Brave under their NativeMessagingHosts folder, Firefox under ~/.mozilla/native-messaging-hosts/.
  --extension-id ID     KeyGuard's id in Chrome-family browsers (shown in KeyGuard's options)
  --user-data-dir DIR   also (or only) this browser profile folder, e.g. a test profile`,
  uninstall: `Usage: keyguard uninstall [--user-data-dir DIR]…

Removes the host manifests and the host that \`keyguard install\` wrote.`,
};

const usage = (message: string) => new CliFailure(`${message}\nSee \`keyguard --help\`.`, EXIT.usage);

/** Parses `argv` (without node and the script). */
export function parseArgs(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { cmd: 'help', topic: first === 'help' ? (rest[0] ?? null) : null };
  }
  if (!(COMMANDS as readonly string[]).includes(first)) throw usage(`Unknown command "${first}"`);
  if (first !== 'run' && (rest.includes('--help') || rest.includes('-h')))
    return { cmd: 'help', topic: first };
  switch (first) {
    case 'run':
      return parseRun(rest);
    case 'get': {
      if (rest.length !== 1 || rest[0] === undefined || rest[0].startsWith('-'))
        throw usage('get needs one REF');
      return { cmd: 'get', ref: rest[0].replace(/^keyguard:/, '') };
    }
    case 'list':
      if (rest.some((a) => a !== '--json')) throw usage('list takes only --json');
      return { cmd: 'list', json: rest.includes('--json') };
    case 'status':
      if (rest.length > 0) throw usage('status takes no arguments');
      return { cmd: 'status' };
    case 'scan': {
      const staged = rest.includes('--staged');
      const paths = rest.filter((a) => a !== '--staged');
      if (paths.some((p) => p.startsWith('-')))
        throw usage(`Unknown option ${paths.find((p) => p.startsWith('-'))}`);
      if (staged && paths.length > 0) throw usage('scan takes --staged or paths, not both');
      return { cmd: 'scan', staged, paths };
    }
    case 'hook': {
      const action = rest[0];
      if (rest.length !== 1 || (action !== 'install' && action !== 'uninstall')) {
        throw usage('hook takes install or uninstall');
      }
      return { cmd: 'hook', action };
    }
    default: {
      const extensionIds: string[] = [];
      const userDataDirs: string[] = [];
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i] as string;
        const [flag, inline] = a.includes('=')
          ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
          : [a, undefined];
        const value = inline ?? rest[++i];
        if (value === undefined) throw usage(`${flag} needs a value`);
        if (flag === '--extension-id' && first === 'install') {
          if (!/^[a-p]{32}$/.test(value))
            throw usage(`"${value}" is not a Chrome extension id (32 letters a–p)`);
          extensionIds.push(value);
        } else if (flag === '--user-data-dir') userDataDirs.push(value);
        else throw usage(`Unknown option ${flag}`);
      }
      return first === 'install'
        ? { cmd: 'install', extensionIds, userDataDirs }
        : { cmd: 'uninstall', userDataDirs };
    }
  }
}

function parseRun(rest: readonly string[]): Command {
  const env: Array<[string, EnvValue]> = [];
  const envFiles: string[] = [];
  let i = 0;
  for (; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--help' || a === '-h') return { cmd: 'help', topic: 'run' };
    const [flag, inline] =
      a.includes('=') && a.startsWith('--')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    if (flag === '--env' || flag === '--env-file') {
      const value = inline ?? rest[++i];
      if (value === undefined) throw usage(`${flag} needs a value`);
      try {
        if (flag === '--env') env.push(parseEnvOption(value));
        else envFiles.push(value);
      } catch (e) {
        if (e instanceof EnvParseError) throw usage(e.message);
        throw e;
      }
      continue;
    }
    if (a.startsWith('-')) throw usage(`Unknown option ${a} (put the command after --)`);
    // The command starts at the first word that is not an option.
    break;
  }
  const argv = rest.slice(i);
  if (argv.length === 0) throw usage('run needs a command: keyguard run [options] -- CMD ARGS…');
  return { cmd: 'run', env, envFiles, argv };
}

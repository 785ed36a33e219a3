/**
 * Starting the child of `keyguard run`: the keys go into its environment and nowhere else. Its exit code
 * becomes ours; a signal that ended it ends us the same way. Signals sent to keyguard are passed on —
 * except, on a terminal, Ctrl-C and Ctrl-\ which the terminal already sends to the child (its process group).
 */
import { spawn } from 'node:child_process';

export const FORWARDED = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGQUIT'] as const;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function runChild(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  { onSpawn, terminal = Boolean(process.stdin.isTTY) }: { onSpawn?: () => void; terminal?: boolean } = {},
): Promise<RunResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { stdio: 'inherit', env });
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of FORWARDED) {
      const fromTerminal = terminal && (sig === 'SIGINT' || sig === 'SIGQUIT');
      const h = () => {
        if (!fromTerminal) child.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.once('spawn', () => onSpawn?.());
    child.once('error', (e) => {
      cleanup();
      reject(e);
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve({ code, signal });
    });
  });
}

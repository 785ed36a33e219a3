/**
 * `cli_run_overhead_ms` for `npm run bench`: what `keyguard run` adds before its child starts, once the
 * request is approved. Each round starts, side by side, `keyguard run -- CHILD` and a bare Node program that
 * only spawns CHILD (the floor of any command written in Node: Node's own start-up, which this shared
 * 2-core machine stretches from ~40 ms to 150–300 ms under load); the figure is the median of the per-round
 * differences, over 21 rounds after 3 warm-up rounds. The real host relays; this process plays the extension
 * and approves at once (a person's decision is not KeyGuard's overhead). The child reports its own start
 * (`performance.timeOrigin`). For reading only: `totalMs` (keyguard run's whole delay), `nodeWrapperMs`
 * (the floor's) and `childOnlyMs` (starting the child directly).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecoder, encodeMessage } from '../../cli/lib/framing';
import type { BenchResult } from './vault';

const root = join(import.meta.dirname, '..', '..');
const CHILD = ['-e', 'process.stdout.write(String(performance.timeOrigin))'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Runs `argv` and returns (child's start − our spawn time) in ms. */
function startDelay(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.timeOrigin + performance.now();
    const p = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    p.once('close', (code) => (code === 0 ? resolve(Number(out) - t0) : reject(new Error(`exit ${code}`))));
  });
}

export async function benchCli(emit: (r: BenchResult) => void): Promise<void> {
  execFileSync(process.execPath, [join(root, 'cli', 'build.mjs')], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-bench-cli-'));
  const env = { ...process.env, KEYGUARD_SOCKET_DIR: join(dir, 'sock') };
  const host = spawn(process.execPath, [join(root, '.output', 'cli', 'keyguard-host.mjs')], {
    env,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const ready = new Promise<void>((resolve) => {
    host.stdout.on(
      'data',
      createDecoder((m) => {
        const msg = m as { hello?: string; rid?: number; type?: string };
        if (msg.hello) return resolve();
        if (msg.type === 'cli.cancel' || msg.rid === undefined) return;
        // The extension's side, approving at once: a fixed, fake key.
        host.stdin.write(
          encodeMessage({
            rid: msg.rid,
            reply: { ok: true, data: { keys: [{ ref: 'Bench', secret: 'dbk_bench_not_a_key' }] } },
          }),
        );
      }),
    );
  });
  await ready;
  const cli = [
    join(root, '.output', 'cli', 'keyguard.mjs'),
    'run',
    '--env',
    'TOKEN=Bench',
    '--',
    process.execPath,
    ...CHILD,
  ];
  const wrapper = [
    '-e',
    "require('child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' })",
    process.execPath,
    ...CHILD,
  ];
  const runs: number[] = [];
  const bare: number[] = [];
  const direct: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < 24; i++) {
    const a = await startDelay(cli, env);
    const b = await startDelay(wrapper, env);
    const c = await startDelay(CHILD, env);
    if (i >= 3) {
      runs.push(a);
      bare.push(b);
      direct.push(c);
      added.push(a - b);
    }
  }
  host.stdin.end();
  await new Promise((r) => host.once('close', r));
  rmSync(dir, { recursive: true, force: true });
  const round = (x: number) => Math.round(x * 10) / 10;
  emit({
    name: 'cli_run_overhead_ms',
    value: round(median(added)),
    unit: 'ms',
    totalMs: round(median(runs)),
    nodeWrapperMs: round(median(bare)),
    childOnlyMs: round(median(direct)),
    runs: runs.length,
  });
}

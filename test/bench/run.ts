/**
 * `npm run bench`: one JSON object per line, `{"name", "value", "unit", ...}`, then a summary line that
 * compares each figure with its budget from design.md. Exits non-zero when a budget is missed.
 */
import { benchAudit } from './audit';
import { benchPage } from './page';
import { benchPopup } from './popup';
import { benchVault } from './vault';

interface Result {
  name: string;
  value: number;
  unit: string;
  [k: string]: unknown;
}

/** Budgets: `max` or `min` the figure must respect on this 2-core machine. */
const BUDGETS: Record<string, { max?: number; min?: number }> = {
  unlock_ms: { max: 500 },
  argon2_speed_ratio: { min: 2.5 },
  vault_list_1000_ms: { max: 50 },
  // Issue #18: the toolbar popup against a bare popup, and against itself with 1 entry (same run, interleaved).
  popup_ready_1000_vs_floor: { max: 1.3 },
  popup_list_cost_1000: { max: 1.1 },
  content_script_gz_bytes: { max: 12 * 1024 },
  masked_before_frame: { min: 1 },
  busy_page_keyguard_share: { max: 0.01 },
  guard_paste_10kb_ms: { max: 1 },
  cli_run_overhead_ms: { max: 50 },
};

const results: Result[] = [];
const emit = (r: Result) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

// `BENCH_ONLY=popup npm run bench` (or a comma-separated list of vault, audit, popup, page, cli) runs only those.
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (part: string) => !only || only.includes(part);
if (wanted('vault')) await benchVault(emit);
if (wanted('audit')) await benchAudit(emit);
if (wanted('popup')) await benchPopup(emit);
if (wanted('page')) await benchPage(emit);
if (wanted('cli')) await (await import('./cli')).benchCli(emit);

const checks = results
  .filter((r) => BUDGETS[r.name])
  .map((r) => {
    const b = BUDGETS[r.name] ?? {};
    const ok = (b.max === undefined || r.value <= b.max) && (b.min === undefined || r.value >= b.min);
    return { name: r.name, value: r.value, ...b, ok };
  });
const pass = checks.every((c) => c.ok);
console.log(JSON.stringify({ summary: true, pass, checks }));
process.exitCode = pass ? 0 : 1;

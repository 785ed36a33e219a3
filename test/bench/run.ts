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
  popup_ready_1000_ms: { max: 100 },
  content_script_gz_bytes: { max: 12 * 1024 },
  masked_before_frame: { min: 1 },
  busy_page_slowdown: { max: 1.05 },
  guard_paste_10kb_ms: { max: 1 },
  cli_run_overhead_ms: { max: 50 },
};

const results: Result[] = [];
const emit = (r: Result) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

await benchVault(emit);
await benchAudit(emit);
await benchPopup(emit);
await benchPage(emit);
await (await import('./cli')).benchCli(emit);

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

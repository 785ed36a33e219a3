// `npm test`: typecheck, lint, unit tests, production builds, e2e in Debian's Chromium, then e2e in Debian's
// Firefox ESR. Stops at the first failing step and exits non-zero; ends with one plain "N passed, N failed"
// line over every test suite.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFirefoxPath } from '../test/e2e/firefox/harness/firefox';
import { resolveChromiumPath } from '../test/e2e/harness/chromium';

const results = join(process.cwd(), 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const vitest = (config: string | null, name: string) => [
  'vitest',
  'run',
  ...(config ? ['--config', config] : []),
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(results, `${name}.json`)}`,
];

interface Step {
  name: string;
  cmd: string[];
  report?: string;
  needsChromium?: boolean;
  needsFirefox?: boolean;
  env?: Record<string, string>;
}

const steps: Step[] = [
  { name: 'typecheck', cmd: ['tsc', '--noEmit'] },
  { name: 'lint', cmd: ['biome', 'check', '.'] },
  { name: 'unit', cmd: vitest(null, 'unit'), report: 'unit' },
  { name: 'build', cmd: ['wxt', 'build'] },
  { name: 'build:firefox', cmd: ['wxt', 'build', '-b', 'firefox'] },
  { name: 'build:cli', cmd: ['node', 'cli/build.mjs'] },
  // Mozilla's add-on linter on the Firefox build: any error fails; warnings are printed and allowed (the two
  // known ones are Preact's own dangerouslySetInnerHTML branch, which KeyGuard never uses).
  {
    name: 'web-ext lint',
    cmd: ['web-ext', 'lint', '--source-dir', '.output/firefox-mv3', '--no-config-discovery'],
    env: { NO_UPDATE_NOTIFIER: '1' },
  },
  { name: 'e2e', cmd: vitest('vitest.e2e.config.ts', 'e2e'), report: 'e2e', needsChromium: true },
  {
    name: 'e2e:firefox',
    cmd: vitest('vitest.e2e-firefox.config.ts', 'e2e-firefox'),
    report: 'e2e-firefox',
    needsFirefox: true,
  },
];

// vite-node, which runs this script, sets NODE_ENV=development; inherited by `wxt build`, that makes Vite
// emit development JSX (with absolute source paths) into the build that e2e and web-ext lint then check.
// Each tool picks its own mode when NODE_ENV is unset (wxt build: production; vitest: test).
const { NODE_ENV: _inherited, ...childEnv } = process.env;

const totals = { passed: 0, failed: 0, skipped: 0 };
function count(report: string) {
  const file = join(results, `${report}.json`);
  if (!existsSync(file)) return;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += r.numPassedTests ?? 0;
  totals.failed += r.numFailedTests ?? 0;
  totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}

let failedStep: string | null = null;
for (const step of steps) {
  if (step.needsChromium || step.needsFirefox) {
    try {
      if (step.needsChromium) resolveChromiumPath();
      if (step.needsFirefox) resolveFirefoxPath();
    } catch (e) {
      console.error(`\n✖ ${step.name}: ${(e as Error).message}`);
      failedStep = step.name;
      break;
    }
  }
  console.log(`\n▶ ${step.name}: ${step.cmd.join(' ')}`);
  const started = Date.now();
  const r = spawnSync('npx', ['--no-install', ...step.cmd], {
    stdio: 'inherit',
    env: { ...childEnv, ...step.env },
  });
  if (step.report) count(step.report);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✖ ${step.name} failed after ${secs} s`);
    failedStep = step.name;
    break;
  }
  console.log(`✔ ${step.name} (${secs} s)`);
}

console.log(failedStep ? `\nnpm test failed at: ${failedStep}` : '\nnpm test: every step passed');
// A failed step before a suite ran still counts as a failure in the closing line.
const failed = totals.failed + (failedStep && totals.failed === 0 ? 1 : 0);
console.log(
  `tests: ${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
);
process.exit(failedStep ? 1 : 0);

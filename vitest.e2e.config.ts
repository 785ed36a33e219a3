import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: headless Chromium with the production build (`npm run build` → .output/chrome-mv3).
 * One file at a time in one worker — each file drives a browser, and this machine has 2 cores.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    // The Firefox suites have their own config (vitest.e2e-firefox.config.ts).
    exclude: ['test/e2e/firefox/**', '**/node_modules/**'],
    environment: 'node',
    setupFiles: ['test/e2e/harness/setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // A flaky browser test must be fixed, not retried into green.
    retry: 0,
  },
});

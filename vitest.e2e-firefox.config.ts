import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests in Firefox ESR (WebDriver BiDi through puppeteer-core) with the production Firefox build
 * (`npm run build:firefox` → .output/firefox-mv3). One file at a time in one worker, one browser per file.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/firefox/**/*.e2e.ts'],
    environment: 'node',
    setupFiles: ['test/e2e/harness/setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 150_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // A flaky browser test must be fixed, not retried into green.
    retry: 0,
  },
});

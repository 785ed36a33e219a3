/**
 * Where the built extension is, and a clear failure when it is not there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (three levels above this file: test/e2e/harness). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The unpacked Chrome MV3 build the e2e suite loads: `KEYGUARD_EXTENSION_DIR` if set (relative paths are
 * taken from the repository root), else `.output/chrome-mv3`.
 */
export function extensionDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KEYGUARD_EXTENSION_DIR;
  if (fromEnv) return isAbsolute(fromEnv) ? fromEnv : resolve(repoRoot, fromEnv);
  return join(repoRoot, '.output', 'chrome-mv3');
}

/**
 * Throws an actionable error unless `dir` holds a built extension (a `manifest.json`).
 * The e2e suite never builds by itself: it tests exactly what `npm run build` produced.
 */
export function assertBuilt(dir: string): void {
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(
      `KeyGuard e2e: no built extension at ${dir} (manifest.json is missing). ` +
        'Run `npm run build` first (the e2e suite tests the production build in .output/chrome-mv3).',
    );
  }
}

/**
 * Static checks of the build that explain why Chromium might silently refuse to load it. Headless Chromium
 * reports manifest errors nowhere a test can see, so when the service worker never appears we list these.
 */
export function diagnoseBuild(dir: string): string[] {
  const problems: string[] = [];
  let manifest: {
    default_locale?: string;
    background?: { service_worker?: string };
    manifest_version?: number;
  };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
  } catch (error) {
    return [`manifest.json does not parse: ${(error as Error).message}`];
  }
  if (manifest.manifest_version !== 3) problems.push('manifest_version is not 3 (use the chrome-mv3 build)');
  const sw = manifest.background?.service_worker;
  if (!sw) problems.push('manifest.json has no background.service_worker');
  else if (!existsSync(join(dir, sw))) problems.push(`background.service_worker file ${sw} is missing`);
  const locale = manifest.default_locale;
  if (locale && !existsSync(join(dir, '_locales', locale, 'messages.json'))) {
    problems.push(`default_locale is "${locale}" but _locales/${locale}/messages.json is missing`);
  }
  return problems;
}

// Builds the `keyguard` command and its native-messaging host into .output/cli/ (Node ≥ 20, ESM). esbuild
// is the bundler WXT's Vite already brings; the scan code (and its crypto) is a chunk of its own, loaded only
// by `keyguard scan`, so `keyguard run` starts quickly.
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, '.output', 'cli');
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: [join(root, 'cli', 'keyguard.ts')],
  outdir,
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
});
// The host is one self-contained file: `keyguard install` copies it to KeyGuard's data folder.
await build({
  ...common,
  entryPoints: [join(root, 'cli', 'keyguard-host.ts')],
  outfile: join(outdir, 'keyguard-host.mjs'),
});
for (const name of ['keyguard.mjs', 'keyguard-host.mjs']) chmodSync(join(outdir, name), 0o755);
process.stdout.write(`built ${join('.output', 'cli')}/keyguard.mjs and keyguard-host.mjs\n`);

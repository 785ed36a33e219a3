/**
 * The native-messaging host's entry point: the browser starts it (through the launcher `keyguard install`
 * writes) when KeyGuard opens its port, with the caller's origin as argument; it relays until the port
 * closes. See lib/host.ts.
 */
import { tmpdir } from 'node:os';
import { startHost } from './lib/host';
import { socketDir, socketPath } from './lib/paths';

const platform = {
  platform: process.platform,
  env: process.env,
  uid: process.getuid?.() ?? -1,
  tmpdir: tmpdir(),
};
startHost({
  input: process.stdin,
  output: process.stdout,
  socketPath: socketPath(platform),
  socketDir: process.platform === 'win32' ? null : socketDir(platform),
}).catch((e: unknown) => {
  process.stderr.write(`keyguard-host: could not start (${e instanceof Error ? e.message : 'error'})\n`);
  process.exit(1);
});

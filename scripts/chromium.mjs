// Where Chromium is: $CHROMIUM_PATH or $CHROME_PATH, else Debian's /usr/bin/chromium.
import { existsSync } from 'node:fs';

export function chromiumPath(env = process.env) {
  const chosen = env.CHROMIUM_PATH || env.CHROME_PATH;
  const path = chosen || '/usr/bin/chromium';
  if (existsSync(path)) return { ok: true, path };
  return {
    ok: false,
    path,
    message: chosen
      ? `No Chrome/Chromium at ${path} (from CHROMIUM_PATH/CHROME_PATH). Point the variable at a Chrome or Chromium binary.`
      : 'Chromium was not found at /usr/bin/chromium. Install it with `sudo apt-get install -y chromium` ' +
        '(Debian/Ubuntu), or set CHROMIUM_PATH (or CHROME_PATH) to another Chrome/Chromium binary.',
  };
}

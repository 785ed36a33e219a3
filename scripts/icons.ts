/**
 * `npm run icons`: renders scripts/icons.svg (KeyGuard's own shield-and-key icon) to
 * public/icon/<size>.png with Debian's Chromium (or CHROMIUM_PATH / CHROME_PATH), which WXT puts into the
 * manifest's icons. The PNGs are committed, so building never needs a browser; run this after editing the
 * SVG.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot, resolveChromiumPath } from '../test/e2e/harness/index.js';

/** Chrome uses 16, 32, 48 and 128; Firefox also uses 96 on high-density screens. */
export const ICON_SIZES = [16, 32, 48, 96, 128] as const;

let executablePath: string;
try {
  executablePath = resolveChromiumPath();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}

const svg = readFileSync(join(repoRoot, 'scripts', 'icons.svg'), 'utf8');
const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const size of ICON_SIZES) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img alt="" width="${size}" height="${size}" src="${src}" style="display:block"></body></html>`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    const png = await page.screenshot({
      omitBackground: true,
      clip: { x: 0, y: 0, width: size, height: size },
    });
    const file = join(repoRoot, 'public', 'icon', `${size}.png`);
    writeFileSync(file, png);
    console.log(`icons: ${file} (${png.length} bytes)`);
    await page.close();
  }
} finally {
  await browser.close();
}

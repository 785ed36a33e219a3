// Writes public/_locales/<lang>/messages.json from the string sources in scripts/locales/*.mjs (one per
// area: common, popup, options, …; each exports MESSAGES). Run it after editing strings. Placeholders are
// written as $NAME$ and map to $1, $2… in order of appearance in the English text.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const LOCALES = ['en', 'de', 'nl', 'fr', 'es', 'it'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'scripts', 'locales');

const all = {};
for (const file of readdirSync(srcDir)
  .filter((f) => f.endsWith('.mjs'))
  .sort()) {
  const { MESSAGES } = await import(pathToFileURL(join(srcDir, file)).href);
  for (const [key, m] of Object.entries(MESSAGES)) {
    if (key in all) throw new Error(`${key} is defined twice (again in ${file})`);
    all[key] = m;
  }
}
for (const lang of LOCALES) {
  const out = {};
  for (const [key, m] of Object.entries(all)) {
    const text = m[lang];
    if (typeof text !== 'string') throw new Error(`${key} has no ${lang} text`);
    const names = [...m.en.matchAll(/\$([A-Z_]+)\$/g)].map((x) => x[1]);
    const entry = { message: text, description: m.description };
    if (names.length > 0) {
      entry.placeholders = Object.fromEntries(
        names.map((n, i) => [n.toLowerCase(), { content: `$${i + 1}` }]),
      );
    }
    out[key] = entry;
  }
  const dir = join(root, 'public', '_locales', lang);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'messages.json'), `${JSON.stringify(out, null, 2)}\n`);
}
console.log(`wrote ${LOCALES.length} locales, ${Object.keys(all).length} messages each`);

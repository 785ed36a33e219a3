// Writes public/_locales/<lang>/messages.json from scripts/locales.src.mjs (run after editing strings).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCALES, MESSAGES } from './locales.src.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const lang of LOCALES) {
  const out = {};
  for (const [key, m] of Object.entries(MESSAGES)) {
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
console.log(`wrote ${LOCALES.length} locales, ${Object.keys(MESSAGES).length} messages each`);

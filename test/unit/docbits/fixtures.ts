/**
 * Loads the replica's rendered DOM (dumped by fixtures/dump.ts) into the test document.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export const LANGS = ['en', 'de', 'nl', 'fr', 'es', 'it'] as const;
export type Lang = (typeof LANGS)[number];

export interface ExpectedRow {
  prefix: string;
  name: string;
  /** [year, monthIndex, day] as the page showed it; null = never */
  expires: [number, number, number] | null;
  /** [year, monthIndex, day, hour, minute]; null = never */
  lastUsed: [number, number, number, number, number] | null;
  status: 'active' | 'revoked';
}

export interface Expected {
  key: string;
  orgId: string;
  rows?: ExpectedRow[];
  create?: { name: string; description: string; expiration: null | number | string };
}

export const expected: Record<string, Expected> = JSON.parse(
  readFileSync(join(DIR, 'expected.json'), 'utf8'),
);

export function expectedFor(name: string): Expected {
  const e = expected[name];
  if (!e) throw new Error(`no expectations for fixture ${name}`);
  return e;
}

/**
 * Replaces the test document's body with the fixture's. Like the live page, textareas get their value
 * from the `value` attribute Vue rendered (HTML parsing alone would leave them empty).
 */
export function loadFixture(name: string, doc: Document = document): void {
  const html = readFileSync(join(DIR, `${name}.html`), 'utf8');
  const start = html.indexOf('<body');
  const open = html.indexOf('>', start) + 1;
  const close = html.lastIndexOf('</body>');
  const cls = /class="([^"]*)"/.exec(html.slice(start, open))?.[1] ?? '';
  doc.body.className = cls;
  doc.body.innerHTML = html.slice(open, close);
  for (const t of doc.querySelectorAll('textarea')) t.value = t.getAttribute('value') ?? '';
}

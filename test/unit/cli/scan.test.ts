import { describe, expect, it } from 'vitest';
import { createLineMatcher, parseStagedDiff, scanText } from '../../../cli/lib/scan';
import { newSalt, printsOf } from '../../../lib/guard/fingerprint';

const KEY = 'dbk_Zx81qL0pQm3vT7yW2eRr9uIo';
const OTHER = 'db_live_9f8e7d6c5b4a39281706';
const salt = newSalt();
const prints = printsOf(
  [
    { id: 'e1', host: 'app.docbits.com', secret: KEY },
    { id: 'e2', host: 'app.docbits.com', secret: OTHER },
  ],
  salt,
).map((p) => ({ ...p, name: null }));
const match = createLineMatcher(salt, prints);

describe('keyguard scan', () => {
  it('finds keys by fingerprint, with line numbers, in code, env files and headers', () => {
    const text = `const a = 1;\nDOCBITS_KEY=${KEY}\nheaders: { 'X-API-KEY': "${OTHER}" }, ${KEY}.\n`;
    expect(scanText('f.js', text, match)).toEqual([
      { file: 'f.js', line: 2, id: 'e1', encoding: 'plain' },
      { file: 'f.js', line: 3, id: 'e2', encoding: 'plain' },
      { file: 'f.js', line: 3, id: 'e1', encoding: 'plain' },
    ]);
  });

  it('finds keys written as base64 (padded, unpadded, url-safe) or hex, and says so', () => {
    const b64 = Buffer.from(KEY).toString('base64');
    const hex = Buffer.from(OTHER).toString('hex');
    const text = `auth=${b64}\nx ${Buffer.from(KEY).toString('base64url')}\n"${hex}"\n`;
    expect(scanText('f', text, match).map((h) => [h.line, h.id, h.encoding])).toEqual([
      [1, 'e1', 'base64'],
      [2, 'e1', 'base64'],
      [3, 'e2', 'hex'],
    ]);
  });

  it('does not find a key split across lines, a part of a key, or anything without fingerprints', () => {
    const text = `key = "${KEY.slice(0, 10)}" +\n  "${KEY.slice(10)}"\n${KEY.slice(1)}\n`;
    expect(scanText('f', text, match)).toEqual([]);
    expect(createLineMatcher('', [])(KEY)).toEqual([]);
  });

  it('reads the staged diff: file and line in the new version', () => {
    const diff = [
      'diff --git a/src/a.js b/src/a.js',
      '--- a/src/a.js',
      '+++ b/src/a.js',
      '@@ -2,0 +3,2 @@ x',
      '+line three',
      '+line four',
      '@@ -10 +12 @@',
      '-line ten',
      '+line twelve',
      'diff --git a/gone b/gone',
      '--- a/gone',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-removed',
    ].join('\n');
    expect(parseStagedDiff(diff)).toEqual([
      { file: 'src/a.js', line: 3, text: 'line three' },
      { file: 'src/a.js', line: 4, text: 'line four' },
      { file: 'src/a.js', line: 12, text: 'line twelve' },
    ]);
  });

  it('reads an added line that starts with "++" or a removed one with "--" as hunk lines, not file headers', () => {
    // `git diff -U0` of removing "-- old" and adding "++ KEY": inside the hunk they look like file headers.
    const diff = [
      'diff --git a/notes.md b/notes.md',
      '--- a/notes.md',
      '+++ b/notes.md',
      '@@ -4 +4,2 @@',
      '--- old',
      `+++ ${KEY}`,
      '+after',
    ].join('\n');
    const rows = parseStagedDiff(diff);
    expect(rows.map((r) => [r.file, r.line])).toEqual([
      ['notes.md', 4],
      ['notes.md', 5],
    ]);
    expect(rows[0]?.text === `++ ${KEY}`, 'the "+++" row is the added line "++ KEY"').toBe(true);
  });
});

// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDate } from '../../../lib/page/dates';
import { readKeyTable } from '../../../lib/page/table';
import { type ExpectedRow, expectedFor, LANGS, loadFixture } from './fixtures';

const day = (p: ExpectedRow['expires']) => (p ? new Date(p[0], p[1], p[2]).getTime() : null);
const minute = (p: ExpectedRow['lastUsed']) => (p ? new Date(p[0], p[1], p[2], p[3], p[4]).getTime() : null);

describe.each(LANGS)('readKeyTable (%s, replica DOM)', (lang) => {
  const e = expectedFor(`current-${lang}`);
  beforeEach(() => loadFixture(`current-${lang}`));

  it('reads prefix, name, dates and status of every row', () => {
    const rows = readKeyTable(document);
    expect(
      rows.map(({ prefix, name, expiresAt, lastUsedAt, status }) => ({
        prefix,
        name,
        expiresAt,
        lastUsedAt,
        status,
      })),
    ).toEqual(
      (e.rows ?? []).map((r) => ({
        prefix: r.prefix,
        name: r.name,
        expiresAt: day(r.expires),
        lastUsedAt: minute(r.lastUsed),
        status: r.status,
      })),
    );
    for (const r of rows) {
      expect(r.row.tagName).toBe('TR');
      expect(r.keyCell.querySelector('code.key-prefix')).not.toBeNull();
    }
  });

  it('follows the header texts when the columns are reordered', () => {
    // move "Status" before "Key" in the header and in every row
    for (const tr of document.querySelectorAll('.api-keys-card tr:not(.q-table__progress)')) {
      const cells = tr.children;
      const status = cells[4];
      if (status && cells[0]) tr.insertBefore(status, cells[0]);
    }
    const rows = readKeyTable(document);
    expect(rows.map((r) => [r.status, r.expiresAt, r.lastUsedAt])).toEqual(
      (e.rows ?? []).map((r) => [r.status, day(r.expires), minute(r.lastUsed)]),
    );
  });
});

describe('readKeyTable without recognisable headers', () => {
  it('uses the usual column order next to the key cell and the revoked row class', () => {
    document.body.innerHTML = `<table><tbody>
      <tr class="api-key-row--revoked"><td><code class="key-prefix">dbk_Ab12****</code></td><td><div>CI</div></td>
        <td>2026-03-09</td><td>—</td><td><div class="q-badge" role="status">?</div></td></tr></tbody></table>`;
    const [row] = readKeyTable(document);
    expect(row?.prefix).toBe('dbk_Ab12');
    expect(row?.name).toBe('CI');
    expect(row?.expiresAt).toBe(new Date(2026, 2, 9).getTime());
    expect(row?.lastUsedAt).toBeUndefined();
    expect(row?.status).toBe('revoked');
  });

  it('returns [] where there is no key table', () => {
    document.body.innerHTML = '<table><tr><td>Key</td></tr></table><code>abc</code>';
    expect(readKeyTable(document)).toEqual([]);
  });
});

describe('parseDate', () => {
  const dates = Array.from(
    { length: 12 },
    (_, m) => new Date(2026, m, ((m * 7) % 28) + 1, (m * 5) % 24, m * 4),
  );
  const dateOnly = { year: 'numeric', month: 'short', day: 'numeric' } as const;
  const dateTime = { ...dateOnly, hour: '2-digit', minute: '2-digit' } as const;

  it.each(LANGS)(
    'reads back what Intl prints for every month in %s (with and without the language)',
    (lang) => {
      for (const d of dates) {
        const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
        const noSeconds = new Date(d).setSeconds(0, 0);
        const a = new Intl.DateTimeFormat(lang, dateOnly).format(d);
        const b = new Intl.DateTimeFormat(lang, dateTime).format(d);
        const long = new Intl.DateTimeFormat(lang, { dateStyle: 'long' }).format(d);
        expect(
          [parseDate(a, lang), parseDate(b, lang), parseDate(long, lang)],
          `${a} | ${b} | ${long}`,
        ).toEqual([midnight, noSeconds, midnight]);
        expect([parseDate(a), parseDate(b)], `${a} | ${b}`).toEqual([midnight, noSeconds]);
        // numeric dates need the language for their field order
        const numeric = new Intl.DateTimeFormat(lang).format(d);
        expect(parseDate(numeric, lang), numeric).toBe(midnight);
      }
    },
  );

  it('reads ISO dates, 12-hour times and rejects non-dates', () => {
    expect(parseDate('2026-03-09')).toBe(new Date(2026, 2, 9).getTime());
    expect(parseDate('2026-03-09 07:45')).toBe(new Date(2026, 2, 9, 7, 45).getTime());
    expect(parseDate('Jan 1, 2026, 12:05 AM', 'en')).toBe(new Date(2026, 0, 1, 0, 5).getTime());
    expect(parseDate('Jan 1, 2026, 12:05 PM', 'en')).toBe(new Date(2026, 0, 1, 12, 5).getTime());
    expect(parseDate('21 mai 2025', 'fr')).toBe(new Date(2025, 4, 21).getTime());
    expect(parseDate('17.08.2025')).toBe(new Date(2025, 7, 17).getTime());
    expect(parseDate('25/12/2025')).toBe(new Date(2025, 11, 25).getTime());
    expect(parseDate('03/04/2025')).toBeUndefined(); // ambiguous without the language
    expect(parseDate('03/04/2025', 'en')).toBe(new Date(2025, 2, 4).getTime());
    expect(parseDate('03/04/2025', 'it')).toBe(new Date(2025, 3, 3).getTime());
    expect(parseDate('Feb 30, 2026', 'en')).toBeUndefined();
    expect(parseDate('Never used')).toBeUndefined();
    expect(parseDate('')).toBeUndefined();
  });
});

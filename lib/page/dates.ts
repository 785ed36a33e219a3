/**
 * Reading the dates DocBits prints. The page formats them with `Intl.DateTimeFormat(<page language>)`
 * (short month names: "Mar 9, 2026", "9. März 2026", "9 mrt 2026", "9 mars 2026", "9 mar 2026") — the
 * page's language, not the browser's. Month names and the numeric field order are therefore derived from
 * the same Intl data instead of a table of our own, so they match what the page renders.
 */
import { fold, LANGS, NEVER } from './text';

type Months = Array<[name: string, month: number]>;
const months = new Map<string, Months>();

/** Short and long month names of `lang` as Intl formats them inside a date, folded, without dots. */
function monthsOf(lang: string): Months {
  let list = months.get(lang);
  if (!list) {
    list = [];
    for (const month of ['short', 'long'] as const) {
      const f = new Intl.DateTimeFormat(lang, { year: 'numeric', month, day: 'numeric' });
      for (let m = 0; m < 12; m++) {
        const part = f.formatToParts(new Date(2001, m, 15)).find((p) => p.type === 'month');
        if (part) list.push([fold(part.value).replace(/\./g, ''), m]);
      }
    }
    months.set(lang, list);
  }
  return list;
}

/** The month a word names ("sept" ~ "sep"), in `lang` first, then in any of the six languages. */
function monthOf(word: string, lang: string | undefined): number | undefined {
  for (const l of lang ? [lang, ...LANGS] : LANGS) {
    for (const [name, m] of monthsOf(l)) {
      if (
        word === name ||
        (word.length >= 3 && name.length >= 3 && (word.startsWith(name) || name.startsWith(word)))
      )
        return m;
    }
  }
  return undefined;
}

/** Order of day/month/year in `lang`'s numeric dates ("dmy" for de, "mdy" for en). */
function numericOrder(lang: string): string {
  return new Intl.DateTimeFormat(lang)
    .formatToParts(new Date(2001, 1, 3))
    .map((p) => p.type[0])
    .filter((c) => c === 'd' || c === 'm' || c === 'y')
    .join('');
}

/**
 * Parses a date or date-time as the page shows it (in the page's language `lang` when known), as local
 * time — the page formats in the browser's time zone. A date without time is that day's local midnight.
 * Returns epoch milliseconds, or undefined when the text is not a date.
 */
export function parseDate(text: string, lang?: string): number | undefined {
  let s = fold(text);
  let hour = 0;
  let minute = 0;
  const time = /(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*([ap])\.?\s?m\b\.?)?/.exec(s);
  if (time) {
    hour = Number(time[1]) % (time[3] ? 12 : 24);
    if (time[3] === 'p') hour += 12;
    minute = Number(time[2]);
    s = s.replace(time[0], ' ');
  }
  const nums = (s.match(/\d+/g) ?? []).map(Number);
  let y: number | undefined;
  let m: number | undefined;
  let d: number | undefined;
  const iso = /(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]) - 1, Number(iso[3])];
  else {
    for (const w of s.match(/[a-z]+/g) ?? []) {
      m = monthOf(w, lang);
      if (m !== undefined) break;
    }
    if (m !== undefined) {
      y = nums.find((n) => n > 31);
      d = nums.find((n) => n >= 1 && n <= 31);
    } else if (nums.length === 3) {
      let order = /\d{4}\D+\d+\D+\d+/.test(s) ? 'ymd' : lang ? numericOrder(lang) : '';
      // without the language, only an unambiguous day (> 12) or a dotted date decides the order
      if (!order) order = (nums[0] ?? 0) > 12 || s.includes('.') ? 'dmy' : (nums[1] ?? 0) > 12 ? 'mdy' : '';
      for (let i = 0; i < order.length; i++) {
        const n = nums[i];
        if (order[i] === 'y') y = n;
        else if (order[i] === 'm') m = n === undefined ? n : n - 1;
        else d = n;
      }
      if (y !== undefined && y < 100) y += 2000;
    }
  }
  if (y === undefined || m === undefined || d === undefined) return undefined;
  const date = new Date(y, m, d, hour, minute);
  return date.getMonth() === m && date.getDate() === d && minute < 60 ? date.getTime() : undefined;
}

/**
 * A date cell of the key table: epoch ms; null for "Never expires" / "Never used" (six languages, only in
 * text without digits: French "mai" is May); undefined when empty or unreadable.
 */
export function cellDate(text: string, lang?: string): number | null | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/\d/.test(t)) return NEVER.test(fold(t)) ? null : undefined;
  return parseDate(t, lang);
}

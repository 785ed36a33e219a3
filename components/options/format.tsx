/**
 * Dates and numbers for the options page, through `Intl` in the browser's locale. Date inputs work in
 * local calendar days: a key that expires "on 3 March" expires at the start of that day, here.
 */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Epoch ms → the `YYYY-MM-DD` an `<input type="date">` holds, in local time; '' for null. */
export function toDateInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * `YYYY-MM-DD` → epoch ms at local midnight; null for an empty value; undefined when it is not a real
 * calendar date (typed by hand where the browser has no date picker).
 */
export function fromDateInput(value: string): number | null | undefined {
  const v = value.trim();
  if (v === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return undefined;
  if (y < 2000 || y > 9999) return undefined;
  return date.getTime();
}

/** Start of the local day containing `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function formatDate(ms: number, locale: string | undefined): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(ms);
}

/** "5 minutes", "4 Stunden", "30 s"… as the locale writes them. */
export function formatUnit(
  value: number,
  unit: 'minute' | 'hour' | 'second' | 'day',
  locale: string | undefined,
): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/** Minutes as minutes or, when whole, hours. */
export function formatMinutes(minutes: number, locale: string | undefined): string {
  return minutes >= 60 && minutes % 60 === 0
    ? formatUnit(minutes / 60, 'hour', locale)
    : formatUnit(minutes, 'minute', locale);
}

/**
 * A whole number typed into a field: the number, or undefined when it is not a whole number within
 * [min, max]. Leading/trailing spaces are ignored.
 */
export function parseWhole(value: string, min: number, max: number): number | undefined {
  const v = value.trim();
  if (!/^\d{1,6}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

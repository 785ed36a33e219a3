/**
 * Small text helpers shared by the DocBits readers. The page may be in any of its six languages (en, de,
 * nl, fr, es, it) whatever the browser's language, so patterns cover all six; they are matched against
 * {@link fold}ed text (lower case, no diacritics).
 */

/** Lower case without diacritics: "Läuft nie ab" → "lauft nie ab". */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** The element's text with whitespace collapsed. */
export function textOf(el: Element | null | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** "API key(s)" in six languages: API Key, API-Schlüssel, API-sleutel, clé API, clave API, chiave API. */
export const API_KEY = /api[\s-]*(?:keys?|schlussel|sleutels?)|(?:cles?|claves?|chiav[ei])\s+api/;

/** "never" in six languages (Never expires, Läuft nie ab, Nooit, Jamais, Nunca, Mai …); only test text without digits (French "mai" is May). */
export const NEVER = /never|\bnie\b|nooit|jamais|nunca|\bmai\b/;

/** A UUID, with or without dashes. */
export const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Languages the page may be in, for date parsing. */
export const LANGS = ['en', 'de', 'nl', 'fr', 'es', 'it'] as const;

const DAY = 86_400_000;

export { DAY };

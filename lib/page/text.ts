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

/**
 * "never" / "no expiry" in six languages (Never expires, Läuft nie ab, Kein Ablauf, Nooit, Geen, Jamais,
 * Sans expiration, Nunca, Sin caducidad, Mai, Nessuna scadenza, Unlimited …); only test text without
 * digits (French "mai" is May).
 */
export const NEVER =
  /never|\bnie\b|\bkein|nooit|\bgeen\b|jamais|\bsans\b|nunca|\bsin\b|\bmai\b|nessun|\bno expir|unlimit|unbegrenzt|onbeperkt|illimit|ilimitad/;

/**
 * What a form field or table column is about, by its (folded) label, in six languages with DocBits'
 * wording and common synonyms. Tested in this order: a description is never taken for a name.
 */
export const MEANINGS = {
  /** Description, Beschreibung, Omschrijving, Beschrijving, Descripción, Descrizione, Notes, Notiz … */
  description: /descri|beschr|omschrijv|\bnot(?:es?|iz\w*|as?)\b|comment|opmerking|\bzweck\b|purpose/,
  /** Expiration, Expires, Expiry, Ablauf, Läuft ab, Gültig bis, Verloopt, Vervaldatum, Expire le, Caducidad, Vencimiento, Scadenza, Valid until … */
  expires:
    /expir|ablauf|lauft|gultig|laufzeit|verloop|verval|geldig|looptijd|caduc|vencim|scad|valid|valab|\bdur(?:ation|ee|acion|ata)\b/,
  /** Last used, Zuletzt verwendet, Letzte Nutzung, Laatst gebruikt, Dernière utilisation, Último uso, Ultimo utilizzo. */
  lastUsed: /last|zuletzt|letzte|laatst|derni|ultim/,
  /** Status, Statut, Estado, Stato, Zustand, State. */
  status: /status|statut|estado|stato|zustand|\bstate\b/,
  /** Key Name, Name, Schlüsselname, Bezeichnung, Naam, Sleutelnaam, Nom, Nombre, Nome, Title, Titel … */
  name: /name\b|naam\b|bezeichnung|\bnom(?:bre|e)?\b|\btit(?:le|el|re|ulo|olo)\b/,
} as const;
export type Meaning = keyof typeof MEANINGS;

/** The meaning of a folded label, or undefined. */
export function meaningOf(label: string): Meaning | undefined {
  for (const m in MEANINGS) if (MEANINGS[m as Meaning].test(label)) return m as Meaning;
  return undefined;
}

/** Organisation id labels: Organisation ID, Org ID, Organisations-ID, ID de l'organisation, ID de organización … */
export const ORG = /organi[sz]|\borg\b|mandant|tenant/;
/** …but never the sub-organisation's: Sub Org ID, Unterorganisation, sous-organisation, suborganización, sotto-organizzazione. */
export const SUB = /sub|unter|sous|sotto|child/;

/** A UUID, with or without dashes. */
export const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** A UUID inside text, not part of a longer token. */
export const UUID_IN =
  /(?<![\w-])[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(?![\w-])/gi;

/** Languages the page may be in, for date parsing. */
export const LANGS = ['en', 'de', 'nl', 'fr', 'es', 'it'] as const;

/** Words only one of the page's languages uses (in its key phrase, column headers and dialog labels). */
const LANG_HINTS: Array<[string, RegExp]> = [
  ['de', /schlussel|ablauf|lauft|zuletzt|gultig|bezeichnung|beschreibung/],
  ['nl', /sleutel|verloop|laatst|verval|geldig|omschrijving|naam\b/],
  ['fr', /\bcles?\b|statut|derniere|annuler|\bnom\b/],
  ['es', /\bclaves?\b|caduc|vencim|cancelar|nombre|estado/],
  ['it', /chiav[ei]|scaden|annulla|\bnome\b|stato\b/],
  ['en', /\bkeys?\b|expir|last use|cancel|\bname\b|valid until/],
];

/** The page's language told by some of its (folded) text, when recognised. */
export function langOf(text: string): string | undefined {
  return LANG_HINTS.find(([, re]) => re.test(text))?.[0];
}

const DAY = 86_400_000;

export { DAY };

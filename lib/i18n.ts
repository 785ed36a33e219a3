/**
 * User-facing text. Every string comes from `_locales/<lang>/messages.json` through the browser's i18n
 * API, which is passed in once per context (so unit tests can supply English from the JSON directly).
 */
import type en from '../public/_locales/en/messages.json';

export type MessageKey = keyof typeof en;
type GetMessage = (key: string, substitutions?: string | string[]) => string;

let source: GetMessage = (key) => key;

/** Installs the message source for this context, e.g. `browser.i18n.getMessage`. */
export function setMessageSource(getMessage: GetMessage): void {
  source = getMessage;
  plain.clear();
  templates.clear();
}

const plain = new Map<MessageKey, string>();

/**
 * {@link t} for a message without substitutions, looked up once per context: for text a long list repeats
 * on every row (the popup's first screen is measured, issue #18).
 */
export function tOnce(key: MessageKey): string {
  let text = plain.get(key);
  if (text === undefined) {
    text = t(key);
    plain.set(key, text);
  }
  return text;
}

/** Stands in for the value while a message with one substitution is looked up (a private-use character). */
const SLOT = '\uE000';
const templates = new Map<MessageKey, string[]>();

/**
 * {@link t} with one substitution, for text every row of a long list repeats with its own value (the
 * popup's "Copy NAME"): the message is looked up once per context, with a marker where the value goes, and
 * each row's value is put in the marker's place (verbatim, whatever characters it has).
 */
export function tOnceWith(key: MessageKey, value: string): string {
  let parts = templates.get(key);
  if (parts === undefined) {
    parts = t(key, SLOT).split(SLOT);
    templates.set(key, parts);
  }
  return parts.join(value);
}

/** The message for `key`, with `$1`, `$2`… replaced by `subs`. Falls back to the key when missing. */
export function t(key: MessageKey, ...subs: Array<string | number>): string {
  const text = source(key, subs.map(String));
  return text || key;
}

/**
 * A message source reading a messages.json object, with Chrome's placeholder rules; for tests and for
 * contexts without the i18n API.
 */
export function sourceFromJson(
  messages: Record<string, { message: string; placeholders?: Record<string, { content: string }> }>,
): GetMessage {
  return (key, substitutions) => {
    const m = messages[key];
    if (!m) return '';
    const subs = typeof substitutions === 'string' ? [substitutions] : (substitutions ?? []);
    return m.message.replace(/\$([A-Za-z0-9_]+)\$/g, (_, name: string) => {
      const content = m.placeholders?.[name.toLowerCase()]?.content ?? '';
      return content.replace(/\$(\d)/g, (_x, i: string) => subs[Number(i) - 1] ?? '');
    });
  };
}

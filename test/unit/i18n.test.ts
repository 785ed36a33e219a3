import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { setMessageSource, sourceFromJson, t, tOnceWith } from '../../lib/i18n';

const dir = join(__dirname, '../../public/_locales');
type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const load = (lang: string): Messages => JSON.parse(readFileSync(join(dir, lang, 'messages.json'), 'utf8'));
const placeholders = (text: string) => [...text.matchAll(/\$([A-Za-z0-9_]+)\$/g)].map((m) => m[1]).sort();

describe('locales', () => {
  const en = load('en');

  it('ships exactly en, de, nl, fr, es and it', () => {
    expect(readdirSync(dir).sort()).toEqual(['de', 'en', 'es', 'fr', 'it', 'nl']);
  });

  it.each(['de', 'nl', 'fr', 'es', 'it'])(
    '%s has every message, no extra ones, and matching placeholders',
    (lang) => {
      const other = load(lang);
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const [key, m] of Object.entries(en)) {
        const o = other[key];
        expect(o?.message.trim(), `${lang}.${key} is empty`).toBeTruthy();
        expect(placeholders(o?.message ?? ''), `${lang}.${key} placeholders`).toEqual(
          placeholders(m.message),
        );
        expect(o?.placeholders).toEqual(m.placeholders);
      }
    },
  );

  it('keeps the automation-contract names in English', () => {
    expect(en.masterPassword?.message).toBe('Master password');
    expect(en.confirmMasterPassword?.message).toBe('Confirm master password');
    expect(en.createVault?.message).toBe('Create vault');
    expect(en.unlock?.message).toBe('Unlock');
    expect(en.lock?.message).toBe('Lock');
  });

  it('keeps the store description within Chrome’s 132 characters', () => {
    for (const lang of readdirSync(dir)) {
      expect(load(lang).extDescription?.message.length, lang).toBeLessThanOrEqual(132);
    }
  });

  it('substitutes placeholders the way Chrome does', () => {
    setMessageSource(sourceFromJson(en));
    expect(t('retryIn', 8)).toBe('Too many failed attempts. Try again in 8 s.');
    setMessageSource(sourceFromJson(load('de')));
    expect(t('unlockedSummary', 3)).toBe('Entsperrt. Schlüssel im Tresor: 3.');
  });

  it('tOnceWith: the same text as t, the message looked up once per source, the value put in verbatim', () => {
    for (const lang of ['en', 'de', 'fr']) {
      const source = vi.fn(sourceFromJson(load(lang)));
      setMessageSource(source);
      for (const name of ['Invoice import', 'Zürich Rückversicherung', 'Archive 0001']) {
        expect(tOnceWith('popupCopyName', name), `${lang}: ${name}`).toBe(t('popupCopyName', name));
        expect(tOnceWith('rotRotateName', name), `${lang}: ${name}`).toBe(t('rotRotateName', name));
      }
      const lookups = source.mock.calls.filter(([key]) => key === 'popupCopyName').length;
      // Three names: one lookup for tOnceWith's template, three for the plain t() beside it.
      expect(lookups, lang).toBe(4);
    }
    setMessageSource(sourceFromJson(en));
    // Characters that mean something to String.replace or to placeholders stay as they are.
    expect(tOnceWith('popupCopyName', 'Key $1 $& $$ x')).toBe('Copy Key $1 $& $$ x');
    // A new source (another language) is looked up afresh.
    setMessageSource(sourceFromJson(load('de')));
    expect(tOnceWith('popupCopyName', 'A')).toBe(t('popupCopyName', 'A'));
    expect(tOnceWith('popupCopyName', 'A')).not.toBe('Copy A');
  });
});

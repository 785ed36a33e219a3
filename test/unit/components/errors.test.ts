import { beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../../components/errors';
import { setMessageSource, sourceFromJson } from '../../../lib/i18n';
import { ProtocolError } from '../../../lib/send';
import de from '../../../public/_locales/de/messages.json';

// German, so that a reply's English message showing through would be seen.
beforeAll(() => setMessageSource(sourceFromJson(de)));

const refused = (code: ProtocolError['code'], message: string, extra: Partial<ProtocolError> = {}) =>
  new ProtocolError({ code, message, ...extra } as ConstructorParameters<typeof ProtocolError>[0]);

describe('describeError', () => {
  it.each([
    ['locked', 'The vault is locked', 'Der Tresor ist gesperrt.'],
    ['not-found', 'No such entry', 'Dieser Schlüssel ist nicht mehr im Tresor.'],
    ['no-vault', 'No vault yet', 'Es gibt noch keinen Tresor.'],
    ['corrupt', 'The vault data failed its integrity check', 'beschädigt'],
    ['bad-password', 'Wrong master password', 'Passwort'],
  ] as const)('says %s in the user’s language, not the reply’s English', (code, english, german) => {
    const text = describeError(refused(code, english));
    expect(text).toContain(german);
    expect(text).not.toContain(english);
  });

  it('words an export file’s problem, naming the key in the file', () => {
    const text = describeError(
      refused('invalid', 'Key 7 in the file is not valid: it is too large.', {
        file: { problem: 'entries', key: 7 },
      }),
    );
    expect(text).toContain('Schlüssel 7');
    expect(text).not.toContain('too large');
    expect(describeError(refused('invalid', 'x', { file: { problem: 'version' } }))).toContain(
      'Formatversion',
    );
  });

  it('falls back to the message inside a sentence of the user’s language for anything else', () => {
    expect(describeError(refused('invalid', 'A retired key cannot be rotated'))).toBe(
      'Etwas ist schiefgelaufen: A retired key cannot be rotated',
    );
    expect(describeError(new TypeError('boom'))).toBe('Etwas ist schiefgelaufen: boom');
  });
});

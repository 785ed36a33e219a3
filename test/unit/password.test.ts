import { describe, expect, it } from 'vitest';
import { estimateBits, passwordStrength } from '../../lib/vault/password';

describe('password strength', () => {
  it.each([
    ['', 'too-short'],
    ['short', 'too-short'],
    ['password1', 'weak'],
    ['aaaaaaaaaaaaaaaa', 'weak'],
    ['abcdefgh12345678', 'weak'],
    ['Docbits2024!', 'weak'],
    ['correct horse battery staple', 'ok'],
    ['t7#Kq!v9Lm2@xZ4p', 'ok'],
  ])('%j is %s', (pw, expected) => {
    expect(passwordStrength(pw)).toBe(expected);
  });

  it('rewards length and variety', () => {
    expect(estimateBits('abcdXYZ!19qw')).toBeGreaterThan(estimateBits('abcdxyz'));
    expect(estimateBits('zq')).toBeLessThan(estimateBits('zqmvtrplk'));
  });
});

/**
 * A rough master-password strength estimate, enough to warn about weak choices without shipping a large
 * dictionary. It never blocks beyond the minimum length; it only warns.
 */

export const MIN_PASSWORD_LENGTH = 8;

const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '0123456789', 'qwertyuiopasdfghjklzxcvbnm'];
const COMMON = [
  'password',
  'passwort',
  'wachtwoord',
  'motdepasse',
  'contrasena',
  'contraseña',
  'docbits',
  'keyguard',
  'admin',
  'welcome',
  'letmein',
  'qwerty',
  'secret',
  'geheim',
];

/** Estimated entropy in bits: character pool × length, discounting repeats, runs and common words. */
export function estimateBits(password: string): number {
  if (password.length === 0) return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 33;
  const lower = password.toLowerCase();
  let effective = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i] as string;
    const prev = lower[i - 1];
    const repeat = c === prev;
    const run = prev !== undefined && SEQUENCES.some((s) => s.includes(prev + c));
    effective += repeat || run ? 0.25 : 1;
  }
  for (const word of COMMON) {
    if (lower.includes(word)) effective -= word.length * 0.75;
  }
  return Math.max(0, effective) * Math.log2(Math.max(pool, 1));
}

export type Strength = 'too-short' | 'weak' | 'ok';

/** `weak` below ~60 bits: a guess rate Argon2id at 64 MiB allows still makes that reachable offline. */
export function passwordStrength(password: string): Strength {
  if (password.length < MIN_PASSWORD_LENGTH) return 'too-short';
  return estimateBits(password) < 60 ? 'weak' : 'ok';
}

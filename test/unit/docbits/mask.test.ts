// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { findFullKeys } from '../../../lib/page/detect';
import {
  LEGACY_SELECTOR,
  MASK_ATTR,
  MASK_CSS,
  REVEAL_ATTR,
  SHOW_ONCE_SELECTOR,
  setRevealed,
} from '../../../lib/page/mask';
import { LANGS, loadFixture } from './fixtures';

/** The selector list of the stylesheet's first (masking) rule. */
const masked = MASK_CSS.slice(0, MASK_CSS.indexOf('{'));

describe('MASK_CSS', () => {
  it('masks the three kinds of key elements unless revealed, with text-security and a fallback', () => {
    for (const s of [SHOW_ONCE_SELECTOR, LEGACY_SELECTOR, `[${MASK_ATTR}]`])
      expect(MASK_CSS).toContain(`${s}:not([${REVEAL_ATTR}])`);
    expect(MASK_CSS).toContain('-webkit-text-security:disc');
    expect(MASK_CSS).toContain('@supports not (-webkit-text-security:disc)');
    // declarations never touch the box (layout stays) and selectors never name DocBits' buttons
    const properties = (MASK_CSS.match(/\{[^{}]*\}/g) ?? []).flatMap((block) =>
      block
        .slice(1, -1)
        .split(';')
        .map((d) => d.split(':')[0]),
    );
    expect(new Set(properties)).toEqual(
      new Set([
        '-webkit-text-security',
        'color',
        'text-shadow',
        'background-image',
        'background-size',
        'background-repeat',
        'background-position',
      ]),
    );
    expect(MASK_CSS).not.toMatch(/button|q-btn/);
  });

  it('is a valid selector list', () => {
    expect(() => document.querySelector(masked)).not.toThrow();
  });
});

describe.each(LANGS)('on the replica DOM (%s)', (lang) => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('matches the show-once key and nothing else, until revealed', () => {
    loadFixture(`current-${lang}`);
    const hits = [...document.querySelectorAll(masked)];
    expect(hits.map((h) => h.tagName)).toEqual(['CODE']);
    expect(hits[0]?.parentElement?.classList.contains('key-display')).toBe(true);
    const code = hits[0] as HTMLElement;
    setRevealed(code, true);
    expect(code.matches(masked)).toBe(false);
    setRevealed(code, false);
    expect(code.matches(masked)).toBe(true);
  });

  it('matches the legacy key input (not the org ids), and a fallback-marked element', () => {
    loadFixture(`legacy-${lang}`);
    expect([...document.querySelectorAll(masked)].map((h) => h.getAttribute('aria-label'))).toEqual(['Key']);
    document.querySelector('input[aria-label="Key"]')?.removeAttribute('aria-label');
    expect(document.querySelectorAll(masked)).toHaveLength(0);
    findFullKeys(document, '/settings/integration');
    expect(document.querySelectorAll(masked)).toHaveLength(1);
  });
});

describe('MASK_CSS in Firefox', () => {
  it('also hides non-field key text there (Firefox applies -webkit-text-security to form fields only)', () => {
    const firefox = MASK_CSS.slice(MASK_CSS.indexOf('@supports (-moz-appearance:none)'));
    expect(firefox).toContain('.key-display code:not([data-keyguard-revealed])');
    expect(firefox).toContain('[data-keyguard-mask]:not(input):not(textarea):not([data-keyguard-revealed])');
    expect(firefox).toContain('color:transparent!important');
    expect(firefox).not.toContain('aria-label="Key"');
  });
});

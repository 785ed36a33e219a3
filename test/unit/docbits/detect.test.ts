// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { findFullKeys, looksLikeKey, markFallbacks, readOrgId } from '../../../lib/page/detect';
import { MASK_ATTR } from '../../../lib/page/mask';
import { expectedFor, LANGS, loadFixture } from './fixtures';

const PAGE = '/settings/integration';
const marked = () => document.querySelectorAll(`[${MASK_ATTR}]`).length;

beforeEach(() => {
  document.body.innerHTML = '';
});

describe.each(LANGS)('current UI (%s)', (lang) => {
  const e = expectedFor(`current-${lang}`);
  beforeEach(() => loadFixture(`current-${lang}`));

  it('finds the show-once key by its hook, anchored on the .key-display box', () => {
    const sites = findFullKeys(document, PAGE);
    expect(sites.map((s) => s.kind)).toEqual(['show-once']);
    const [site] = sites;
    expect(site?.element.tagName).toBe('CODE');
    expect(site?.anchor.classList.contains('key-display')).toBe(true);
    expect(site?.readKey() === e.key).toBe(true);
    expect(marked()).toBe(0); // the CSS masks the hook itself
  });

  it('reads the organisation id by its label', () => {
    expect(readOrgId(document) === e.orgId).toBe(true);
  });

  it('finds nothing but the dialog: not the prefixes, org ids or SSO URLs', () => {
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    expect(findFullKeys(document, PAGE).map((s) => s.kind)).toEqual([]);
    expect(marked()).toBe(0);
  });

  it('falls back on the dialog title when the .key-display class is gone, and marks the key', () => {
    const box = document.querySelector('.key-display');
    box?.classList.replace('key-display', 'secret-box');
    const sites = findFullKeys(document, PAGE);
    expect(sites.map((s) => s.kind)).toEqual(['fallback']);
    expect(sites[0]?.readKey() === e.key).toBe(true);
    expect(sites[0]?.element.hasAttribute(MASK_ATTR)).toBe(true);
    expect(marked()).toBe(1);
  });

  it('does not run the fallback off the integration page', () => {
    document.querySelector('.key-display')?.classList.replace('key-display', 'secret-box');
    expect(findFullKeys(document, '/dashboard').map((s) => s.kind)).toEqual([]);
    expect(findFullKeys(document, '/settings/integration/sso').map((s) => s.kind)).toEqual([]);
    expect(marked()).toBe(0);
  });
});

describe.each(LANGS)('legacy UI (%s)', (lang) => {
  const e = expectedFor(`legacy-${lang}`);
  beforeEach(() => loadFixture(`legacy-${lang}`));

  it('finds the legacy key input, anchored on its row (with the copy button)', () => {
    const sites = findFullKeys(document, PAGE);
    expect(sites.map((s) => s.kind)).toEqual(['legacy']);
    const [site] = sites;
    expect(site?.element.getAttribute('aria-label')).toBe('Key');
    expect(site?.anchor.matches('div.row')).toBe(true);
    expect(site?.anchor.querySelector('.fa-copy')).not.toBeNull();
    expect(site?.readKey() === e.key).toBe(true);
    expect(marked()).toBe(0);
  });

  it('reads the Org ID, not the Sub Org ID', () => {
    expect(readOrgId(document) === e.orgId).toBe(true);
  });

  it('falls back on the section title when the "Key" aria-label is gone', () => {
    document.querySelector('input[aria-label="Key"]')?.removeAttribute('aria-label');
    const sites = findFullKeys(document, PAGE);
    expect(sites.map((s) => s.kind)).toEqual(['fallback']);
    expect(sites[0]?.readKey() === e.key).toBe(true);
    expect(sites[0]?.anchor.tagName).toBe('LABEL');
    expect(marked()).toBe(1);
    // the org ids below the key are still not keys
    expect(readOrgId(document) === e.orgId).toBe(true);
  });
});

describe('readOrgId', () => {
  it('never takes a UUID-shaped key for the org id, even without its hook', () => {
    const e = expectedFor('legacy-it');
    loadFixture('legacy-it');
    const input = document.querySelector('input[aria-label="Key"]') as HTMLInputElement;
    input.removeAttribute('aria-label');
    input.value = '0b7e6c1d-2f3a-4b5c-9d8e-7f6a5b4c3d2e';
    expect(readOrgId(document) === e.orgId).toBe(true);
  });

  it('finds the first of the two id fields by position when no label is recognised', () => {
    const e = expectedFor('current-nl');
    loadFixture('current-nl');
    for (const el of document.querySelectorAll(
      '.org-ids [aria-label], .org-ids .q-field__label, .q-item__label',
    )) {
      el.removeAttribute('aria-label');
      el.textContent = 'Kennung';
    }
    expect(readOrgId(document) === e.orgId).toBe(true);
  });

  it('returns null where there are no ids', () => {
    document.body.innerHTML = '<input readonly value="hello">';
    expect(readOrgId(document)).toBeNull();
  });
});

describe('legacy key loading', () => {
  it('reads "" while the key is not fetched, then the value', () => {
    loadFixture('legacy-loading');
    const [site] = findFullKeys(document, PAGE);
    expect(site?.kind).toBe('legacy');
    expect(site?.readKey()).toBe('');
    const input = site?.element as HTMLInputElement;
    input.value = '  Zk3n9QpL2vX8mR4tY7wB1cD6fG0hJ5sA  ';
    expect(site?.readKey() === 'Zk3n9QpL2vX8mR4tY7wB1cD6fG0hJ5sA').toBe(true);
  });

  it('with the aria-label gone, masks the empty field in the key section before its value arrives', () => {
    loadFixture('legacy-loading');
    document.querySelector('input[aria-label="Key"]')?.removeAttribute('aria-label');
    const [site] = findFullKeys(document, PAGE);
    expect(site?.kind).toBe('fallback');
    expect(site?.readKey()).toBe('');
    expect(site?.element.hasAttribute(MASK_ATTR)).toBe(true);
  });
});

/** Random-looking strings of the shapes a page holds besides keys. */
const HEX64 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const B64 = 'q8Zr2VbX7mKp1LsT9yWc4NdF6hJ0gE3uA5iO';

/** An integration page (current UI markup) with high-entropy strings in every wrong place. */
function decoyPage(): void {
  loadFixture('current-en');
  for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
  // org ids that do not even look like UUIDs, under their labels
  for (const input of document.querySelectorAll<HTMLInputElement>('.org-ids input')) input.value = B64;
  // hashes in random divs and spans, a hash in <code> under "SAML metadata", a curl example under "API Keys"
  const sso = document.querySelector('.sso-settings');
  sso?.insertAdjacentHTML(
    'beforeend',
    `<div class="text-subtitle2">SAML metadata</div><code>${HEX64}</code><div>${HEX64}</div><span>${B64}</span>`,
  );
  document
    .querySelector('.api-keys-manager__header .text-body2')
    ?.insertAdjacentHTML(
      'beforeend',
      ` <code>X-API-KEY</code> <code>curl -H "X-API-KEY: ${B64}" https://api.docbits.com</code>`,
    );
  // a long prefix in the table
  const prefix = document.querySelector('code.key-prefix');
  if (prefix) prefix.textContent = `${B64}****`;
  const bare = document.querySelector('tbody td');
  bare?.insertAdjacentHTML('beforeend', `<code>${B64}</code>`);
  // an unlabelled read-only field with a token in the Organisation panel
  document
    .querySelector('.org-ids')
    ?.insertAdjacentHTML('beforeend', `<input readonly type="text" value="${HEX64}">`);
  // the SSO fields: entity id and ACS URL with tokens
  const ssoInputs = document.querySelectorAll<HTMLInputElement>('.sso-settings input');
  for (const i of ssoInputs) i.value = `${i.value}?t=${B64}`;
  ssoInputs[0]?.setAttribute('value', B64);
  if (ssoInputs[0]) ssoInputs[0].value = B64;
}

describe('fallback rejects decoys', () => {
  it('an integration page full of high-entropy strings in the wrong places → [] and nothing marked', () => {
    decoyPage();
    expect(findFullKeys(document, PAGE).map((s) => s.kind)).toEqual([]);
    expect(markFallbacks(document).length).toBe(0);
    expect(marked()).toBe(0);
  });

  it('a non-integration page → [] even where a key-like token sits under an API-key heading', () => {
    document.body.innerHTML = `<div class="q-card"><div class="text-h6">Your new API key</div><div><code>${B64}</code></div></div>`;
    expect(findFullKeys(document, '/dashboard').map((s) => s.kind)).toEqual([]);
    expect(marked()).toBe(0);
    expect(findFullKeys(document, PAGE).map((s) => s.kind)).toEqual(['fallback']);
  });

  it('unmarks an element that no longer holds a key', () => {
    document.body.innerHTML = `<div><h3>API-Schlüssel</h3><input readonly type="text" value="${B64}"></div>`;
    expect(findFullKeys(document, PAGE)).toHaveLength(1);
    const input = document.querySelector('input') as HTMLInputElement;
    input.value = 'not a key at all';
    expect(findFullKeys(document, PAGE).map((s) => s.kind)).toEqual([]);
    expect(marked()).toBe(0);
  });
});

describe('looksLikeKey', () => {
  it('accepts random tokens of the replica formats and rejects words, short and repetitive strings', () => {
    for (const k of [
      HEX64,
      B64,
      '0f5d2a3b9c8e7d6f1a2b3c4d5e6f7a8b',
      'dbk_0f5d2a3b9c8e7d6f1a2b3c4d5e6f7a8b',
      'db_live_735bb0b1-6c6f-4112-8f4a-45bc9f8c864e',
      '3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a098',
    ])
      expect(looksLikeKey(k)).toBe(true);
    for (const s of [
      'short1234',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'abcdefghijklmnopqrstuvwxyzabcdef',
      'ABABABABABABABABABABABABABAB1212',
      'contains spaces 8f4a45bc9f8c864e 0f5d',
      'https://app.docbits.com/saml/3f2c1b0a/metadata',
      `${B64}****`,
    ])
      expect(looksLikeKey(s)).toBe(false);
  });
});

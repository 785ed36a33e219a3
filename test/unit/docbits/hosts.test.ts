import { describe, expect, it } from 'vitest';
import { environmentOf, hostnameOf, isIntegrationPath } from '../../../lib/page/hosts';

describe('isIntegrationPath', () => {
  it('accepts the integration page and /settings/api, with or without a trailing slash or a base path', () => {
    for (const p of [
      '/settings/integration',
      '/settings/integration/',
      '/settings/api',
      '/settings/api/',
      '/docbits/settings/integration',
      '/tenant/app/settings/api/',
    ])
      expect(isIntegrationPath(p), p).toBe(true);
  });
  it('rejects other pages', () => {
    for (const p of [
      '/',
      '/dashboard',
      '/setting',
      '/settings',
      '/settings/integrations',
      '/settings/integration/sso',
      '/settings/apikeys',
      '/mysettings/integration-x',
    ])
      expect(isIntegrationPath(p), p).toBe(false);
  });
});

describe('environmentOf', () => {
  it('classifies hosts', () => {
    expect(environmentOf('app.docbits.com')).toBe('production');
    expect(environmentOf('APP.DocBits.com:443')).toBe('production');
    expect(environmentOf('app.docbits.com.')).toBe('production');
    expect(environmentOf('sandbox.app.docbits.com')).toBe('sandbox');
    expect(environmentOf('dev.docbits.com')).toBe('sandbox');
    expect(environmentOf('docbits-stage.acme.local')).toBe('sandbox');
    expect(environmentOf('demo.docbits.com')).toBe('sandbox');
    expect(environmentOf('test.internal:8443')).toBe('sandbox');
    expect(environmentOf('docbits.acme-logistics.de')).toBe('other');
    expect(environmentOf('api.docbits.com')).toBe('other');
  });
});

describe('hostnameOf', () => {
  it('is the host name of a URL, and empty for none or junk', () => {
    expect(hostnameOf('https://chat.example.org/room?x=1')).toBe('chat.example.org');
    expect(hostnameOf('http://127.0.0.1:8080/')).toBe('127.0.0.1');
    expect(hostnameOf(undefined)).toBe('');
    expect(hostnameOf('null')).toBe('');
    expect(hostnameOf('not a url')).toBe('');
  });
});

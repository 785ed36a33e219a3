import { describe, expect, it } from 'vitest';
import { ONPREM_SCRIPT_ID, syncOnPremScripts } from '../../lib/background/registration';
import { fakeRegistration } from './fake-registration';

function fakes(granted: string[]) {
  return fakeRegistration((origins) => origins.every((o) => granted.includes(o)));
}

describe('on-premise content-script registration', () => {
  it('registers only hosts whose permission was granted, never the manifest host', async () => {
    const f = fakes(['https://docbits.acme.test/*']);
    const hosts = await syncOnPremScripts(f.deps, [
      'app.docbits.com',
      'docbits.acme.test',
      'docbits.other.test',
    ]);
    expect(hosts).toEqual(['docbits.acme.test']);
    expect(f.scripts).toEqual([
      expect.objectContaining({
        id: ONPREM_SCRIPT_ID,
        matches: ['https://docbits.acme.test/*'],
        js: ['content-scripts/docbits.js'],
        runAt: 'document_start',
      }),
    ]);
  });

  it('updates the same registration when hosts change and removes it when none is left', async () => {
    const granted = ['https://a.test/*', 'https://b.test/*'];
    const f = fakes(granted);
    await syncOnPremScripts(f.deps, ['app.docbits.com', 'a.test']);
    await syncOnPremScripts(f.deps, ['app.docbits.com', 'a.test', 'b.test']);
    expect(f.scripts).toHaveLength(1);
    expect(f.scripts[0]?.matches).toEqual(['https://a.test/*', 'https://b.test/*']);
    granted.length = 0; // permissions revoked
    expect(await syncOnPremScripts(f.deps, ['app.docbits.com', 'a.test', 'b.test'])).toEqual([]);
    expect(f.scripts).toEqual([]);
  });
});

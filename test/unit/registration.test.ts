import { describe, expect, it } from 'vitest';
import { ONPREM_SCRIPT_ID, type RegisteredScript, syncOnPremScripts } from '../../lib/registration';

function fakes(granted: string[]) {
  let scripts: RegisteredScript[] = [];
  return {
    get scripts() {
      return scripts;
    },
    deps: {
      permissions: {
        contains: async (p: { origins: string[] }) => p.origins.every((o) => granted.includes(o)),
      },
      scripting: {
        getRegisteredContentScripts: async (f?: { ids?: string[] }) =>
          scripts.filter((s) => !f?.ids || f.ids.includes(s.id)),
        registerContentScripts: async (s: RegisteredScript[]) => {
          if (s.some((x) => scripts.some((y) => y.id === x.id))) throw new Error('duplicate id');
          scripts = [...scripts, ...s];
        },
        updateContentScripts: async (s: RegisteredScript[]) => {
          scripts = scripts.map((y) => s.find((x) => x.id === y.id) ?? y);
        },
        unregisterContentScripts: async (f?: { ids?: string[] }) => {
          scripts = scripts.filter((s) => f?.ids && !f.ids.includes(s.id));
        },
      },
    },
  };
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

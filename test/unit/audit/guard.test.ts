// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { RegisteredScript } from '../../../lib/background/registration';
import {
  createFingerprinter,
  createGuardPrintStore,
  createMatcher,
  GUARD_ORIGINS,
  GUARD_SCRIPT_ID,
  newSalt,
  printsOf,
  syncGuardScript,
  viewFor,
} from '../../../lib/guard/fingerprint';
import { installGuard } from '../../../lib/guard/page';
import { base64ToBytes } from '../../../lib/vault/crypto';
import { fakeRegistration } from '../fake-registration';

const KEY = 'dbk_live_Q3vT9pLm2XcR8sWk4ZyHn6JbFd1GaE5u';
const OTHER = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const salt = newSalt();
const prints = printsOf(
  [
    { id: 'k1', host: 'app.docbits.com', secret: KEY },
    { id: 'k2', host: 'docbits.example.test', secret: OTHER },
    { id: 'short', host: 'app.docbits.com', secret: 'abc' },
  ],
  salt,
);

describe('leak guard detection', () => {
  it('fingerprints are salted, truncated HMACs, never the key', () => {
    expect(prints.map((p) => p.id)).toEqual(['k1', 'k2']);
    expect(JSON.stringify(prints).includes(KEY)).toBe(false);
    expect(base64ToBytes(prints[0]?.fp ?? '')).toHaveLength(16);
    const other = printsOf([{ id: 'k1', host: 'app.docbits.com', secret: KEY }], newSalt());
    expect(other[0]?.fp === prints[0]?.fp).toBe(false);
    expect(createFingerprinter(base64ToBytes(salt))(KEY) === prints[0]?.fp).toBe(true);
  });

  it('gives a frame of no site (sandboxed, data:) every key, and an unparsable page nothing', () => {
    expect(viewFor(prints, salt, null, ['app.docbits.com']).prints.map((p) => p.id)).toEqual(['k1', 'k2']);
    expect(viewFor(prints, salt, null, []).insecure).toBe(false);
    expect(viewFor(prints, salt, 'not a url', []).prints).toEqual([]);
    expect(viewFor(prints, salt, 'file:///tmp/x.html', []).prints).toEqual([]);
  });

  it('gives a page only the keys foreign to it; every key on http; nothing on the allowlist', () => {
    expect(viewFor(prints, salt, 'https://app.docbits.com/x', []).prints.map((p) => p.id)).toEqual(['k2']);
    const chat = viewFor(prints, salt, 'https://chat.example.org/', []);
    expect(chat.prints.map((p) => p.id)).toEqual(['k1', 'k2']);
    expect(chat.lengths.sort()).toEqual([KEY.length, OTHER.length].sort());
    expect(viewFor(prints, salt, 'http://app.docbits.com/', [])).toMatchObject({ insecure: true });
    expect(viewFor(prints, salt, 'http://app.docbits.com/', []).prints).toHaveLength(2);
    expect(viewFor(prints, salt, 'https://chat.example.org/', ['chat.example.org']).prints).toEqual([]);
    expect(viewFor(prints, salt, 'file:///etc/passwd', []).prints).toEqual([]);
    expect(viewFor(prints, salt, 'not a url', []).prints).toEqual([]);
  });

  it('finds a key inside text: alone, quoted, after a header name or key=, before punctuation', () => {
    const match = createMatcher(viewFor(prints, salt, 'https://chat.example.org/', []));
    for (const text of [
      KEY,
      `here it is: ${KEY}.`,
      `curl -H "X-API-KEY: ${KEY}" https://api.docbits.com`,
      `X-API-KEY:${KEY}`,
      `apiKey=${KEY}&org=1`.replace('&', ' '),
      `{"key":"${OTHER}"}`,
      `(${KEY})`,
    ]) {
      expect(match(text) !== null, 'a key in the text was missed').toBe(true);
    }
    expect(match(`${KEY}x`)).toBeNull();
    expect(match(KEY.slice(1))).toBeNull();
    expect(match('nothing to see here, just words and 1234567890123')).toBeNull();
  });
});

describe('leak guard registration', () => {
  const fakes = (granted: boolean) =>
    fakeRegistration((origins) => granted && origins.every((o) => GUARD_ORIGINS.includes(o)));

  it('registers on every http(s) page and frame only when on and granted; unregisters otherwise', async () => {
    const on = fakes(true);
    expect(await syncGuardScript(on.deps, true)).toBe(true);
    expect(on.scripts).toEqual([
      expect.objectContaining({
        id: GUARD_SCRIPT_ID,
        matches: GUARD_ORIGINS,
        allFrames: true,
        matchOriginAsFallback: true,
        runAt: 'document_start',
      }),
    ]);
    expect(await syncGuardScript(on.deps, true)).toBe(true);
    expect(on.scripts).toHaveLength(1);
    // A registration left by an older version (without the frames a page writes itself) is replaced.
    on.scripts[0] = { ...(on.scripts[0] as RegisteredScript), matchOriginAsFallback: false };
    expect(await syncGuardScript(on.deps, true)).toBe(true);
    expect(on.scripts).toEqual([expect.objectContaining({ matchOriginAsFallback: true })]);
    expect(await syncGuardScript(on.deps, false)).toBe(false);
    expect(on.scripts).toEqual([]);
    const denied = fakes(false);
    expect(await syncGuardScript(denied.deps, true)).toBe(false);
    expect(denied.scripts).toEqual([]);
  });
});

describe('leak guard print store', () => {
  it('keeps one salt and the fingerprints in a key-value area', async () => {
    const data: Record<string, unknown> = {};
    const area = {
      get: async (k: string) => ({ [k]: data[k] }),
      set: async (items: Record<string, unknown>) => void Object.assign(data, items),
      remove: async (keys: string[]) => {
        for (const k of keys) delete data[k];
      },
    };
    const store = createGuardPrintStore(area);
    // Nothing stored yet: a view makes no salt.
    expect((await store.view('https://chat.example.org/', [])).prints).toEqual([]);
    expect('guard.salt' in data).toBe(false);
    await store.refresh([{ id: 'k1', host: 'app.docbits.com', secret: KEY }]);
    const saltBefore = data['guard.salt'];
    await store.refresh([{ id: 'k1', host: 'app.docbits.com', secret: KEY }]);
    expect(data['guard.salt']).toBe(saltBefore);
    expect(JSON.stringify(data).includes(KEY)).toBe(false);
    expect((await store.view('https://chat.example.org/', [])).prints.map((p) => p.id)).toEqual(['k1']);
    expect((await store.lookup('k1'))?.host).toBe('app.docbits.com');
    await store.clear();
    expect(Object.keys(data)).toEqual([]);
    expect(await store.lookup('k1')).toBeUndefined();
    await store.refresh([{ id: 'k1', host: 'app.docbits.com', secret: KEY }]);
    expect(typeof data['guard.salt'] === 'string' && data['guard.salt'] !== saltBefore).toBe(true);
  });
});

describe('leak guard on a page', () => {
  function setup() {
    document.body.innerHTML = '<textarea id="t"></textarea>';
    const field = document.getElementById('t') as HTMLTextAreaElement;
    const pageSaw: string[] = [];
    window.addEventListener('paste', () => pageSaw.push('paste'));
    const reports: string[] = [];
    let answer: (v: boolean) => void = () => {};
    const view = viewFor(prints, salt, 'https://chat.example.org/', []);
    const remove = installGuard({
      win: window as unknown as Window & typeof globalThis,
      view: () => view,
      report: async (id, action) => {
        reports.push(`${action}:${id}`);
        return 'ERP';
      },
      warn: () =>
        new Promise<boolean>((resolve) => {
          answer = resolve;
        }),
    });
    return { field, pageSaw, reports, remove, answer: (v: boolean) => answer(v) };
  }

  /** A paste event as the browser would send it (happy-dom's events are trusted when dispatched here). */
  function paste(target: Element, text: string): Event {
    const e = new Event('paste', { bubbles: true, cancelable: true }) as Event & { clipboardData: unknown };
    Object.defineProperty(e, 'clipboardData', { value: { getData: () => text } });
    Object.defineProperty(e, 'isTrusted', { value: true });
    target.dispatchEvent(e);
    return e;
  }

  it('stops a paste carrying a key before the page sees it, and lets other text through', async () => {
    const s = setup();
    const stopped = paste(s.field, `token ${KEY}`);
    expect(stopped.defaultPrevented).toBe(true);
    expect(s.pageSaw).toEqual([]);
    await new Promise((r) => setTimeout(r, 0));
    expect(s.reports).toEqual(['warned:k1']);
    s.answer(false);
    await new Promise((r) => setTimeout(r, 0));
    expect(s.reports).toEqual(['warned:k1', 'cancelled:k1']);
    expect(s.field.value).toBe('');
    const fine = paste(s.field, 'just a message');
    expect(fine.defaultPrevented).toBe(false);
    expect(s.pageSaw).toEqual(['paste']);
    s.remove();
  });

  it('ignores synthetic (untrusted) events: a page cannot use the guard as an oracle', () => {
    const s = setup();
    const e = new Event('paste', { bubbles: true, cancelable: true }) as Event & { clipboardData: unknown };
    Object.defineProperty(e, 'clipboardData', { value: { getData: () => KEY } });
    s.field.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(false);
    s.remove();
  });
});

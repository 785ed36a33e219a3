import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { classifySender, createRouter, pageUrlOf, type Sender } from '../../lib/background/router';
import { MESSAGES, type MessageType, SENDER_KINDS, type SenderKind } from '../../lib/messages';
import { VaultService } from '../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../lib/vault/session';
import { openVaultStore, type VaultStore } from '../../lib/vault/store';
import { handlersFor } from './senders';

const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${EXT_ID}/`;
const FAST_KDF = { memoryKiB: 256, iterations: 1, parallelism: 1 };

const SENDERS: Record<SenderKind | 'foreign', Sender> = {
  'extension-page': { id: EXT_ID, url: `${ORIGIN}popup.html` },
  'docbits-content': {
    id: EXT_ID,
    url: 'https://app.docbits.com/settings/integration',
    frameId: 0,
    tab: { id: 3, url: 'https://app.docbits.com/settings/integration' },
  },
  'guard-content': { id: EXT_ID, url: 'https://chat.example.org/room', frameId: 0, tab: { id: 4 } },
  foreign: {
    id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
    url: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/x.html',
  },
};

const hostOk = (h: string) => h === 'app.docbits.com';
const opts = { extensionId: EXT_ID, extensionOrigin: ORIGIN, isDocbitsHost: hostOk };

describe('classifySender', () => {
  it.each([
    ['popup', { id: EXT_ID, url: `${ORIGIN}popup.html` }, 'extension-page'],
    ['options in a tab', { id: EXT_ID, url: `${ORIGIN}options.html`, tab: { id: 1 } }, 'extension-page'],
    ['DocBits top frame', SENDERS['docbits-content'], 'docbits-content'],
    ['DocBits sub-frame', { ...SENDERS['docbits-content'], frameId: 2 }, 'guard-content'],
    ['DocBits over http', { ...SENDERS['docbits-content'], url: 'http://app.docbits.com/' }, 'guard-content'],
    [
      'look-alike host',
      { ...SENDERS['docbits-content'], url: 'https://app.docbits.com.evil.test/' },
      'guard-content',
    ],
    ['other page', SENDERS['guard-content'], 'guard-content'],
    ['another extension', SENDERS.foreign, null],
    ['no id', { url: `${ORIGIN}popup.html` }, null],
    ['our id, foreign extension URL', { id: EXT_ID, url: 'chrome-extension://zzzz/popup.html' }, null],
    ['no url', { id: EXT_ID }, null],
    ['junk url', { id: EXT_ID, url: 'not a url', tab: { id: 1 } }, null],
    ['file page', { id: EXT_ID, url: 'file:///etc/passwd', tab: { id: 1 } }, null],
    [
      'srcdoc frame of a web page',
      { id: EXT_ID, url: 'about:srcdoc', origin: 'https://chat.example.org', frameId: 3, tab: { id: 4 } },
      'guard-content',
    ],
    [
      'blob: frame of a web page',
      {
        id: EXT_ID,
        url: 'blob:https://chat.example.org/1f0c',
        origin: 'https://chat.example.org',
        tab: { id: 4 },
      },
      'guard-content',
    ],
    [
      'about:blank on a DocBits host is never the DocBits page',
      { id: EXT_ID, url: 'about:blank', origin: 'https://app.docbits.com', frameId: 0, tab: { id: 4 } },
      'guard-content',
    ],
    [
      'sandboxed srcdoc (opaque origin): a frame of no site, guarded',
      { id: EXT_ID, url: 'about:srcdoc', origin: 'null', tab: { id: 4 } },
      'guard-content',
    ],
    [
      'data: frame (opaque origin)',
      { id: EXT_ID, url: 'data:text/html,x', origin: 'null', tab: { id: 4 } },
      'guard-content',
    ],
    ['opaque frame outside any tab', { id: EXT_ID, url: 'about:srcdoc', origin: 'null' }, null],
    [
      'data: frame claiming a web origin',
      { id: EXT_ID, url: 'data:text/html,x', origin: 'https://chat.example.org', tab: { id: 4 } },
      null,
    ],
    [
      'file page with an opaque origin',
      { id: EXT_ID, url: 'file:///x', origin: 'null', tab: { id: 4 } },
      null,
    ],
    ['about:blank without origin', { id: EXT_ID, url: 'about:blank', tab: { id: 4 } }, null],
    [
      'about:blank claiming a non-origin',
      { id: EXT_ID, url: 'about:blank', origin: 'https://chat.example.org/path', tab: { id: 4 } },
      null,
    ],
  ] as Array<[string, Sender, SenderKind | null]>)('%s → %s', async (_l, sender, kind) => {
    expect(await classifySender(sender, opts)).toBe(kind);
  });
});

describe('pageUrlOf', () => {
  it("is the sender's web URL, or for a frame without one the web origin it runs in", () => {
    expect(pageUrlOf({ url: 'http://127.0.0.1:8080/chat?x' })?.href).toBe('http://127.0.0.1:8080/chat?x');
    expect(pageUrlOf({ url: 'about:srcdoc', origin: 'http://127.0.0.1:8080' })?.href).toBe(
      'http://127.0.0.1:8080/',
    );
    expect(pageUrlOf({ url: 'about:srcdoc', origin: 'chrome-extension://abc' })).toBeNull();
    expect(pageUrlOf({ url: 'file:///x', origin: 'https://a.example' })).toBeNull();
  });
});

describe('protocol rules', () => {
  it('only extension pages may ask for anything whose reply carries a secret', () => {
    for (const [type, def] of Object.entries(MESSAGES)) {
      if ('secretReply' in def && def.secretReply) expect(def.senders, type).toEqual(['extension-page']);
    }
  });

  it('lists messages alphabetically and names only known sender kinds', () => {
    const types = Object.keys(MESSAGES);
    expect(types).toEqual([...types].sort());
    for (const def of Object.values(MESSAGES)) {
      for (const s of def.senders) expect(SENDER_KINDS).toContain(s);
    }
  });
});

// ---------------------------------------------------------------- router against a real vault

let store: VaultStore;
let vault: VaultService;
let route: ReturnType<typeof createRouter>;
const secrets = ['dbk_live_7f3a9c1e5b2d4f60a8c9e1b3d5f7a9c1', 'Zm9vYmFyLWJhc2U2NHVybC1rZXktMTIzNDU2Nzg5'];

async function setup() {
  store = await openVaultStore(new IDBFactory(), 'router-test');
  vault = new VaultService({
    store,
    session: createMemorySessionKeyStorage(),
    kdf: FAST_KDF,
    minKdf: FAST_KDF,
  });
  route = createRouter({
    ...opts,
    handlers: quietHandlers(),
  });
}

/** The real handlers on the real vault, with the browser-facing effects switched off. */
function quietHandlers() {
  return handlersFor({
    vault,
    settingsArea: { get: async () => ({}), set: async () => {} },
  });
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Everything observable about the vault, secrets reduced to hashes so a failure never prints one. */
async function snapshot() {
  const status = await vault.status();
  const list = status.unlocked ? await vault.list() : [];
  const full = status.unlocked ? await Promise.all(list.map((e) => vault.get(e.id))) : [];
  return JSON.stringify({
    status: { exists: status.exists, unlocked: status.unlocked },
    list,
    secrets: full.map((e) => sha(e.secret)),
    index: await vault.listIndex(),
    raw: await store.listEntries(),
    header: await store.getHeader(),
  });
}

describe('router', () => {
  beforeEach(async () => {
    await setup();
  });

  it('runs a valid request from an allowed sender and refuses the same from others', async () => {
    const created = await route(
      { type: 'vault.create', payload: { password: 'correct horse battery' } },
      SENDERS['extension-page'],
    );
    expect(created).toMatchObject({ ok: true, data: { exists: true, unlocked: true } });
    const add = await route(
      {
        type: 'entry.add',
        payload: {
          entry: {
            name: 'ERP',
            secret: secrets[0],
            host: 'app.docbits.com',
            environment: 'production',
            source: 'manual',
          },
        },
      },
      SENDERS['extension-page'],
    );
    expect(add.ok).toBe(true);
    expect(JSON.stringify(add).includes(secrets[0] as string)).toBe(false);
    const id = (add as { data: { id: string } }).data.id;
    for (const kind of ['docbits-content', 'guard-content', 'foreign'] as const) {
      const r = await route({ type: 'entry.get', payload: { id } }, SENDERS[kind]);
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(JSON.stringify(r).includes(secrets[0] as string)).toBe(false);
    }
    expect(await route({ type: 'vault.status', payload: {} }, SENDERS['docbits-content'])).toMatchObject({
      ok: true,
    });
    const got = await route({ type: 'entry.get', payload: { id } }, SENDERS['extension-page']);
    expect(got.ok && (got.data as { secret: string }).secret === secrets[0]).toBe(true);
  });

  it('maps vault errors to their codes and hides unexpected ones', async () => {
    expect(await route({ type: 'entry.list', payload: {} }, SENDERS['extension-page'])).toMatchObject({
      ok: false,
      error: { code: 'no-vault' },
    });
    await vault.create('correct horse battery');
    await vault.lock();
    expect(await route({ type: 'entry.list', payload: {} }, SENDERS['extension-page'])).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    const bad = await route(
      { type: 'vault.unlock', payload: { password: 'nope nope nope' } },
      SENDERS['extension-page'],
    );
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-password' } });
    const again = await route(
      { type: 'vault.unlock', payload: { password: 'correct horse battery' } },
      SENDERS['extension-page'],
    );
    expect(again).toMatchObject({ ok: false, error: { code: 'backoff' } });
    expect((again as { error: { retryAfterMs: number } }).error.retryAfterMs).toBeGreaterThan(0);
  });

  it('answers an unexpected handler failure with a generic error that echoes nothing', async () => {
    const logged: string[] = [];
    const leaky = createRouter({
      ...opts,
      logError: (text) => void logged.push(text),
      handlers: {
        ...quietHandlers(),
        'vault.status': async () => {
          throw new Error(`boom ${secrets[0]}`);
        },
      },
    });
    const reply = await leaky({ type: 'vault.status', payload: {} }, SENDERS['extension-page']);
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: 'Internal error' } });
    expect(logged).toEqual(['KeyGuard: a message handler failed (Error)']);
  });

  it('survives ≥ 1,000 random and malformed messages per sender kind with no effect', async () => {
    await vault.create('correct horse battery');
    for (const secret of secrets) {
      await vault.add({
        name: `k-${sha(secret).slice(0, 6)}`,
        secret,
        host: 'app.docbits.com',
        environment: 'production',
        source: 'manual',
      });
    }
    const before = await snapshot();
    const rng = mulberry32(0x5eed);
    for (const kind of [...SENDER_KINDS, 'foreign'] as const) {
      for (let i = 0; i < 1000; i++) {
        const message = malformed(rng);
        let reply: Awaited<ReturnType<typeof route>>;
        try {
          reply = await route(message, SENDERS[kind]);
        } catch {
          throw new Error(`route threw for ${kind} #${i}`);
        }
        expect(reply.ok, `${kind} #${i} was accepted`).toBe(false);
        const text = JSON.stringify(reply);
        expect(
          secrets.some((s) => text.includes(s)),
          `${kind} #${i} reply leaked a secret`,
        ).toBe(false);
      }
      // Random sender objects, too.
      for (let i = 0; i < 200; i++) {
        const reply = await route(malformed(rng), randomValue(rng, 3) as Sender);
        expect(reply.ok).toBe(false);
      }
    }
    expect(await snapshot()).toBe(before);
  });
});

// ---------------------------------------------------------------- fuzz generators

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pickOne = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;

function randomString(rng: Rng): string {
  return pickOne(rng, [
    '',
    'a',
    'x'.repeat(5000),
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    '\u0000\uffff\ud800',
    'vault.create',
    String(rng()),
  ]);
}

function randomValue(rng: Rng, depth: number): unknown {
  const r = rng();
  if (depth <= 0 || r < 0.5) {
    return pickOne(rng, [
      null,
      undefined,
      true,
      0,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      1e308,
      randomString(rng),
      Symbol.for('x').description,
    ]);
  }
  if (r < 0.75) return Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(rng() * 4); i++) o[randomString(rng)] = randomValue(rng, depth - 1);
  if (rng() < 0.2) Object.defineProperty(o, '__proto__', { value: { polluted: true }, enumerable: true });
  return o;
}

/** A valid example payload per type, to mutate into something guaranteed invalid. */
const EXAMPLES: { [T in MessageType]: Record<string, unknown> } = {
  'audit.list': { filter: { type: 'entry.copied' } },
  'audit.pageReveal': { entryId: 'abc' },
  'audit.verify': {},
  'guard.prints': {},
  'guard.report': { entryId: 'abc', action: 'warned', insecure: false },
  'clipboard.copyPageKey': { text: 'x' },
  'entry.capture': { entry: { secret: 's', name: 'n' } },
  'entry.copy': { id: 'abc' },
  'page.rows': { orgId: 'org', rows: [] },
  'ui.load': {},
  'ui.openUnlock': {},
  'vault.export': { password: 'correct horse battery', separate: false },
  'vault.importApply': { file: '{}', password: 'p', conflicts: 'skip' },
  'vault.importPreview': { file: '{}', password: 'p' },
  'entry.add': {
    entry: { name: 'n', secret: 's', host: 'app.docbits.com', environment: 'production', source: 'manual' },
  },
  'entry.get': { id: 'abc' },
  'entry.index': {},
  'entry.list': {},
  'entry.remove': { id: 'abc' },
  'entry.update': { id: 'abc', patch: { name: 'x' } },
  'hygiene.report': {},
  'reminder.snooze': { ids: ['abc'], length: 'day' },
  'reminder.status': {},
  'rotation.cancel': { id: 'abc' },
  'rotation.list': {},
  'rotation.start': { id: 'abc' },
  'settings.get': {},
  'settings.set': { patch: { autoLockMinutes: 5 } },
  'vault.changePassword': { oldPassword: 'a', newPassword: 'b' },
  'vault.create': { password: 'correct horse battery' },
  'vault.lock': {},
  'vault.status': {},
  'vault.unlock': { password: 'correct horse battery' },
  'vault.verify': {},
};

/** Returns a message that no correct router may accept. */
function malformed(rng: Rng): unknown {
  const type = pickOne(rng, Object.keys(EXAMPLES) as MessageType[]);
  const payload = structuredClone(EXAMPLES[type]);
  const keys = Object.keys(payload);
  switch (Math.floor(rng() * 8)) {
    case 0:
      return randomValue(rng, 3); // not even an envelope (or one with an unknown type)
    case 1:
      return { type: `${type}x`, payload };
    case 2:
      return { type, payload, extra: randomValue(rng, 1) };
    case 3:
      return { type, payload: pickOne(rng, [null, 5, 'x', [], [payload], true]) };
    case 4: {
      payload[`${randomString(rng)}!`] = randomValue(rng, 2);
      return { type, payload };
    }
    case 5:
      if (keys.length > 0) {
        // A value of another type than the example's is invalid for every field in EXAMPLES (null and [] are
        // not always: orgId, rows).
        const key = pickOne(rng, keys);
        const bad = [undefined, 42, { bogus: 1 }, true, 'x'.repeat(70_000)].filter(
          (v) => typeof v !== typeof payload[key],
        );
        payload[key] = pickOne(rng, bad);
        return { type, payload };
      }
      return { type, payload: [] };
    case 6:
      if (keys.length > 0) {
        delete payload[pickOne(rng, keys)];
        return { type, payload };
      }
      return { type, payload: 'x' };
    default:
      return { type: randomValue(rng, 1), payload: randomValue(rng, 2) };
  }
}

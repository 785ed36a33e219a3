import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnection } from '../../../cli/lib/client';
import { EXIT } from '../../../cli/lib/errors';
import { createDecoder, encodeMessage } from '../../../cli/lib/framing';
import { startHost } from '../../../cli/lib/host';
import { ensurePrivateDir, socketDir, socketPath, UnsafeDirError } from '../../../cli/lib/paths';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'kg-host-test-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** A host with a fake browser port: what the host sends, and a way to answer. */
async function hostWithFakeBrowser() {
  const toHost = new PassThrough();
  const fromHost = new PassThrough();
  const seen: Array<Record<string, unknown>> = [];
  const decode = createDecoder((m) => seen.push(m as Record<string, unknown>));
  fromHost.on('data', (c: Buffer) => decode(c));
  const dir = join(base, 'keyguard');
  const path = join(dir, 'keyguard.sock');
  const server = await startHost({
    input: toHost,
    output: fromHost,
    socketPath: path,
    socketDir: dir,
    log: () => {},
  });
  return { toHost, seen, dir, path, server, answer: (m: unknown) => toHost.write(encodeMessage(m)) };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
};

describe('socket location and permissions', () => {
  it('uses $XDG_RUNTIME_DIR/keyguard on Linux, a per-user temp folder elsewhere, a pipe on Windows', () => {
    const p = {
      platform: 'linux' as const,
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      uid: 1000,
      tmpdir: '/tmp',
    };
    expect(socketDir(p)).toBe('/run/user/1000/keyguard');
    expect(socketPath(p)).toBe('/run/user/1000/keyguard/keyguard.sock');
    expect(socketDir({ ...p, platform: 'darwin', env: {} })).toBe('/tmp/keyguard-1000');
    expect(socketPath({ ...p, platform: 'win32', env: { USERNAME: 'ann' } })).toBe(
      '\\\\.\\pipe\\keyguard-ann',
    );
  });

  it('makes the folder 0700 and the socket 0600', async () => {
    const h = await hostWithFakeBrowser();
    expect(lstatSync(h.dir).mode & 0o777).toBe(0o700);
    expect(lstatSync(h.path).mode & 0o777).toBe(0o600);
    expect(h.seen[0]).toEqual({ hello: 'keyguard-host', version: 1 });
    h.toHost.end();
    await until(() => !h.server.listening);
  });

  it('refuses a symlinked folder and closes a folder of ours that is open to others', () => {
    mkdirSync(join(base, 'real'));
    symlinkSync(join(base, 'real'), join(base, 'link'));
    expect(() => ensurePrivateDir(join(base, 'link'))).toThrow(UnsafeDirError);
    mkdirSync(join(base, 'open'));
    chmodSync(join(base, 'open'), 0o777);
    ensurePrivateDir(join(base, 'open'));
    expect(lstatSync(join(base, 'open')).mode & 0o777).toBe(0o700);
  });
});

describe('the relay', () => {
  it('tags each request with a relay id, routes the reply to its client only, and cancels on disconnect', async () => {
    const h = await hostWithFakeBrowser();
    const a = await openConnection(h.path);
    const b = await openConnection(h.path);
    const ra = a.request<string>('cli.status', {});
    const rb = b.request<string>('cli.list', {});
    await until(() => h.seen.length === 3);
    const [, first, second] = h.seen as Array<{ rid: number; type: string; payload: unknown }>;
    expect(first?.type).toBe('cli.status');
    expect(second?.type).toBe('cli.list');
    h.answer({ rid: second?.rid, reply: { ok: true, data: 'for b' } });
    h.answer({
      rid: first?.rid,
      reply: { ok: false, error: { code: 'locked', message: 'The vault is locked' } },
    });
    expect(await rb).toBe('for b');
    await expect(ra).rejects.toMatchObject({ exitCode: EXIT.locked });
    // A client that leaves with a request open: the extension hears cli.cancel for it.
    void b
      .request('cli.request', { refs: ['x'], purpose: 'run', command: ['ls'], cwd: '/' })
      .catch(() => undefined);
    await until(() => h.seen.length === 4);
    const open = h.seen[3] as { rid: number };
    b.close();
    await until(() => h.seen.some((m) => m.type === 'cli.cancel' && m.rid === open.rid));
    // The browser closing the port ends the host and removes the socket.
    a.close();
    h.toHost.end();
    await until(() => !h.server.listening);
    expect(() => lstatSync(h.path)).toThrow();
  });

  it('turned off in KeyGuard: the host leaves a note, so keyguard says "turned off" (exit 11), until a host runs again', async () => {
    const h = await hostWithFakeBrowser();
    h.answer({ bye: 'off' });
    await until(() => !h.server.listening);
    await expect(openConnection(h.path)).rejects.toMatchObject({ exitCode: EXIT.off });
    const again = await hostWithFakeBrowser();
    const c = await openConnection(again.path);
    c.close();
    again.toHost.end();
    await until(() => !again.server.listening);
    // Stopped by the browser closing (no bye): not reachable, not "turned off".
    await expect(openConnection(again.path)).rejects.toMatchObject({ exitCode: EXIT.unreachable });
  });

  it("refuses to connect through a socket folder that others may enter or that is not this user's", async () => {
    const dir = join(base, 'open');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o755);
    await expect(openConnection(join(dir, 'keyguard.sock'))).rejects.toMatchObject({
      exitCode: EXIT.unreachable,
      message: expect.stringContaining('Refusing to connect'),
    });
    const link = join(base, 'link');
    symlinkSync(base, link);
    await expect(openConnection(join(link, 'keyguard.sock'))).rejects.toMatchObject({
      message: expect.stringContaining('Refusing to connect'),
    });
  });

  it('a missing socket is "not reachable" (exit code 3)', async () => {
    await expect(openConnection(join(base, 'none.sock'))).rejects.toMatchObject({
      exitCode: EXIT.unreachable,
    });
  });
});

describe('the relay under load', () => {
  it('refuses clients beyond the cap and requests beyond the per-client limit', async () => {
    const { MAX_CLIENTS, MAX_PENDING_PER_CLIENT } = await import('../../../cli/lib/host');
    const h = await hostWithFakeBrowser();
    const conns = await Promise.all(Array.from({ length: MAX_CLIENTS }, () => openConnection(h.path)));
    const extra = await openConnection(h.path);
    // The refused client is told so and closed; its request never reaches the browser.
    await expect(extra.request('cli.status', {})).rejects.toBeDefined();
    const first = conns[0];
    if (!first) throw new Error('no connection');
    const waiting = Array.from({ length: MAX_PENDING_PER_CLIENT }, () =>
      first.request('cli.status', {}).catch(() => 'gone'),
    );
    await expect(first.request('cli.status', {})).rejects.toMatchObject({ exitCode: EXIT.refused });
    expect(h.seen.filter((m) => m.type === 'cli.status')).toHaveLength(MAX_PENDING_PER_CLIENT);
    for (const c of conns) c.close();
    await Promise.all(waiting);
    h.toHost.end();
    await until(() => !h.server.listening);
  });
});

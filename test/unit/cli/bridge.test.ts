import { describe, expect, it } from 'vitest';
import { createNativeBridge, type NativePort } from '../../../lib/background/native/bridge';

/** A fake native port that logs what the bridge does with it. */
function fakePort(log: string[]) {
  const onMessage: Array<(m: unknown) => void> = [];
  const onDisconnect: Array<(p: { error?: { message?: string } }) => void> = [];
  const port: NativePort = {
    postMessage: (m) => void log.push(`post ${JSON.stringify(m)}`),
    disconnect: () => void log.push('disconnect'),
    onMessage: { addListener: (fn) => void onMessage.push(fn) },
    onDisconnect: { addListener: (fn) => void onDisconnect.push(fn) },
  };
  return {
    port,
    /** The host sends a message. */
    receive: (m: unknown) => {
      for (const fn of onMessage) fn(m);
    },
    /** The host went away (the browser's side of a lost port). */
    lose: () => {
      for (const fn of onDisconnect) fn({ error: { message: 'Native host has exited.' } });
    },
  };
}

function setup() {
  const log: string[] = [];
  const ports: ReturnType<typeof fakePort>[] = [];
  const dispatched: Array<{ message: unknown; conn: number }> = [];
  const lost: number[] = [];
  let enabled = true;
  const timers: Array<() => void> = [];
  const bridge = createNativeBridge({
    connectNative: () => {
      const p = fakePort(log);
      ports.push(p);
      return p.port;
    },
    lastError: () => undefined,
    enabled: async () => enabled,
    hasPermission: async () => true,
    available: () => true,
    scheduleWake: () => {},
    dispatch: async (message, conn) => {
      dispatched.push({ message, conn });
      return null;
    },
    portLost: (conn) => void lost.push(conn),
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => {},
  });
  return {
    bridge,
    log,
    ports,
    dispatched,
    lost,
    timers,
    setEnabled: (on: boolean) => {
      enabled = on;
    },
  };
}

describe('the native bridge', () => {
  it('7. turning the setting off says bye (off) to the host before disconnecting', async () => {
    const t = setup();
    await t.bridge.sync();
    expect(t.ports).toHaveLength(1);
    t.setEnabled(false);
    await t.bridge.sync();
    expect(t.log).toEqual(['post {"bye":"off"}', 'disconnect']);
  });

  it('4. a lost port ends its requests; each connection has its own generation for relay ids', async () => {
    const t = setup();
    await t.bridge.sync();
    t.ports[0]?.receive({ rid: 1, type: 'cli.status', payload: {} });
    t.ports[0]?.lose();
    expect(t.lost).toHaveLength(1);
    // The retry opens a new port (a new host, whose relay ids start at 1 again).
    t.timers.shift()?.();
    await t.bridge.sync();
    expect(t.ports).toHaveLength(2);
    t.ports[1]?.receive({ rid: 1, type: 'cli.status', payload: {} });
    await new Promise((r) => setTimeout(r, 0));
    const [first, second] = t.dispatched;
    expect(first?.conn).toBe(t.lost[0]);
    expect(second?.conn).not.toBe(first?.conn);
  });

  it('4. turning the setting off also ends the requests of the closed port', async () => {
    const t = setup();
    await t.bridge.sync();
    t.setEnabled(false);
    await t.bridge.sync();
    expect(t.lost).toHaveLength(1);
  });
});

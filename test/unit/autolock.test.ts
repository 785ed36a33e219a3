import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { AUTO_LOCK_ALARM, createAutoLock } from '../../lib/background/autolock';

describe('auto-lock', () => {
  let unlocked: boolean;
  let minutes: number;
  let idleState: 'active' | 'idle' | 'locked';
  let locks: string[];
  let detection: number[];

  beforeEach(() => {
    fakeBrowser.reset();
    unlocked = true;
    minutes = 15;
    idleState = 'active';
    locks = [];
    detection = [];
  });

  const make = () => {
    const auto = createAutoLock({
      idle: {
        setDetectionInterval: (s) => void detection.push(s),
        queryState: async () => idleState,
      },
      alarms: fakeBrowser.alarms,
      getMinutes: async () => minutes,
      isUnlocked: async () => unlocked,
      lock: async (reason) => {
        unlocked = false;
        locks.push(reason);
      },
    });
    fakeBrowser.alarms.onAlarm.addListener((a) => void auto.onAlarm(a.name));
    return auto;
  };

  it('arms a periodic alarm and the idle interval from the setting', async () => {
    await make().arm();
    expect(detection).toEqual([900]);
    expect(await fakeBrowser.alarms.get(AUTO_LOCK_ALARM)).toMatchObject({ periodInMinutes: 1 });
  });

  it('locks on an idle or screen-locked event, not on active', async () => {
    const auto = make();
    await auto.onIdleStateChanged('active');
    expect(locks).toEqual([]);
    await auto.onIdleStateChanged('idle');
    expect(locks).toEqual(['idle']);
    unlocked = true;
    await auto.onIdleStateChanged('locked');
    expect(locks).toEqual(['idle', 'screen-locked']);
  });

  it('the alarm locks when the idle API says the machine is idle, even if no event arrived', async () => {
    const auto = make();
    await auto.arm();
    await fakeBrowser.alarms.onAlarm.trigger({ name: AUTO_LOCK_ALARM, scheduledTime: Date.now() });
    await Promise.resolve();
    expect(locks).toEqual([]);
    idleState = 'idle';
    await auto.onAlarm(AUTO_LOCK_ALARM);
    expect(locks).toEqual(['idle']);
    expect(await fakeBrowser.alarms.get(AUTO_LOCK_ALARM)).toBeUndefined();
  });

  it('"on browser restart only" (0) never locks on idle and clears the alarm', async () => {
    minutes = 0;
    const auto = make();
    await auto.arm();
    await auto.onIdleStateChanged('idle');
    await auto.onAlarm(AUTO_LOCK_ALARM);
    expect(locks).toEqual([]);
    expect(await fakeBrowser.alarms.get(AUTO_LOCK_ALARM)).toBeUndefined();
  });

  it('ignores other alarms and does nothing when already locked', async () => {
    const auto = make();
    idleState = 'idle';
    await auto.onAlarm('something-else');
    unlocked = false;
    await auto.onAlarm(AUTO_LOCK_ALARM);
    await auto.onIdleStateChanged('idle');
    expect(locks).toEqual([]);
  });
});

/**
 * Auto-lock: the vault locks when the machine has been idle for the configured minutes, when the screen
 * locks, and (through storage.session) when the browser restarts. The idle API reports idleness as events;
 * a one-minute alarm re-checks `idle.queryState` while unlocked, so a missed event (the worker was asleep
 * or being restarted) still locks on time.
 */

export const AUTO_LOCK_ALARM = 'keyguard-autolock';

type IdleState = 'active' | 'idle' | 'locked';

export interface AutoLockDeps {
  idle: {
    setDetectionInterval(seconds: number): void;
    queryState(seconds: number): Promise<IdleState>;
  };
  alarms: {
    create(name: string, info: { periodInMinutes?: number; delayInMinutes?: number }): void | Promise<void>;
    clear(name: string): Promise<boolean>;
  };
  /** Current setting in minutes; 0 = lock only on browser restart. */
  getMinutes(): Promise<number>;
  isUnlocked(): Promise<boolean>;
  lock(reason: 'idle' | 'screen-locked'): Promise<void>;
}

/** The idle API refuses intervals under 15 s. */
const seconds = (minutes: number) => Math.max(15, Math.round(minutes * 60));

export function createAutoLock(deps: AutoLockDeps) {
  /** Starts watching after an unlock (or when the worker wakes up unlocked). */
  async function arm(): Promise<void> {
    const minutes = await deps.getMinutes();
    if (minutes <= 0) {
      await deps.alarms.clear(AUTO_LOCK_ALARM);
      return;
    }
    deps.idle.setDetectionInterval(seconds(minutes));
    await deps.alarms.create(AUTO_LOCK_ALARM, { delayInMinutes: 1, periodInMinutes: 1 });
  }

  async function disarm(): Promise<void> {
    await deps.alarms.clear(AUTO_LOCK_ALARM);
  }

  /** Periodic re-check, independent of whether an idle event was delivered. */
  async function onAlarm(name: string): Promise<void> {
    if (name !== AUTO_LOCK_ALARM) return;
    if (!(await deps.isUnlocked())) return disarm();
    const minutes = await deps.getMinutes();
    if (minutes <= 0) return disarm();
    const state = await deps.idle.queryState(seconds(minutes));
    if (state !== 'active') {
      await deps.lock(state === 'locked' ? 'screen-locked' : 'idle');
      await disarm();
    }
  }

  async function onIdleStateChanged(state: IdleState): Promise<void> {
    if (state === 'active') return;
    if ((await deps.getMinutes()) <= 0) return;
    if (!(await deps.isUnlocked())) return;
    await deps.lock(state === 'locked' ? 'screen-locked' : 'idle');
    await disarm();
  }

  return { arm, disarm, onAlarm, onIdleStateChanged };
}

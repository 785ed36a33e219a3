import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, loadSettings, normaliseSettings, saveSettings } from '../../lib/settings';

function memoryArea() {
  const data: Record<string, unknown> = {};
  return {
    data,
    get: async (k: string) => (k in data ? { [k]: structuredClone(data[k]) } : {}),
    set: async (items: Record<string, unknown>) => void Object.assign(data, structuredClone(items)),
  };
}

describe('settings', () => {
  it('defaults to 15 min auto-lock, 30 s clipboard clear, 90-day rotation and app.docbits.com', async () => {
    expect(await loadSettings(memoryArea())).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.autoLockMinutes).toBe(15);
  });

  it('falls back per field on damaged values and always keeps app.docbits.com first', () => {
    const s = normaliseSettings({
      autoLockMinutes: 7,
      clipboardClearSeconds: '30',
      rotationDays: -1,
      reminderLeadDays: 3,
      docbitsHosts: ['docbits.example.test', 'app.docbits.com', 'docbits.example.test'],
    });
    expect(s.autoLockMinutes).toBe(15);
    expect(s.clipboardClearSeconds).toBe(30);
    expect(s.rotationDays).toBe(90);
    expect(s.reminderLeadDays).toBe(3);
    expect(s.docbitsHosts).toEqual(['app.docbits.com', 'docbits.example.test']);
    expect(normaliseSettings('garbage')).toEqual(DEFAULT_SETTINGS);
    expect(normaliseSettings({ docbitsHosts: ['Bad Host!'] }).docbitsHosts).toEqual(['app.docbits.com']);
  });

  it('saves a patch on top of what is stored', async () => {
    const area = memoryArea();
    await saveSettings(area, { autoLockMinutes: 0 });
    const next = await saveSettings(area, { clipboardClearSeconds: 10 });
    expect(next.autoLockMinutes).toBe(0);
    expect(next.clipboardClearSeconds).toBe(10);
    expect(await loadSettings(area)).toEqual(next);
  });

  it('alert thresholds, the leak guard and audit retention default to the issue and fall back when damaged', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      copyBurstCount: 5,
      copyBurstSeconds: 60,
      unlockFailCount: 5,
      unlockFailMinutes: 10,
      guardEnabled: false,
      guardAllowlist: [],
      auditMaxRecords: 10_000,
      auditMaxDays: 365,
    });
    const s = normaliseSettings({
      copyBurstCount: 1,
      copyBurstSeconds: 30,
      unlockFailCount: 3.5,
      guardEnabled: 'yes',
      guardAllowlist: ['intranet.example', 'intranet.example'],
      auditMaxRecords: 50,
      auditMaxDays: 30,
    });
    expect(s.copyBurstCount).toBe(5);
    expect(s.copyBurstSeconds).toBe(30);
    expect(s.unlockFailCount).toBe(5);
    expect(s.guardEnabled).toBe(false);
    expect(s.guardAllowlist).toEqual(['intranet.example']);
    expect(s.auditMaxRecords).toBe(10_000);
    expect(s.auditMaxDays).toBe(30);
  });
});

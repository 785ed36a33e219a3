/**
 * User settings, kept in `storage.local` (they are not secret). Reading always yields a complete,
 * valid object: unknown or damaged stored values fall back to the defaults rather than breaking start-up.
 */

/** Minutes of idle before the vault locks; 0 = only when the browser restarts. */
export const AUTO_LOCK_CHOICES = [1, 5, 15, 30, 60, 240, 0] as const;
/** Seconds before a copied key is cleared from the clipboard; 0 = never. */
export const CLIPBOARD_CLEAR_CHOICES = [0, 10, 20, 30, 60, 120] as const;

export const DEFAULT_DOCBITS_HOST = 'app.docbits.com';

/** The host permission pattern of a DocBits host (asked for by the options page, checked by the background). */
export const originPattern = (host: string) => `https://${host}/*`;

export interface Settings {
  autoLockMinutes: number;
  clipboardClearSeconds: number;
  rotationDays: number;
  reminderLeadDays: number;
  /** DocBits front-end hosts; the first is always app.docbits.com. */
  docbitsHosts: string[];
  /** Anomaly alert: this many copies ... */
  copyBurstCount: number;
  /** ... within this many seconds. */
  copyBurstSeconds: number;
  /** Anomaly alert: this many wrong master passwords ... */
  unlockFailCount: number;
  /** ... within this many minutes. */
  unlockFailMinutes: number;
  /**
   * An anomaly about the same key (or a page's flood of messages) is recorded and notified at most once per
   * this many minutes, so a page that repeats it cannot fill the audit log or the screen.
   */
  anomalyRepeatMinutes: number;
  /** Leak guard on (it also needs the optional all-sites permission). Off by default. */
  guardEnabled: boolean;
  /** Hosts where the leak guard does not warn about foreign pastes (http: pages are still warned about). */
  guardAllowlist: string[];
  /** Audit log retention: at most this many records ... */
  auditMaxRecords: number;
  /** ... and none older than this many days. */
  auditMaxDays: number;
  /**
   * The `keyguard` command line (issue 17): the extension opens its native-messaging port only while this
   * is on and the optional `nativeMessaging` permission is granted. Off by default.
   */
  cliEnabled: boolean;
}

/** Ranges of the numeric alert and retention settings (the protocol and the options form use them). */
export const SETTING_RANGES = Object.freeze({
  copyBurstCount: [2, 100],
  copyBurstSeconds: [10, 3600],
  unlockFailCount: [2, 100],
  unlockFailMinutes: [1, 1440],
  anomalyRepeatMinutes: [1, 1440],
  auditMaxRecords: [100, 100_000],
  auditMaxDays: [1, 3650],
} as const);

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  autoLockMinutes: 15,
  clipboardClearSeconds: 30,
  rotationDays: 90,
  reminderLeadDays: 14,
  docbitsHosts: [DEFAULT_DOCBITS_HOST],
  copyBurstCount: 5,
  copyBurstSeconds: 60,
  unlockFailCount: 5,
  unlockFailMinutes: 10,
  anomalyRepeatMinutes: 60,
  guardEnabled: false,
  guardAllowlist: [] as string[],
  auditMaxRecords: 10_000,
  auditMaxDays: 365,
  cliEnabled: false,
});

const STORAGE_KEY = 'settings';

/** The part of `browser.storage.local` settings need; passed in so tests can use a fake. */
export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

function pick<T>(value: unknown, ok: (v: unknown) => v is T, fallback: T): T {
  return ok(value) ? value : fallback;
}

const isChoice =
  (choices: readonly number[]) =>
  (v: unknown): v is number =>
    typeof v === 'number' && choices.includes(v);
const isDays = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 3650;
const isHosts = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 50 && v.every((h) => typeof h === 'string' && /^[a-z0-9.-]+$/.test(h));

const inRange =
  (name: keyof typeof SETTING_RANGES) =>
  (v: unknown): v is number =>
    typeof v === 'number' &&
    Number.isInteger(v) &&
    v >= SETTING_RANGES[name][0] &&
    v <= SETTING_RANGES[name][1];

const ranged = (r: Record<string, unknown>, name: keyof typeof SETTING_RANGES): number =>
  pick(r[name], inRange(name), DEFAULT_SETTINGS[name]);

/** Normalises whatever is stored into a complete Settings object. */
export function normaliseSettings(raw: unknown): Settings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const hosts = pick(r.docbitsHosts, isHosts, [...DEFAULT_SETTINGS.docbitsHosts]);
  return {
    autoLockMinutes: pick(r.autoLockMinutes, isChoice(AUTO_LOCK_CHOICES), DEFAULT_SETTINGS.autoLockMinutes),
    clipboardClearSeconds: pick(
      r.clipboardClearSeconds,
      isChoice(CLIPBOARD_CLEAR_CHOICES),
      DEFAULT_SETTINGS.clipboardClearSeconds,
    ),
    rotationDays: pick(r.rotationDays, (v): v is number => isDays(v) && v > 0, DEFAULT_SETTINGS.rotationDays),
    reminderLeadDays: pick(r.reminderLeadDays, isDays, DEFAULT_SETTINGS.reminderLeadDays),
    docbitsHosts: [DEFAULT_DOCBITS_HOST, ...new Set(hosts.filter((h) => h !== DEFAULT_DOCBITS_HOST))],
    copyBurstCount: ranged(r, 'copyBurstCount'),
    copyBurstSeconds: ranged(r, 'copyBurstSeconds'),
    unlockFailCount: ranged(r, 'unlockFailCount'),
    unlockFailMinutes: ranged(r, 'unlockFailMinutes'),
    anomalyRepeatMinutes: ranged(r, 'anomalyRepeatMinutes'),
    guardEnabled: pick(r.guardEnabled, (v): v is boolean => typeof v === 'boolean', false),
    guardAllowlist: [...new Set(pick(r.guardAllowlist, isHosts, []))],
    auditMaxRecords: ranged(r, 'auditMaxRecords'),
    auditMaxDays: ranged(r, 'auditMaxDays'),
    cliEnabled: pick(r.cliEnabled, (v): v is boolean => typeof v === 'boolean', false),
  };
}

export async function loadSettings(area: KeyValueArea): Promise<Settings> {
  const stored = await area.get(STORAGE_KEY);
  return normaliseSettings(stored[STORAGE_KEY]);
}

export async function saveSettings(area: KeyValueArea, patch: Partial<Settings>): Promise<Settings> {
  const next = normaliseSettings({ ...(await loadSettings(area)), ...patch });
  await area.set({ [STORAGE_KEY]: next });
  return next;
}

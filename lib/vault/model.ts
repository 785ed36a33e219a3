/**
 * The entry model shared by the vault, the protocol and the UI.
 *
 * Only {@link IndexRecord} is ever stored in the clear; every other field of an {@link Entry} lives inside
 * the entry's encrypted box.
 */

export const ENVIRONMENTS = ['production', 'sandbox', 'other'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const ENTRY_STATES = ['active', 'rotating', 'retired'] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

export const ENTRY_SOURCES = ['captured', 'manual', 'imported'] as const;
export type EntrySource = (typeof ENTRY_SOURCES)[number];

/** One step in an entry's life: created, edited, state changes, rotation steps. */
export interface HistoryEvent {
  /** Epoch milliseconds. */
  at: number;
  /** Short machine-readable kind, e.g. `created`, `updated`, `state:retired`. */
  event: string;
  /** Optional free text (never a secret). */
  detail?: string;
}

export interface Entry {
  id: string;
  name: string;
  secret: string;
  notes: string;
  /** The DocBits host the key belongs to, e.g. `app.docbits.com`. */
  host: string;
  orgId: string | null;
  environment: Environment;
  /** The key prefix exactly as DocBits shows it in its table (may be empty when unknown). */
  prefix: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds, or null for a key that never expires. */
  expiresAt: number | null;
  /** Rotation age in days for this entry, or null to use the default from settings. */
  rotateAfterDays: number | null;
  state: EntryState;
  source: EntrySource;
  successorId: string | null;
  predecessorId: string | null;
  history: HistoryEvent[];
}

/** What a caller supplies to add an entry; the vault fills in id, state and history. */
export type NewEntry = Pick<Entry, 'name' | 'secret' | 'host' | 'environment' | 'source'> &
  Partial<
    Pick<
      Entry,
      'notes' | 'orgId' | 'prefix' | 'createdAt' | 'expiresAt' | 'rotateAfterDays' | 'predecessorId'
    >
  >;

/** Fields a caller may change with update; state changes are recorded in history by the vault. */
export type EntryPatch = Partial<
  Pick<
    Entry,
    | 'name'
    | 'secret'
    | 'notes'
    | 'orgId'
    | 'environment'
    | 'prefix'
    | 'expiresAt'
    | 'rotateAfterDays'
    | 'state'
    | 'successorId'
    | 'predecessorId'
  >
>;

/** An entry without its secret: what lists and every non-extension-page context get. */
export type EntrySummary = Omit<Entry, 'secret' | 'history'>;

/**
 * The clear-text reminder index: exactly what reminders and page matching need while the vault is locked
 * (design.md, "What is in the clear"). No name, note or secret.
 */
export interface IndexRecord {
  id: string;
  host: string;
  orgId: string | null;
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  /** createdAt + rotation age, epoch ms; null when the entry has no rotation age of its own (default applies). */
  rotateBy: number | null;
  state: EntryState;
  /**
   * What the DocBits key table last showed for this key (Expires, Last used, Status), for reminders and
   * hygiene; absent until the page has been seen.
   */
  observed?: Observed;
}

/** A DocBits table row's facts about one key, as last seen on the page. */
export interface Observed {
  status: 'active' | 'revoked';
  /** undefined: the page's value could not be read; null: never expires / never used. */
  expiresAt?: number | null | undefined;
  lastUsedAt?: number | null | undefined;
  /** When the page showed this, epoch ms. */
  at: number;
}

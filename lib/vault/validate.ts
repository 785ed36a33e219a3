/**
 * Field rules for entries, shared by the service (checking caller input) and the format (checking what
 * came out of a decrypted box). Checks return a short problem description naming the field, never its
 * value, so a message can be shown or logged without leaking a secret.
 */
import { ENTRY_SOURCES, ENTRY_STATES, ENVIRONMENTS, type Entry } from './model';

/** Length limits, in UTF-16 code units (what `String.length` counts). */
export const ENTRY_LIMITS = Object.freeze({
  nameMax: 200,
  secretMax: 4096,
  notesMax: 10000,
  orgIdMax: 200,
  prefixMax: 100,
  rotateAfterDaysMax: 36500,
  historyEventMax: 100,
  historyDetailMax: 1000,
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 1123 host names (letters, digits, hyphens; labels ≤ 63; total ≤ 253). Covers IPv4 literals too.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME_RE = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`, 'i');

/** True for an RFC 4122 style UUID string (any case). */
export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID_RE.test(v);
}

/** True for a bare host name (no scheme, port, path or trailing dot). */
export function isHostname(v: unknown): v is string {
  return typeof v === 'string' && HOSTNAME_RE.test(v);
}

/** True for a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A check returns a problem description, or null when the value is acceptable. */
export type FieldCheck = (v: unknown) => string | null;

function str(field: string, min: number, max: number): FieldCheck {
  return (v) => {
    if (typeof v !== 'string') return `${field} must be a string`;
    if (v.length < min || v.length > max) return `${field} must be ${min}..${max} characters`;
    return null;
  };
}

function nullable(check: FieldCheck): FieldCheck {
  return (v) => (v === null ? null : check(v));
}

function oneOf(field: string, values: readonly string[]): FieldCheck {
  return (v) =>
    typeof v === 'string' && values.includes(v) ? null : `${field} must be one of ${values.join(', ')}`;
}

function finite(field: string): FieldCheck {
  return (v) => (typeof v === 'number' && Number.isFinite(v) ? null : `${field} must be a finite number`);
}

const nameCheck = str('name', 1, ENTRY_LIMITS.nameMax);

/** Per-field rules for every stored {@link Entry} field. */
export const ENTRY_CHECKS: { readonly [K in keyof Entry]-?: FieldCheck } = {
  id: (v) => (isUuid(v) ? null : 'id must be a UUID'),
  name: (v) => nameCheck(v) ?? ((v as string).trim() === '' ? 'name must not be blank' : null),
  secret: str('secret', 1, ENTRY_LIMITS.secretMax),
  notes: str('notes', 0, ENTRY_LIMITS.notesMax),
  host: (v) => (isHostname(v) ? null : 'host must be a host name such as app.docbits.com'),
  orgId: nullable(str('orgId', 1, ENTRY_LIMITS.orgIdMax)),
  environment: oneOf('environment', ENVIRONMENTS),
  prefix: str('prefix', 0, ENTRY_LIMITS.prefixMax),
  createdAt: finite('createdAt'),
  expiresAt: nullable(finite('expiresAt')),
  rotateAfterDays: nullable((v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= ENTRY_LIMITS.rotateAfterDaysMax
      ? null
      : `rotateAfterDays must be a whole number of days (1..${ENTRY_LIMITS.rotateAfterDaysMax}) or null`,
  ),
  state: oneOf('state', ENTRY_STATES),
  source: oneOf('source', ENTRY_SOURCES),
  successorId: nullable((v) => (isUuid(v) ? null : 'successorId must be a UUID or null')),
  predecessorId: nullable((v) => (isUuid(v) ? null : 'predecessorId must be a UUID or null')),
  history: (v) => {
    if (!Array.isArray(v)) return 'history must be an array';
    for (const ev of v) {
      if (!isRecord(ev)) return 'history events must be objects';
      for (const k of Object.keys(ev)) {
        if (k !== 'at' && k !== 'event' && k !== 'detail') return `history events have an unknown field ${k}`;
      }
      if (typeof ev.at !== 'number' || !Number.isFinite(ev.at)) return 'history event time must be finite';
      if (
        typeof ev.event !== 'string' ||
        ev.event.length < 1 ||
        ev.event.length > ENTRY_LIMITS.historyEventMax
      )
        return 'history event kind must be a short string';
      if (
        ev.detail !== undefined &&
        (typeof ev.detail !== 'string' || ev.detail.length > ENTRY_LIMITS.historyDetailMax)
      )
        return 'history event detail must be a short string';
    }
    return null;
  },
};

const ENTRY_KEYS = Object.keys(ENTRY_CHECKS) as (keyof Entry)[];

/** Checks a complete {@link Entry}: exactly the known fields, each valid. */
export function entryProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'entry must be an object';
  for (const k of Object.keys(v)) {
    if (!Object.hasOwn(ENTRY_CHECKS, k)) return `entry has an unknown field ${k}`;
  }
  for (const k of ENTRY_KEYS) {
    if (!(k in v)) return `entry is missing ${k}`;
    const problem = ENTRY_CHECKS[k](v[k]);
    if (problem) return problem;
  }
  return null;
}

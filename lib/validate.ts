/**
 * A tiny, strict shape checker for message payloads. Every payload crossing a context boundary is
 * untrusted: objects must have exactly the listed keys (no extras, no prototype tricks), strings have a
 * length cap, numbers must be finite.
 */

export type Check<T> = (value: unknown, path: string) => T;

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

const fail = (path: string, what: string): never => {
  throw new ShapeError(`${path || 'payload'}: ${what}`);
};

/** A string of `min`..`max` UTF-16 units, optionally matching `pattern`. */
export const str =
  (min = 0, max = 1000, pattern?: RegExp): Check<string> =>
  (v, p) => {
    if (typeof v !== 'string') return fail(p, 'expected a string');
    if (v.length < min || v.length > max) return fail(p, `length must be ${min}..${max}`);
    if (pattern && !pattern.test(v)) return fail(p, 'has an invalid format');
    return v;
  };

/** A finite number in [min, max]. */
export const num =
  (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (v, p) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(p, 'expected a finite number');
    if (v < min || v > max) return fail(p, `must be within ${min}..${max}`);
    return v;
  };

export const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'expected a boolean'));

/** One of the listed string literals. */
export const oneOf =
  <const T extends readonly string[]>(values: T): Check<T[number]> =>
  (v, p) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T[number])
      : fail(p, `expected one of ${values.join(', ')}`);

export const nullable =
  <T>(inner: Check<T>): Check<T | null> =>
  (v, p) =>
    v === null ? null : inner(v, p);

export const arrayOf =
  <T>(inner: Check<T>, max = 1000): Check<T[]> =>
  (v, p) => {
    if (!Array.isArray(v)) return fail(p, 'expected an array');
    if (v.length > max) return fail(p, `at most ${max} items`);
    return v.map((item, i) => inner(item, `${p}[${i}]`));
  };

type Fields = Record<string, Check<unknown>>;
type Out<F extends Fields, O extends Fields> = { [K in keyof F]: ReturnType<F[K]> } & {
  [K in keyof O]?: ReturnType<O[K]>;
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A plain object with exactly the `required` keys and any of the `optional` ones. Unknown keys are
 * rejected rather than ignored so that a typo or an injected `__proto__` never passes silently. The result
 * is a fresh null-prototype-free copy holding only checked values.
 */
export const obj =
  <F extends Fields, O extends Fields = Record<never, never>>(required: F, optional?: O): Check<Out<F, O>> =>
  (v, p) => {
    if (!isPlainObject(v)) return fail(p, 'expected an object');
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (!Object.hasOwn(required, key) && !(optional && Object.hasOwn(optional, key))) {
        return fail(p, `unexpected field "${key.slice(0, 40)}"`);
      }
    }
    for (const [key, check] of Object.entries(required)) {
      if (!Object.hasOwn(v, key)) return fail(p, `missing field "${key}"`);
      out[key] = check(v[key], p ? `${p}.${key}` : key);
    }
    for (const [key, check] of Object.entries(optional ?? {})) {
      if (Object.hasOwn(v, key) && v[key] !== undefined) out[key] = check(v[key], p ? `${p}.${key}` : key);
    }
    return out as Out<F, O>;
  };

/** The empty payload: `{}` (or an absent payload). */
export const empty: Check<Record<string, never>> = (v, p) => {
  if (v === undefined) return {};
  return obj({})(v, p) as Record<string, never>;
};

/** One of the listed numbers. */
export const numIn =
  (values: readonly number[]): Check<number> =>
  (v, p) =>
    typeof v === 'number' && values.includes(v) ? v : fail(p, `expected one of ${values.join(', ')}`);

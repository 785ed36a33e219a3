import { describe, expect, it } from 'vitest';
import { arrayOf, empty, nullable, num, numIn, obj, oneOf, ShapeError, str } from '../../lib/validate';

describe('validate', () => {
  const shape = obj(
    { name: str(1, 5), n: num(0, 10) },
    { tag: oneOf(['a', 'b'] as const), when: nullable(num()) },
  );

  it('accepts exactly the declared shape and copies only checked fields', () => {
    expect(shape({ name: 'abc', n: 3 }, '')).toEqual({ name: 'abc', n: 3 });
    expect(shape({ name: 'abc', n: 3, tag: 'b', when: null }, '')).toEqual({
      name: 'abc',
      n: 3,
      tag: 'b',
      when: null,
    });
  });

  it.each([
    ['missing field', { name: 'abc' }],
    ['extra field', { name: 'abc', n: 1, extra: 1 }],
    ['too long', { name: 'abcdef', n: 1 }],
    ['too short', { name: '', n: 1 }],
    ['NaN', { name: 'a', n: Number.NaN }],
    ['Infinity', { name: 'a', n: Number.POSITIVE_INFINITY }],
    ['out of range', { name: 'a', n: 11 }],
    ['wrong enum', { name: 'a', n: 1, tag: 'c' }],
    ['array', [1, 2]],
    ['null', null],
    ['string', 'x'],
    ['class instance', new Date()],
  ])('rejects %s', (_label, value) => {
    expect(() => shape(value, '')).toThrow(ShapeError);
  });

  it('rejects prototype-pollution keys instead of copying them', () => {
    const hostile = JSON.parse('{"name":"a","n":1,"__proto__":{"polluted":true}}');
    expect(() => shape(hostile, '')).toThrow(/unexpected field "__proto__"/);
    const hostile2 = JSON.parse('{"name":"a","n":1,"constructor":{"prototype":{"x":1}}}');
    expect(() => shape(hostile2, '')).toThrow(ShapeError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('checks arrays, number choices, patterns and the empty payload', () => {
    expect(arrayOf(str(1, 3), 2)(['a', 'b'], 'x')).toEqual(['a', 'b']);
    expect(() => arrayOf(str(1, 3), 2)(['a', 'b', 'c'], 'x')).toThrow(/at most 2/);
    expect(numIn([1, 5])(5, 'x')).toBe(5);
    expect(() => numIn([1, 5])(2, 'x')).toThrow(ShapeError);
    expect(() => str(1, 10, /^[a-z]+$/)('A', 'x')).toThrow(/invalid format/);
    expect(empty(undefined, '')).toEqual({});
    expect(empty({}, '')).toEqual({});
    expect(() => empty({ a: 1 }, '')).toThrow(ShapeError);
  });
});

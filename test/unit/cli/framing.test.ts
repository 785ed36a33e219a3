import { describe, expect, it } from 'vitest';
import { createDecoder, encodeMessage, FramingError, MAX_MESSAGE_BYTES } from '../../../cli/lib/framing';

describe('native messaging framing', () => {
  it('writes a little-endian 32-bit length and UTF-8 JSON', () => {
    const frame = encodeMessage({ a: 'ä' });
    const body = Buffer.from(JSON.stringify({ a: 'ä' }), 'utf8');
    expect(frame.readUInt32LE(0)).toBe(body.length);
    expect(frame.subarray(4).equals(body)).toBe(true);
  });

  it('decodes messages split and merged anywhere', () => {
    const messages = [{ id: 1 }, { id: 2, text: 'x'.repeat(300) }, { id: 3, nested: { ok: true } }];
    const stream = Buffer.concat(messages.map(encodeMessage));
    for (const size of [1, 3, 4, 5, 17, stream.length]) {
      const got: unknown[] = [];
      const push = createDecoder((m) => got.push(m));
      for (let i = 0; i < stream.length; i += size) push(stream.subarray(i, i + size));
      expect(got).toEqual(messages);
    }
  });

  it('refuses a length above the limit before reading the body, and a body that is not JSON', () => {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(MAX_MESSAGE_BYTES + 1, 0);
    expect(() => createDecoder(() => undefined)(head)).toThrow(FramingError);
    const bad = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from('{x}')]);
    expect(() => createDecoder(() => undefined)(bad)).toThrow(FramingError);
    expect(() => encodeMessage({ big: 'x'.repeat(MAX_MESSAGE_BYTES) })).toThrow(FramingError);
  });
});

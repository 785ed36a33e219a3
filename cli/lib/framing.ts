/**
 * Native messaging's framing, used on both of the host's sides: each message is a 32-bit length in native
 * byte order (little-endian on every platform KeyGuard supports) followed by that many bytes of UTF-8 JSON.
 * The browser's port speaks it on the host's stdin/stdout; the Unix socket between host and `keyguard` uses
 * the same framing, so one decoder serves both.
 */

/** Chrome refuses host → browser messages above 1 MiB; KeyGuard's own messages are far smaller. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/** One message as it goes on the wire. */
export function encodeMessage(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_MESSAGE_BYTES) throw new FramingError(`message of ${body.length} bytes is too long`);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

/**
 * An incremental decoder: feed it chunks as they arrive (split or merged anywhere); it calls `onMessage`
 * for each complete message. A length above `maxBytes` or a body that is not JSON throws a FramingError:
 * the stream is then out of step and the caller closes it.
 */
export function createDecoder(onMessage: (message: unknown) => void, maxBytes = MAX_MESSAGE_BYTES) {
  let buffered: Buffer = Buffer.alloc(0);
  return function push(chunk: Buffer): void {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32LE(0);
      if (length > maxBytes) throw new FramingError(`message of ${length} bytes is too long`);
      if (buffered.length < 4 + length) return;
      const body = buffered.subarray(4, 4 + length);
      buffered = buffered.subarray(4 + length);
      let message: unknown;
      try {
        message = JSON.parse(body.toString('utf8'));
      } catch {
        throw new FramingError('a message is not valid JSON');
      }
      onMessage(message);
    }
  };
}

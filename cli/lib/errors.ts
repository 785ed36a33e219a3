/**
 * The command's exit codes and its one error type. Messages say what happened and what to do; none ever
 * holds a key (a key is only ever in a child's environment, or on stdout for `get` to a non-terminal).
 */

export const EXIT = {
  ok: 0,
  /** `scan`: a vault key was found. */
  found: 1,
  usage: 2,
  /** The browser is not running (or the host is not installed), or the socket's folder is not private. */
  unreachable: 3,
  locked: 4,
  denied: 5,
  notFound: 6,
  ambiguous: 7,
  /** Too many requests, nobody answered in time, or the request was cancelled. */
  refused: 8,
  /** `get` to a terminal. */
  terminal: 9,
  failed: 10,
  /** "Command line" was turned off in KeyGuard's options. */
  off: 11,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode | 127,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

/** The extension's refusal codes (lib/messages.ts) → exit code and message. */
export function failureOf(code: string, message: string, ids?: readonly string[]): CliFailure {
  switch (code) {
    case 'locked':
      return new CliFailure(
        'The KeyGuard vault is locked: unlock it in the browser and try again.',
        EXIT.locked,
      );
    case 'no-vault':
      return new CliFailure('KeyGuard has no vault yet: create one in the browser first.', EXIT.locked);
    case 'denied':
      return new CliFailure(`Request denied: ${message}.`, EXIT.denied);
    case 'not-found':
      return new CliFailure(`${message}. See \`keyguard list\` for the names.`, EXIT.notFound);
    case 'ambiguous':
      return new CliFailure(
        `${message}: ${(ids ?? []).join(', ')} (\`keyguard list\` shows which is which).`,
        EXIT.ambiguous,
      );
    case 'flood':
    case 'timeout':
    case 'cancelled':
      return new CliFailure(`Request refused: ${message}.`, EXIT.refused);
    default:
      return new CliFailure(`KeyGuard refused the request (${code}): ${message}.`, EXIT.failed);
  }
}

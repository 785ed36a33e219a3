/**
 * What KeyGuard may say about an unexpected failure in a log: the error's class name only. Its message
 * could carry data (a payload, a name, a key) that must never reach a console.
 */
export function errorKind(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

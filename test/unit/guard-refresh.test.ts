/**
 * The leak guard asks the background for fingerprints again when the user comes back to a page; any site
 * can fire focus and visibilitychange at will, so only trusted events count, at most once every few
 * seconds (issue 15, finding 6).
 */
import { describe, expect, it } from 'vitest';
import { GUARD_REFRESH_MIN_MS, refreshOnReturn } from '../../lib/guard/fingerprint';

const event = (isTrusted: boolean) => ({ isTrusted }) as Event;

describe('refreshOnReturn', () => {
  it('ignores synthetic events and throttles trusted ones', () => {
    let t = 1_000_000;
    let asked = 0;
    const onReturn = refreshOnReturn(
      () => void asked++,
      () => t,
    );
    // Just loaded (the script asked once already): a focus now asks nothing.
    onReturn(event(true));
    expect(asked).toBe(0);
    t += GUARD_REFRESH_MIN_MS;
    for (let i = 0; i < 1000; i++) onReturn(event(false));
    expect(asked).toBe(0);
    onReturn(event(true));
    onReturn(event(true));
    expect(asked).toBe(1);
    t += GUARD_REFRESH_MIN_MS - 1;
    onReturn(event(true));
    expect(asked).toBe(1);
    t += 1;
    onReturn(event(true));
    expect(asked).toBe(2);
  });
});

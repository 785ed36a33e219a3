// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ARM_MS, showWarning } from '../../../components/guard/warning';
import type { Refusal } from '../../../lib/page/safe-click';

const TEXT = {
  title: 'KeyGuard stopped a paste',
  lines: ['line'],
  cancel: 'Cancel',
  pasteAnyway: 'Paste anyway',
  refused: 'Ignored',
};

/** The warning's root is closed; the test keeps a handle on it the way only KeyGuard's own code has one. */
let roots: ShadowRoot[];
beforeEach(() => {
  roots = [];
  const attach = HTMLElement.prototype.attachShadow;
  vi.spyOn(HTMLElement.prototype, 'attachShadow').mockImplementation(function (this: HTMLElement, init) {
    const root = attach.call(this, init);
    roots.push(root);
    return root;
  });
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

/** A click as the browser delivers a user's (happy-dom cannot make trusted events itself). */
function userClick(el: Element, trusted = true): void {
  const e = new MouseEvent('click', { bubbles: true, composed: true });
  Object.defineProperty(e, 'isTrusted', { value: trusted });
  el.dispatchEvent(e);
}

const button = (name: string) =>
  [...(roots[0]?.querySelectorAll('button') ?? [])].find((b) => b.textContent === name) as HTMLButtonElement;

describe('the leak guard warning', () => {
  it('arms "Paste anyway" only after a moment, and only a click that passes the guard counts', async () => {
    let verdict: Refusal | null = 'transparent';
    const guard = vi.fn(() => verdict);
    let answer: boolean | undefined;
    void showWarning(document, TEXT, guard).then((a) => (answer = a));
    const anyway = button('Paste anyway');
    expect(anyway.disabled).toBe(true);
    userClick(anyway); // too soon: a click meant for the page a moment ago
    await vi.advanceTimersByTimeAsync(ARM_MS);
    expect(anyway.disabled).toBe(false);
    userClick(anyway, false); // a page script's click
    userClick(anyway); // the dialog made invisible or covered
    await vi.advanceTimersByTimeAsync(0);
    expect(answer).toBeUndefined();
    expect(guard).toHaveBeenCalledTimes(1);
    // The user is told why nothing happened.
    expect(roots[0]?.querySelector('[role="status"]')?.textContent).toBe('Ignored');
    verdict = null;
    userClick(anyway);
    await vi.advanceTimersByTimeAsync(0);
    expect(answer).toBe(true);
    expect(document.querySelector('keyguard-guard')).toBeNull();
  });

  it('Cancel answers false at once and has the focus', async () => {
    let answer: boolean | undefined;
    void showWarning(document, TEXT, () => 'covered').then((a) => (answer = a));
    const cancel = button('Cancel');
    expect(roots[0]?.activeElement).toBe(cancel);
    userClick(cancel);
    await vi.advanceTimersByTimeAsync(0);
    expect(answer).toBe(false);
  });
});

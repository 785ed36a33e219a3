import { describe, expect, it } from 'vitest';
import { type CpuProfile, timeInCodeMs } from '../../bench/profile';

const OURS = 'chrome-extension://abc/content-scripts/docbits.js';
const frame = (functionName: string, url = '') => ({
  functionName,
  url,
  scriptId: '0',
  lineNumber: 0,
  columnNumber: 0,
});

/**
 * root ─ (program)
 *      ─ page task (page.js) ─ append (native)
 *                            ─ callback (ours) ─ querySelectorAll (native) ─ helper (page.js, called by us)
 *      ─ sweep (ours)
 */
function profile(samples: number[], deltas: number[], endTime: number): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 7] },
      { id: 2, callFrame: frame('(program)') },
      { id: 3, callFrame: frame('task', 'https://app.docbits.com/page.js'), children: [4, 5] },
      { id: 4, callFrame: frame('append') },
      { id: 5, callFrame: frame('callback', OURS), children: [6] },
      { id: 6, callFrame: frame('querySelectorAll'), children: [8] },
      { id: 7, callFrame: frame('sweep', OURS) },
      { id: 8, callFrame: frame('helper', 'https://app.docbits.com/page.js') },
    ],
    startTime: 0,
    endTime,
    samples,
    timeDeltas: deltas,
  };
}

describe('timeInCodeMs', () => {
  it('counts a sample when any frame on its stack is ours, for the time until the next sample', () => {
    // samples at 0, 100, 300, 600, 1000, 1500 µs; the profile ends at 2100 µs
    const p = profile([2, 4, 5, 6, 8, 7], [0, 100, 200, 300, 400, 500], 2100);
    // ours: node 5 (300→600), 6 (600→1000), 8 (1000→1500, called by our code), 7 (1500→2100)
    expect(timeInCodeMs(p, 'chrome-extension://abc/')).toBeCloseTo((300 + 400 + 500 + 600) / 1000, 6);
  });

  it('counts nothing for a prefix no frame has, and the page code under it for its own prefix', () => {
    const p = profile([2, 4, 5, 6, 8, 7], [0, 100, 200, 300, 400, 500], 2100);
    expect(timeInCodeMs(p, 'chrome-extension://other/')).toBe(0);
    // page.js: node 3's subtree (4, 5, 6, 8) from 100 to 1500
    expect(timeInCodeMs(p, 'https://app.docbits.com/')).toBeCloseTo(1.4, 6);
  });

  it('is zero for an empty profile', () => {
    expect(timeInCodeMs(profile([], [], 0), 'chrome-extension://abc/')).toBe(0);
  });
});

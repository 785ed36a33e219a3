// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { coveredByPage } from '../../components/page/float';

/** happy-dom has no layout: the host's box and the hit test's answers are stood in for. */
function setup(stack: (host: HTMLElement, x: number, y: number) => Element[]) {
  document.body.innerHTML =
    '<div id="card"><p id="row"><span id="host"></span></p></div>' +
    '<div id="other" style="position: fixed"></div><div id="next"></div>';
  const host = document.getElementById('host') as HTMLElement;
  host.getBoundingClientRect = () =>
    ({ left: 10, top: 10, right: 210, bottom: 40, width: 200, height: 30, x: 10, y: 10 }) as DOMRect;
  document.elementsFromPoint = (x: number, y: number) => stack(host, x, y);
  return host;
}

describe('coveredByPage (the controls step out of the top layer while the page covers them)', () => {
  it('is not covered when only the host (our wrapper, retargeted) and its ancestors are hit', () => {
    const host = setup((h) => [h, h, document.getElementById('row') as Element, document.body]);
    expect(coveredByPage(host, document)).toBe(false);
  });

  it('is covered by a page element that takes clicks over the host (a dialog, a menu, a fixed header)', () => {
    const other = () => document.getElementById('other') as Element;
    const host = setup((h) => [h, other(), h, document.body]);
    expect(coveredByPage(host, document)).toBe(true);
  });

  it("looks at each control's centre too, not only at the host's corners and centre", () => {
    const other = () => document.getElementById('other') as Element;
    // Only the point at offset (150, 15) — a control's centre — is under the page's element.
    const host = setup((h, x, y) => (x === 160 && y === 25 ? [h, other()] : [h, document.body]));
    expect(coveredByPage(host, document)).toBe(false);
    expect(coveredByPage(host, document, [[150, 15]])).toBe(true);
  });

  it("ignores spots outside the host's box (a control in a closed <details> reports a box of its own)", () => {
    const other = () => document.getElementById('other') as Element;
    const host = setup((h, _x, y) => (y > 40 ? [other()] : [h, document.body]));
    expect(coveredByPage(host, document, [[50, 100]])).toBe(false);
  });

  it('does not count a neighbour in the flow whose box overlaps the host (negative margins)', () => {
    const host = setup((h) => [h, document.getElementById('next') as Element, document.body]);
    expect(coveredByPage(host, document)).toBe(false);
  });

  it('has nothing to say about a host without a box (display: none: the wrapper is not drawn either)', () => {
    const host = setup(() => [document.getElementById('other') as Element]);
    host.getBoundingClientRect = () =>
      ({ left: 0, top: 0, right: 0, bottom: 0, width: 0, height: 0 }) as DOMRect;
    expect(coveredByPage(host, document)).toBe(false);
  });
});

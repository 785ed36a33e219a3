// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { checkActivation } from '../../lib/safe-click';

function setup() {
  document.body.innerHTML = '<div id="wrap"><span id="host"></span></div>';
  const host = document.getElementById('host') as HTMLElement;
  return { host };
}

/** happy-dom has no layout: stand in for the hit test. */
function withTopElement(el: Element | null, fn: () => void) {
  const original = document.elementFromPoint;
  document.elementFromPoint = () => el;
  try {
    fn();
  } finally {
    document.elementFromPoint = original;
  }
}

const trusted = (init: MouseEventInit = { clientX: 5, clientY: 5, detail: 1 }) => {
  const e = new MouseEvent('click', init);
  Object.defineProperty(e, 'isTrusted', { value: true });
  return e;
};

describe('checkActivation', () => {
  it('accepts a trusted click on the visible, uncovered control', () => {
    const { host } = setup();
    withTopElement(host, () => expect(checkActivation(trusted(), host, window)).toBeNull());
  });

  it('refuses a script-dispatched click', () => {
    const { host } = setup();
    withTopElement(host, () =>
      expect(checkActivation(new MouseEvent('click'), host, window)).toBe('untrusted'),
    );
  });

  it('refuses when something else is on top at the click point', () => {
    const { host } = setup();
    const overlay = document.createElement('div');
    document.body.append(overlay);
    withTopElement(overlay, () => expect(checkActivation(trusted(), host, window)).toBe('covered'));
  });

  it('refuses when the page is made nearly transparent', () => {
    const { host } = setup();
    document.body.style.opacity = '0.1';
    withTopElement(host, () => expect(checkActivation(trusted(), host, window)).toBe('transparent'));
    document.body.style.opacity = '';
  });

  it('refuses when an ancestor is hidden', () => {
    const { host } = setup();
    (document.getElementById('wrap') as HTMLElement).style.visibility = 'hidden';
    withTopElement(host, () => expect(checkActivation(trusted(), host, window)).toBe('transparent'));
  });

  it('hit-tests keyboard activation at the control itself', () => {
    const { host } = setup();
    let asked: [number, number] | null = null;
    const original = document.elementFromPoint;
    document.elementFromPoint = (x: number, y: number) => {
      asked = [x, y];
      return host;
    };
    host.getBoundingClientRect = () => ({ left: 10, top: 20, width: 40, height: 10 }) as DOMRect;
    expect(checkActivation(trusted({ detail: 0 }), host, window)).toBeNull();
    expect(asked).toEqual([30, 25]);
    document.elementFromPoint = original;
  });
});

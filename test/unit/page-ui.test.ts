// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import {
  PAGE_UI_GLOBAL,
  type PageUi,
  pageUiLoader,
  placeholder,
  registerPageUi,
} from '../../lib/page/ui-loader';
import { isProtocolError, ProtocolError } from '../../lib/send';

function fakeUi(): PageUi & { rendered: ShadowRoot[]; cleared: ShadowRoot[] } {
  const rendered: ShadowRoot[] = [];
  const cleared: ShadowRoot[] = [];
  return {
    rendered,
    cleared,
    keyControls: (root) => void rendered.push(root),
    rowBadge: (root) => void rendered.push(root),
    guidePanel: (root) => void rendered.push(root),
    clear: (root) => void cleared.push(root),
  };
}

describe('page UI hand-off', () => {
  it('asks for the UI once and resolves when it registers itself', async () => {
    const world = {};
    const ui = fakeUi();
    const inject = vi.fn(async () => registerPageUi(world, ui));
    const load = pageUiLoader(world, inject);
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(ui);
    expect(b).toBe(ui);
    expect(await load()).toBe(ui);
    expect(inject).toHaveBeenCalledTimes(1);
  });

  it('uses a UI already registered in this world without asking', async () => {
    const world = {};
    const ui = fakeUi();
    registerPageUi(world, ui);
    const inject = vi.fn(async () => undefined);
    expect(await pageUiLoader(world, inject)()).toBe(ui);
    expect(inject).not.toHaveBeenCalled();
  });

  it('is not fooled by a page element named like the meeting point (DOM clobbering)', async () => {
    // What `window.__keyguardPageUi` is when the page has an element with that id: inherited, not own.
    const world = Object.create({ [PAGE_UI_GLOBAL]: document.createElement('div') });
    const ui = fakeUi();
    const inject = vi.fn(async () => registerPageUi(world, ui));
    expect(await pageUiLoader(world, inject)()).toBe(ui);
    expect(inject).toHaveBeenCalledTimes(1);
  });

  it('asks again after a failed injection', async () => {
    const world: Record<string, unknown> = {};
    const ui = fakeUi();
    const inject = vi
      .fn<() => Promise<void>>()
      .mockRejectedValueOnce(new Error('extension reloading'))
      .mockImplementation(async () => registerPageUi(world, ui));
    const load = pageUiLoader(world, inject);
    await expect(load()).rejects.toThrow('extension reloading');
    expect(await load()).toBe(ui);
    expect(inject).toHaveBeenCalledTimes(2);
    expect(world[PAGE_UI_GLOBAL]).toBe(ui);
  });
});

describe('placeholder', () => {
  it('puts a host with a closed shadow root in place at once and renders into it when the UI arrives', async () => {
    document.body.innerHTML = '<code id="k">x</code>';
    const anchor = document.getElementById('k') as HTMLElement;
    const ui = fakeUi();
    let arrive: (u: PageUi) => void = () => {};
    const p = placeholder(anchor, 'after', new Promise((r) => (arrive = r)), (u, root, host) =>
      u.keyControls(root, host, {} as never),
    );
    expect(anchor.nextElementSibling).toBe(p.host);
    expect(p.host.hasAttribute('data-keyguard-ui')).toBe(true);
    expect(p.host.shadowRoot).toBeNull(); // closed: the page cannot reach in
    expect(ui.rendered).toHaveLength(0);
    arrive(ui);
    await Promise.resolve();
    expect(ui.rendered).toHaveLength(1);
    p.unmount();
    expect(ui.cleared).toEqual(ui.rendered);
    expect(p.host.isConnected).toBe(false);
  });

  it('renders nothing when unmounted before the UI arrives, and leaves the page alone if it never does', async () => {
    document.body.innerHTML = '<div id="cell"></div>';
    const cell = document.getElementById('cell') as HTMLElement;
    const ui = fakeUi();
    const early = placeholder(cell, 'append', Promise.resolve(ui), (u, root, host) =>
      u.rowBadge(root, host, {} as never),
    );
    expect(cell.lastElementChild).toBe(early.host);
    early.unmount();
    await Promise.resolve();
    expect(ui.rendered).toHaveLength(0);
    const failed = placeholder(cell, 'append', Promise.reject(new Error('no UI')), () => {
      throw new Error('must not render');
    });
    await Promise.resolve();
    failed.unmount();
    expect(cell.children).toHaveLength(0);
  });
});

describe('errors across the two page scripts', () => {
  it('recognises a protocol error thrown by the other script’s copy of the class, and nothing else', () => {
    // What the page part's ProtocolError looks like to the controls' bundle: same name and shape, other class.
    const foreign = Object.assign(new Error('Vault is locked'), { name: 'ProtocolError', code: 'locked' });
    expect(isProtocolError(foreign)).toBe(true);
    expect(isProtocolError(new ProtocolError({ code: 'locked', message: 'x' }))).toBe(true);
    expect(isProtocolError(new Error('locked'))).toBe(false);
    expect(isProtocolError({ name: 'ProtocolError', code: 'locked' })).toBe(false);
    expect(isProtocolError(Object.assign(new Error('x'), { name: 'ProtocolError' }))).toBe(false);
  });
});

// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import { MASK_ATTR, UI_ATTR } from '../../../lib/page/mask';
import { type ObserveOptions, observePage as observeWith } from '../../../lib/page/observe';
import { expectedFor, loadFixture } from './fixtures';

const KEY = 'q8Zr2VbX7mKp1LsT9yWc4NdF6hJ0gE3uA5iO';
/** The show-once dialog as the replica renders it, with the .key-display hook renamed (fallback case). */
const dialog = (key: string) =>
  `<div id="q-portal--dialog--7"><div class="q-dialog" role="dialog" aria-modal="true"><div class="q-dialog__inner"><div class="q-card dialog-card"><div class="q-card__section"><div class="text-h6">Ihr neuer API-Schlüssel</div></div><div class="q-card__section"><div class="new-key-box"><code>${key}</code> <button class="q-btn" type="button"></button></div></div></div></div></div></div>`;

/** Lets the MutationObserver deliver (a microtask), but no animation frame. */
const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
/** Lets animation frames and timers run. */
const frame = () => new Promise((r) => setTimeout(r, 40));
const marked = () => document.querySelectorAll(`[${MASK_ATTR}]`).length;

/** A stand-in for `window.navigation`: the app's pushState fires `currententrychange`, as in Chromium. */
const navigation = new EventTarget();
const pushState = history.pushState.bind(history);
const navigate = (path: string) => {
  pushState(null, '', path);
  navigation.dispatchEvent(new Event('currententrychange'));
};

let stop: (() => void) | undefined;
beforeEach(() => {
  document.body.innerHTML = '';
  pushState(null, '', '/settings/integration');
});
afterEach(() => {
  stop?.();
  stop = undefined;
  vi.restoreAllMocks();
});

/** Like the caller: controls after every show-once box that has none. */
function mountControls(): void {
  for (const box of document.querySelectorAll('.key-display')) {
    if (box.nextElementSibling?.hasAttribute(UI_ATTR)) continue;
    const host = document.createElement('span');
    host.setAttribute(UI_ATTR, '');
    box.after(host);
  }
}

/** Counts the records the browser hands over: what a busy page pays for with a watched subtree. */
function countingObserver() {
  const seen = { records: 0 };
  class Counting extends MutationObserver {
    constructor(cb: MutationCallback) {
      super((records, mo) => {
        seen.records += records.length;
        cb(records, mo);
      });
    }
  }
  return { MO: Counting as typeof MutationObserver, seen };
}

describe.each([
  ['watching the whole document (no Navigation API)', { navigation: null }],
  ['in the window after arrival (Navigation API)', { navigation }],
] as [string, ObserveOptions][])('observePage %s', (_, mode) => {
  const observePage = (doc: Document, onChange: () => void) => observeWith(doc, onChange, mode);
  beforeEach(() => {
    // the app navigating: with the Navigation API, observePage hears of it by the event
    vi.spyOn(history, 'pushState').mockImplementation((_s, _t, url) => navigate(String(url)));
  });

  it('calls onChange once for a burst of mutations', async () => {
    loadFixture('current-en');
    const onChange = vi.fn();
    stop = observePage(document, onChange);
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1); // the initial look at the page
    onChange.mockClear();

    const tbody = document.querySelector('.api-keys-card tbody');
    for (let i = 0; i < 200; i++) {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td><code class="key-prefix">dbk_${i}****</code></td><td>n${i}</td>`;
      tbody?.appendChild(tr);
      tr.className = 'x';
      tr.remove();
    }
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('marks a fallback key inserted late before the next frame, then reports it', async () => {
    loadFixture('current-de');
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    const onChange = vi.fn();
    stop = observePage(document, onChange);
    await frame();
    onChange.mockClear();

    document.body.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    const code = document.querySelector('.new-key-box code');
    expect(code?.hasAttribute(MASK_ATTR)).toBe(true);
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('marks a key whose text arrives after its element (Vue patching the text)', async () => {
    stop = observePage(document, () => {});
    document.body.insertAdjacentHTML('beforeend', dialog(''));
    await microtasks();
    const code = document.querySelector('.new-key-box code') as HTMLElement;
    expect(code.hasAttribute(MASK_ATTR)).toBe(false);
    code.textContent = KEY;
    await microtasks();
    expect(code.hasAttribute(MASK_ATTR)).toBe(true);
  });

  it('marks the legacy field (hook renamed) when its value attribute is set', async () => {
    const e = expectedFor('legacy-fr');
    loadFixture('legacy-loading');
    const input = document.querySelector('input[aria-label="Key"]') as HTMLInputElement;
    input.removeAttribute('aria-label');
    const fresh = input.closest('form')?.cloneNode(true) as HTMLElement;
    input.closest('form')?.remove();
    stop = observePage(document, () => {});
    document.querySelector('.q-card__section')?.appendChild(fresh);
    await microtasks();
    const field = fresh.querySelector('input') as HTMLInputElement;
    expect(field.hasAttribute(MASK_ATTR)).toBe(true); // empty, in the key section: masked ahead
    field.setAttribute('value', e.key);
    field.value = e.key;
    await microtasks();
    expect(field.hasAttribute(MASK_ATTR)).toBe(true);
    field.setAttribute('value', 'Loading');
    field.value = 'Loading';
    await microtasks();
    expect(field.hasAttribute(MASK_ATTR)).toBe(false);
  });

  it('does nothing off the integration page, and looks at the page when the app navigates there', async () => {
    history.pushState(null, '', '/dashboard');
    const onChange = vi.fn();
    stop = observePage(document, onChange);
    const host = document.createElement('div');
    document.body.appendChild(host);
    for (let i = 0; i < 10_000; i++) {
      const d = document.createElement('div');
      d.textContent = String(i);
      host.appendChild(d);
      if (i % 2) d.remove();
    }
    host.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    await frame();
    expect(onChange).not.toHaveBeenCalled();
    expect(marked()).toBe(0);

    history.pushState(null, '', '/settings/integration');
    host.appendChild(document.createElement('span')); // the app re-renders for the new route
    await microtasks();
    expect(marked()).toBe(1); // the whole page was checked once on arrival
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);

    onChange.mockClear();
    history.pushState(null, '', '/setting');
    host.appendChild(document.createElement('span'));
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1); // leaving: the caller removes its controls
  });

  it('stays quiet while a busy widget churns plain elements and fields that hold no key', async () => {
    loadFixture('current-en');
    const onChange = vi.fn();
    stop = observePage(document, onChange);
    await frame();
    onChange.mockClear();

    const box = document.createElement('div');
    document.querySelector('.integration-page')?.appendChild(box);
    const texts: Text[] = [];
    for (let i = 0; i < 2_000; i++) {
      const el = document.createElement(['div', 'span', 'code', 'input'][i % 4] as string);
      if (el instanceof HTMLInputElement) {
        el.readOnly = true;
        el.setAttribute('value', `v${i}`);
      } else texts.push(el.appendChild(document.createTextNode(`item ${i}`)));
      box.appendChild(el);
      if (i % 3 === 0) el.textContent = `text ${i}`;
      if (i % 5 === 0) el.className = `c${i % 7}`;
      const t = texts[i % texts.length];
      if (t) t.data = `data ${i}`;
      if (box.children.length > 64) box.firstElementChild?.remove();
      if (i % 100 === 99) await microtasks();
    }
    await microtasks();
    await frame();
    expect(onChange).not.toHaveBeenCalled();
    expect(marked()).toBe(0);
  });

  it('reports changes inside the key table: status text, row class, badge label', async () => {
    loadFixture('current-en');
    const onChange = vi.fn();
    stop = observePage(document, onChange);
    await frame();
    onChange.mockClear();

    const badge = document.querySelector('.api-keys-card [role=status]') as HTMLElement;
    (badge.firstChild as Text).data = 'Revoked';
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);

    badge.closest('tr')?.classList.add('api-key-row--revoked');
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(2);

    badge.setAttribute('aria-label', 'Revoked');
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(3);
  });

  it('hears when a key or its controls leave the page, and when a key kept aside comes back', async () => {
    const onChange = vi.fn(mountControls);
    stop = observePage(document, onChange);
    document.body.insertAdjacentHTML('beforeend', dialog(KEY).replace('new-key-box', 'key-display'));
    await microtasks();
    await frame();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1); // the show-once box appeared; mounting is not news
    const box = document.querySelector('.key-display') as HTMLElement;
    const host = box.nextElementSibling as HTMLElement;
    expect(host.hasAttribute(UI_ATTR)).toBe(true);

    host.remove(); // the app re-rendered over KeyGuard's controls
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(2);
    expect(box.nextElementSibling?.hasAttribute(UI_ATTR)).toBe(true);

    const parent = box.parentElement as HTMLElement;
    box.remove(); // e.g. a panel kept alive while hidden
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(3);
    parent.prepend(box);
    await microtasks();
    await frame();
    expect(onChange).toHaveBeenCalledTimes(4);
  });

  it('marks a key whose text node is rewritten in place', async () => {
    stop = observePage(document, () => {});
    document.body.insertAdjacentHTML('beforeend', dialog('loading…'));
    await microtasks();
    const code = document.querySelector('.new-key-box code') as HTMLElement;
    expect(code.hasAttribute(MASK_ATTR)).toBe(false);
    (code.firstChild as Text).data = KEY;
    await microtasks();
    expect(code.hasAttribute(MASK_ATTR)).toBe(true);
  });

  it("ignores KeyGuard's own nodes and stops when disconnected", async () => {
    const onChange = vi.fn();
    stop = observePage(document, onChange);
    await frame();
    onChange.mockClear();
    const ui = document.createElement('div');
    ui.setAttribute(UI_ATTR, '');
    document.body.appendChild(ui);
    ui.remove();
    await microtasks();
    await frame();
    expect(onChange).not.toHaveBeenCalled();

    stop();
    document.body.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    await frame();
    expect(onChange).not.toHaveBeenCalled();
    expect(marked()).toBe(0);
  });
});

describe('observePage after the window (Navigation API, the page not watched whole)', () => {
  const quiet = (onChange: () => void, MO?: typeof MutationObserver, sweepMs = 60_000) =>
    observeWith(document, onChange, {
      navigation,
      attentionMs: 0,
      sweepMs,
      ...(MO ? { MutationObserver: MO } : {}),
    });
  /** Starts watching once the arrival's window has passed; the initial look is not counted. */
  const watchQuietly = async (onChange: Mock<() => void>, MO?: typeof MutationObserver, sweepMs?: number) => {
    stop = quiet(onChange, MO, sweepMs);
    await frame();
    onChange.mockClear();
    return onChange;
  };
  /** Lets the observer deliver, then one animation frame run. */
  const settle = async () => {
    await microtasks();
    await frame();
  };
  /** A widget inside the app's root churning 2,000 changes, the way busyPageRun does. */
  const churn = async () => {
    const box = document.createElement('div');
    document.querySelector('.integration-page')?.appendChild(box);
    for (let i = 0; i < 2_000; i++) {
      const el = document.createElement(['div', 'span', 'code', 'input'][i % 4] as string);
      el.textContent = `item ${i}`;
      box.appendChild(el);
      if (i % 3 === 0) el.textContent = `text ${i}`;
      if (box.children.length > 64) box.firstElementChild?.remove();
    }
    await microtasks();
  };
  beforeEach(() => {
    document.body.innerHTML = '<div id="q-app"></div>';
  });
  const loadApp = (name: Parameters<typeof loadFixture>[0]) => {
    loadFixture(name);
    // the fixture's teleported dialogs stay; the rest is the app, inside #q-app as DocBits mounts it
    const app = document.createElement('div');
    app.id = 'q-app';
    for (const el of [...document.body.children]) if (!el.id.startsWith('q-portal')) app.append(el);
    document.body.prepend(app);
  };

  it('hands over no record for a widget churning inside the app, where watching the document would', async () => {
    loadApp('current-en');
    const quietCount = countingObserver();
    stop = quiet(() => {}, quietCount.MO);
    await frame();
    quietCount.seen.records = 0;
    await churn();
    expect(quietCount.seen.records).toBe(0);
    stop();

    const wholeCount = countingObserver();
    stop = observeWith(document, () => {}, { navigation: null, MutationObserver: wholeCount.MO });
    await frame();
    wholeCount.seen.records = 0;
    await churn();
    expect(wholeCount.seen.records).toBeGreaterThan(2_000);
  });

  it('watches what is teleported to body whole: a fallback key there is marked before the next frame', async () => {
    loadApp('current-de');
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    const onChange = await watchQuietly(vi.fn());

    document.body.insertAdjacentHTML('beforeend', dialog(''));
    await microtasks();
    const code = document.querySelector('.new-key-box code') as HTMLElement;
    expect(code.hasAttribute(MASK_ATTR)).toBe(false);
    code.textContent = KEY; // the key arrives after the dialog
    await microtasks();
    expect(code.hasAttribute(MASK_ATTR)).toBe(true);
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('hears a teleported show-once box leave with its controls', async () => {
    loadApp('current-en');
    for (const d of document.querySelectorAll('[id^="q-portal--dialog"]')) d.remove();
    const onChange = await watchQuietly(vi.fn(mountControls));
    document.body.insertAdjacentHTML('beforeend', dialog(KEY).replace('new-key-box', 'key-display'));
    await settle();
    expect(onChange).toHaveBeenCalledTimes(1);
    document.body.lastElementChild?.remove(); // Done: the dialog closes
    await settle();
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it('still hears the key table change', async () => {
    loadApp('current-en');
    const onChange = await watchQuietly(vi.fn());
    const badge = document.querySelector('.api-keys-card [role=status]') as HTMLElement;
    (badge.firstChild as Text).data = 'Revoked';
    await settle();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('finds a key that appears in the app without any input at the next sweep, not before', async () => {
    loadApp('current-en');
    // (a sweep every 500 ms: the first comes well after the checks right after the insertion)
    const onChange = await watchQuietly(vi.fn(), undefined, 500);
    document.querySelector('.integration-page')?.insertAdjacentHTML('beforeend', dialog(KEY));
    await settle();
    expect(marked()).toBe(0);
    expect(onChange).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 800));
    expect(marked()).toBe(1);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('something showing a key that appeared unwatched opens the window again', async () => {
    loadApp('current-en');
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    stop = observeWith(document, () => {}, { navigation, attentionMs: 500, sweepMs: 1000 });
    await pause(600); // the arrival's window has passed
    const app = document.querySelector('.integration-page');
    app?.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    expect(marked()).toBe(0);
    await pause(600); // the sweep finds it, and the app is at work: watched whole again
    expect(marked()).toBe(1);
    app?.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    expect(marked()).toBe(2);
  });

  it('keeps the panel that shows keys watched whole: a fallback key there is marked before the next frame', async () => {
    loadApp('current-en');
    const onChange = await watchQuietly(vi.fn());
    const panel = document.querySelector('.api-keys-card')?.closest('.q-expansion-item');
    expect(panel).toBeTruthy();
    panel?.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    expect(marked()).toBe(1);
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('a tab coming back is looked over at once, before its first frame', async () => {
    loadApp('current-en');
    const onChange = await watchQuietly(vi.fn());
    document.querySelector('.integration-page')?.insertAdjacentHTML('beforeend', dialog(KEY));
    await microtasks();
    expect(marked()).toBe(0);
    document.dispatchEvent(new Event('visibilitychange'));
    expect(marked()).toBe(1); // synchronously, in the event
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('stops its timers and listeners when stopped', async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    loadApp('current-en');
    await watchQuietly(vi.fn(), undefined, 30);
    const sweeps = setSpy.mock.results.map((r) => r.value);
    expect(sweeps).toHaveLength(1);
    stop?.();
    stop = undefined;
    expect(clearSpy).toHaveBeenCalledWith(sweeps[0]);
    document.querySelector('.integration-page')?.insertAdjacentHTML('beforeend', dialog(KEY));
    document.dispatchEvent(new Event('visibilitychange'));
    await new Promise((r) => setTimeout(r, 100));
    expect(marked()).toBe(0);
  });

  it('a scripted (untrusted) pointer or key press does not widen the watch', async () => {
    loadApp('current-en');
    const count = countingObserver();
    stop = quiet(() => {}, count.MO);
    await frame();
    document.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    count.seen.records = 0;
    await churn();
    expect(count.seen.records).toBe(0);
  });

  it('leaving the page stops the sweep and the watch; coming back starts them again', async () => {
    loadApp('current-en');
    const count = countingObserver();
    const onChange = vi.fn();
    stop = quiet(onChange, count.MO, 50);
    await frame();
    navigate('/setting');
    await frame();
    onChange.mockClear();
    count.seen.records = 0;
    document.querySelector('.integration-page')?.insertAdjacentHTML('beforeend', dialog(KEY));
    document.body.insertAdjacentHTML('beforeend', dialog(KEY));
    await new Promise((r) => setTimeout(r, 150));
    expect(count.seen.records).toBe(0);
    expect(marked()).toBe(0);
    expect(onChange).not.toHaveBeenCalled();

    navigate('/settings/integration');
    await microtasks();
    expect(marked()).toBe(2); // both looked at on arrival
    await frame();
    expect(onChange).toHaveBeenCalledTimes(1);
  });
});

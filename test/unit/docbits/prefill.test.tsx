// @vitest-environment happy-dom
/**
 * The save form says which fields it could not prefill from the page, and saves what is in the fields —
 * never a name or an expiry of its own making over what the page said.
 */
import { render } from 'preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyControls } from '../../../components/page/KeyControls';
import { setMessageSource, sourceFromJson } from '../../../lib/i18n';
import type { Prefill } from '../../../lib/page/ui-loader';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';

const settle = () => new Promise((r) => setTimeout(r, 20));

async function openForm(prefill: Prefill) {
  const send = vi.fn(async () => ({ existing: false }));
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  render(
    <KeyControls
      send={send as never}
      readKey={() => 'made-up-key-for-the-form-test-0001'}
      setRevealed={() => {}}
      prefill={() => prefill}
      onUnlocked={() => () => {}}
      guard={() => null}
    />,
    root,
  );
  const button = [...root.querySelectorAll('button')].find((b) => /KeyGuard/.test(b.textContent ?? ''));
  button?.click();
  await settle();
  return { root, send };
}

const value = (root: Element, id: string) => (root.querySelector(`#${id}`) as HTMLInputElement).value;

describe('Save to KeyGuard: prefill', () => {
  beforeEach(() => setMessageSource(sourceFromJson(en)));

  it('prefills name, notes, expiry and org id, and says nothing when all were read', async () => {
    const { root } = await openForm({
      name: 'ERP nightly',
      description: 'Upload',
      expiresAt: Date.UTC(2027, 2, 9, 12),
      orgId: 'org-1',
      environment: 'production',
      unread: [],
    });
    expect([
      value(root, 'kg-name'),
      value(root, 'kg-notes'),
      value(root, 'kg-expires'),
      value(root, 'kg-org'),
    ]).toEqual(['ERP nightly', 'Upload', '2027-03-09', 'org-1']);
    expect(root.querySelector('#kg-unread')).toBeNull();
  });

  it('names the fields it could not read, in the browser language', async () => {
    const { root } = await openForm({
      orgId: null,
      environment: 'production',
      unread: ['name', 'expiresAt', 'orgId'],
    });
    expect(root.querySelector('#kg-unread')?.textContent).toBe(
      'KeyGuard could not read these from the DocBits page — please fill them in: Name, Expires, Organisation ID',
    );
    expect(value(root, 'kg-name')).toBe('');
    setMessageSource(sourceFromJson(de));
    const again = await openForm({ orgId: 'x', environment: 'other', unread: ['description'] });
    expect(again.root.querySelector('#kg-unread')?.textContent).toBe(
      'KeyGuard konnte dies nicht von der DocBits-Seite lesen – bitte selbst ausfüllen: Notizen',
    );
  });
});

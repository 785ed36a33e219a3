import { describe, expect, it } from 'vitest';
import { resolveRefs } from '../../../lib/background/native/refs';

const entries = [
  { id: 'id-a', name: 'Invoice sync (ERP)', state: 'active' },
  { id: 'id-b', name: 'Twice', state: 'active' },
  { id: 'id-c', name: 'Twice', state: 'active' },
  { id: 'id-d', name: 'Rotated', state: 'retired' },
  { id: 'id-e', name: 'Rotated', state: 'active' },
  { id: 'id-f', name: 'id-a', state: 'active' },
];

describe('reference resolution', () => {
  it('finds entries by id or exact name, ids first', () => {
    expect(resolveRefs(['Invoice sync (ERP)', 'id-b', 'id-a'], entries)).toEqual({
      ok: true,
      ids: ['id-a', 'id-b', 'id-a'],
    });
  });
  it('prefers the live entry over a retired one of the same name', () => {
    expect(resolveRefs(['Rotated'], entries)).toEqual({ ok: true, ids: ['id-e'] });
  });
  it('says which ref is missing, and which ids share an ambiguous name', () => {
    expect(resolveRefs(['invoice sync (erp)'], entries)).toEqual({
      ok: false,
      code: 'not-found',
      ref: 'invoice sync (erp)',
    });
    expect(resolveRefs(['Twice'], entries)).toEqual({
      ok: false,
      code: 'ambiguous',
      ref: 'Twice',
      ids: ['id-b', 'id-c'],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { parseIndexRecord } from '../../../lib/vault/format';
import { expectVaultError, makeHarness, PASSWORD, sampleEntry } from './helpers';

const seen = {
  status: 'active' as const,
  expiresAt: null,
  lastUsedAt: 1_700_000_100_000,
  at: 1_700_000_200_000,
};

describe('observed page facts in the clear index', () => {
  it('are recorded while locked, kept by later entry writes, and ignored by verify', async () => {
    const { service } = await makeHarness();
    await service.create(PASSWORD);
    const entry = await service.add(sampleEntry());
    await service.lock();
    await service.observe(entry.id, seen);
    expect((await service.listIndex())[0]?.observed).toEqual(seen);
    await service.unlock(PASSWORD);
    await service.update(entry.id, { name: 'renamed' });
    await service.update(entry.id, { state: 'retired' }, 'revoked on DocBits');
    const [rec] = await service.listIndex();
    expect(rec?.observed).toEqual(seen);
    expect(rec?.state).toBe('retired');
    expect((await service.get(entry.id)).history.at(-1)).toMatchObject({
      event: 'state:retired',
      detail: 'revoked on DocBits',
    });
    expect(await service.verify()).toMatchObject({ ok: true });
  });

  it('refuses unknown entries and malformed facts, and never creates an index record', async () => {
    const { service, store } = await makeHarness();
    await service.create(PASSWORD);
    const entry = await service.add(sampleEntry());
    await expectVaultError(service.observe('00000000-0000-4000-8000-000000000000', seen), 'not-found');
    for (const bad of [
      { ...seen, status: 'gone' },
      { ...seen, at: Number.NaN },
      { ...seen, lastUsedAt: '2026' },
      { ...seen, extra: 1 },
    ]) {
      await expectVaultError(service.observe(entry.id, bad as never), 'invalid');
    }
    expect(await store.listIndex()).toHaveLength(1);
    await expect(
      store.putIndexRecord({ ...parseIndexRecord((await store.listIndex())[0]), id: 'nope' }),
    ).rejects.toThrow('No such entry');
    expect(await store.listIndex()).toHaveLength(1);
  });

  it('parseIndexRecord accepts records without observed (older data) and rejects unknown fields', () => {
    const base = {
      id: '00000000-0000-4000-8000-000000000000',
      host: 'app.docbits.com',
      orgId: null,
      prefix: '',
      createdAt: 1,
      expiresAt: null,
      rotateBy: null,
      state: 'active',
    };
    expect(parseIndexRecord(base).observed).toBeUndefined();
    expect(parseIndexRecord({ ...base, observed: seen }).observed).toEqual(seen);
    expect(() => parseIndexRecord({ ...base, observed: { ...seen, secret: 'x' } })).toThrow(/unknown field/);
    expect(() => parseIndexRecord({ ...base, name: 'x' })).toThrow(/unknown field/);
  });
});

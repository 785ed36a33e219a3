import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, DEFAULT_KDF, MIN_KDF } from '../../../lib/vault/crypto';
import {
  type EntryBox,
  FORMAT_VERSION,
  indexRecordOf,
  type Migration,
  parseHeader,
  type StoredVault,
  type VaultHeader,
} from '../../../lib/vault/format';
import type { Entry, IndexRecord } from '../../../lib/vault/model';
import {
  BACKOFF_MAX_MS,
  backoffDelayMs,
  CORRUPT_MESSAGE,
  VaultError,
  VaultService,
} from '../../../lib/vault/service';
import { createMemorySessionKeyStorage } from '../../../lib/vault/session';
import {
  expectSameEntry,
  expectVaultError,
  FAST_KDF,
  flipByte,
  makeHarness,
  PASSWORD,
  randomSecret,
  rawPutEntry,
  sampleEntry,
  T0,
  TEST_FLOOR,
} from './helpers';

async function unlockedHarness() {
  const h = await makeHarness();
  await h.service.create(PASSWORD);
  return h;
}

async function storedHeader(h: { store: { getHeader(): Promise<unknown> } }): Promise<VaultHeader> {
  return parseHeader(await h.store.getHeader());
}

describe('create, unlock, lock', () => {
  it('creates an unlocked vault; lock and unlock work; status reflects it', async () => {
    const h = await makeHarness();
    expect(await h.service.hasVault()).toBe(false);
    expect(await h.service.status()).toEqual({ exists: false, unlocked: false, retryAfterMs: 0 });
    expect(await h.service.isUnlocked()).toBe(false);

    await h.service.create(PASSWORD);
    expect(await h.service.hasVault()).toBe(true);
    expect(await h.service.isUnlocked()).toBe(true);
    expect(await h.service.status()).toEqual({ exists: true, unlocked: true, retryAfterMs: 0 });

    const header = await storedHeader(h);
    expect(header.format).toBe(FORMAT_VERSION);
    expect(header.kdf).toMatchObject({ alg: 'argon2id', ...FAST_KDF });
    expect(base64ToBytes(header.kdf.salt)).toHaveLength(16);

    await h.service.lock();
    expect(await h.service.isUnlocked()).toBe(false);
    expect(await h.session.get()).toBeNull();
    await h.service.unlock(PASSWORD);
    expect(await h.service.isUnlocked()).toBe(true);
  });

  it('refuses a second vault and short passwords', async () => {
    const h = await makeHarness();
    await expectVaultError(h.service.create('short'), 'invalid');
    await expectVaultError(h.service.create(''), 'invalid');
    expect(await h.service.hasVault()).toBe(false);
    await h.service.create(PASSWORD);
    await expectVaultError(h.service.create('another password'), 'exists');
  });

  it('counts password length in characters, not UTF-16 units', async () => {
    const h = await makeHarness();
    // Four emoji are eight UTF-16 units but four characters.
    await expectVaultError(h.service.create('🔑🔑🔑🔑'), 'invalid');
    await h.service.create('🔑🔑🔑🔑🔑🔑🔑🔑');
  });

  it('reports no-vault before a vault exists', async () => {
    const h = await makeHarness();
    await expectVaultError(h.service.unlock(PASSWORD), 'no-vault');
    await expectVaultError(h.service.add(sampleEntry()), 'no-vault');
    await expectVaultError(h.service.changePassword(PASSWORD, 'new password'), 'no-vault');
    expect(await h.service.listIndex()).toEqual([]);
  });

  it('isUnlocked needs the session key of THIS vault', async () => {
    const h = await unlockedHarness();
    const s = await h.session.get();
    if (!s) throw new Error('expected a session key');
    await h.session.set({ vaultId: '9e8d7c6b-5a49-4382-a716-151413121110', key: s.key });
    expect(await h.service.isUnlocked()).toBe(false);
    await expectVaultError(h.service.list(), 'locked');
  });

  it('a new service on the same store and session (worker restart) is still unlocked', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    const again = h.restart();
    expect(await again.isUnlocked()).toBe(true);
    expectSameEntry(await again.get(e.id), e);
  });

  it('refuses KDF costs below the floor', async () => {
    const h = await makeHarness();
    await h.service.create(PASSWORD);
    // The vault was made with FAST_KDF; a service with the real floor refuses to unlock it.
    const strict = new VaultService({ store: h.store, session: createMemorySessionKeyStorage() });
    const err = await expectVaultError(strict.unlock(PASSWORD), 'corrupt');
    expect(err.message).toMatch(/weaker than allowed/);
    expect(
      () => new VaultService({ store: h.store, session: h.session, kdf: FAST_KDF, minKdf: MIN_KDF }),
    ).toThrow(RangeError);
    // A weaker `kdf` given explicitly lowers the default floor to itself (how tests stay fast)...
    const weak = new VaultService({
      store: h.store,
      session: createMemorySessionKeyStorage(),
      kdf: FAST_KDF,
    });
    await weak.unlock(PASSWORD);
    // ...but not below it: a header weaker than the configured kdf is still refused.
    const tiny = new VaultService({
      store: h.store,
      session: createMemorySessionKeyStorage(),
      kdf: { memoryKiB: 512, iterations: 1, parallelism: 1 },
    });
    await expectVaultError(tiny.unlock(PASSWORD), 'corrupt');
    expect(
      () =>
        new VaultService({
          store: h.store,
          session: h.session,
          kdf: { memoryKiB: 4, iterations: 1, parallelism: 1 },
          minKdf: TEST_FLOOR,
        }),
    ).toThrow(RangeError);
    expect(MIN_KDF.memoryKiB).toBeGreaterThan(FAST_KDF.memoryKiB);
  });
});

describe('wrong passwords and backoff', () => {
  it('says bad-password and wipes nothing', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    await h.service.lock();
    const before = await h.store.dump();
    for (let i = 0; i < 12; i++) {
      await expectVaultError(h.service.unlock(`wrong password ${i}`), 'bad-password');
      h.clock.t += BACKOFF_MAX_MS;
    }
    const after = await h.store.dump();
    expect(after.entries).toEqual(before.entries);
    expect(after.index).toEqual(before.index);
    expect(after.meta.header).toEqual(before.meta.header);
    await h.service.unlock(PASSWORD);
    expectSameEntry(await h.service.get(e.id), e);
  });

  it('grows exponentially, caps at 60 s, refuses without checking, and resets on success', async () => {
    const h = await unlockedHarness();
    await h.service.lock();
    const expected = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
    for (const [i, wait] of expected.entries()) {
      await expectVaultError(h.service.unlock('wrong password'), 'bad-password');
      expect((await h.service.status()).retryAfterMs).toBe(wait);
      // During the backoff even the right password is refused: nothing is derived or compared.
      const refused = await expectVaultError(h.service.unlock(PASSWORD), 'backoff');
      expect(refused.retryAfterMs).toBe(wait);
      h.clock.t += wait - 1;
      const almost = await expectVaultError(h.service.unlock(PASSWORD), 'backoff');
      expect(almost.retryAfterMs).toBe(1);
      h.clock.t += 1;
      expect(await h.store.getMeta('backoff')).toEqual({ failures: i + 1, lastFailureAt: h.clock.t - wait });
    }
    expect(backoffDelayMs(1000)).toBe(BACKOFF_MAX_MS);
    await h.service.unlock(PASSWORD);
    expect(await h.store.getMeta('backoff')).toBeUndefined();
    expect((await h.service.status()).retryAfterMs).toBe(0);
    await h.service.lock();
    await expectVaultError(h.service.unlock('wrong password'), 'bad-password');
    expect((await h.service.status()).retryAfterMs).toBe(1000);
  });

  it('survives a new service instance on the same store', async () => {
    const h = await unlockedHarness();
    await h.service.lock();
    for (let i = 0; i < 3; i++) {
      await expectVaultError(h.service.unlock('wrong password'), 'bad-password');
      h.clock.t += backoffDelayMs(i + 1);
    }
    h.clock.t -= backoffDelayMs(3);
    const restarted = h.restart();
    const err = await expectVaultError(restarted.unlock(PASSWORD), 'backoff');
    expect(err.retryAfterMs).toBe(4000);
    expect((await restarted.status()).retryAfterMs).toBe(4000);
  });

  it('does not let a clock that went backwards stretch the wait', async () => {
    const h = await unlockedHarness();
    await h.service.lock();
    await expectVaultError(h.service.unlock('wrong password'), 'bad-password');
    h.clock.t -= 3_600_000;
    expect((await h.service.status()).retryAfterMs).toBe(1000);
    const err = await expectVaultError(h.service.unlock(PASSWORD), 'backoff');
    expect(err.retryAfterMs).toBe(1000);
    h.clock.t += 1000;
    await h.service.unlock(PASSWORD);
  });

  it('serialises parallel guesses so they cannot slip past the backoff together', async () => {
    const h = await unlockedHarness();
    await h.service.lock();
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => h.service.unlock(`wrong ${i}`)));
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as VaultError).code : 'ok'));
    expect(codes).toEqual(['bad-password', 'backoff', 'backoff', 'backoff']);
  });
});

describe('changePassword', () => {
  it('re-wraps the same data key: every entry survives and the old password stops working', async () => {
    const h = await unlockedHarness();
    const entries = [];
    for (let i = 0; i < 3; i++) entries.push(await h.service.add(sampleEntry()));
    const boxesBefore = (await h.store.dump()).entries;
    const headerBefore = await storedHeader(h);

    await h.service.changePassword(PASSWORD, 'a brand new password');
    const headerAfter = await storedHeader(h);
    expect(headerAfter.vaultId).toBe(headerBefore.vaultId);
    expect(headerAfter.kdf.salt).not.toBe(headerBefore.kdf.salt);
    expect(headerAfter.wrappedKey.ct).not.toBe(headerBefore.wrappedKey.ct);
    expect((await h.store.dump()).entries).toEqual(boxesBefore);
    expect(await h.service.isUnlocked()).toBe(true);

    await h.service.lock();
    await expectVaultError(h.service.unlock(PASSWORD), 'bad-password');
    h.clock.t += BACKOFF_MAX_MS;
    await h.service.unlock('a brand new password');
    for (const e of entries) expectSameEntry(await h.service.get(e.id), e);
  });

  it('checks the old password like an unlock (backoff included) and validates the new one', async () => {
    const h = await unlockedHarness();
    await expectVaultError(h.service.changePassword(PASSWORD, 'short'), 'invalid');
    await expectVaultError(h.service.changePassword('not the password', 'a new password'), 'bad-password');
    await expectVaultError(h.service.changePassword(PASSWORD, 'a new password'), 'backoff');
    h.clock.t += 1000;
    await h.service.changePassword(PASSWORD, 'a new password');
  });
});

describe('entries', () => {
  it('add fills in id, state, defaults and the created event', async () => {
    const h = await unlockedHarness();
    const input = sampleEntry({ name: '  Padded name  ', host: 'App.DocBits.com', source: 'captured' });
    const e = await h.service.add(input);
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.secret === input.secret).toBe(true);
    const { secret: _s, ...rest } = e;
    expect(rest).toEqual({
      id: e.id,
      name: 'Padded name',
      notes: '',
      host: 'app.docbits.com',
      orgId: null,
      environment: 'production',
      prefix: '',
      createdAt: T0,
      expiresAt: null,
      rotateAfterDays: null,
      state: 'active',
      source: 'captured',
      successorId: null,
      predecessorId: null,
      history: [{ at: T0, event: 'created', detail: 'captured' }],
    });
    expectSameEntry(await h.service.get(e.id), e);
    expect(await h.service.listIndex()).toEqual([indexRecordOf(e)]);
  });

  it('keeps optional fields that are given', async () => {
    const h = await unlockedHarness();
    const pred = await h.service.add(sampleEntry());
    const e = await h.service.add(
      sampleEntry({
        notes: 'n',
        orgId: 'org-1',
        prefix: 'dbk_live',
        createdAt: 1000,
        expiresAt: 2000,
        rotateAfterDays: 30,
        predecessorId: pred.id,
      }),
    );
    expect(e).toMatchObject({
      notes: 'n',
      orgId: 'org-1',
      prefix: 'dbk_live',
      createdAt: 1000,
      expiresAt: 2000,
    });
    expect(e.predecessorId).toBe(pred.id);
    const rec = (await h.service.listIndex()).find((r) => r.id === e.id);
    expect(rec?.rotateBy).toBe(1000 + 30 * 86_400_000);
  });

  it('validates every field with a message that never echoes the value', async () => {
    const h = await unlockedHarness();
    const secret = randomSecret();
    const bad: [string, Record<string, unknown>][] = [
      ['empty name', { name: '' }],
      ['blank name', { name: '   ' }],
      ['long name', { name: 'n'.repeat(201) }],
      ['empty secret', { secret: '' }],
      ['long secret', { secret: secret.repeat(200) }],
      ['long notes', { notes: 'x'.repeat(10001) }],
      ['host with scheme', { host: 'https://app.docbits.com' }],
      ['host with path', { host: 'app.docbits.com/keys' }],
      ['host with port', { host: 'app.docbits.com:443' }],
      ['empty host', { host: '' }],
      ['environment', { environment: 'staging' }],
      ['source', { source: 'stolen' }],
      ['createdAt NaN', { createdAt: Number.NaN }],
      ['createdAt Infinity', { createdAt: Number.POSITIVE_INFINITY }],
      ['createdAt null', { createdAt: null }],
      ['expiresAt string', { expiresAt: '2030-01-01' }],
      ['rotateAfterDays fraction', { rotateAfterDays: 1.5 }],
      ['rotateAfterDays zero', { rotateAfterDays: 0 }],
      ['orgId number', { orgId: 42 }],
      ['predecessorId not uuid', { predecessorId: 'x' }],
      ['secret not a string', { secret: 12345678 }],
      ['unknown field', { state: 'retired' }],
      ['unknown field 2', { id: crypto.randomUUID() }],
    ];
    for (const [, override] of bad) {
      const err = await expectVaultError(
        h.service.add({ ...sampleEntry({ secret }), ...override }),
        'invalid',
      );
      expect(err.message.includes(secret)).toBe(false);
    }
    await expectVaultError(h.service.add(null as unknown as Parameters<VaultService['add']>[0]), 'invalid');
    expect(await h.service.list()).toEqual([]);
  });

  it('update records changed field names and state changes in history', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry({ rotateAfterDays: 10 }));
    h.clock.t = T0 + 5000;
    const newSecret = randomSecret();
    const u1 = await h.service.update(e.id, { name: 'Renamed', secret: newSecret, notes: e.notes });
    expect(u1.name).toBe('Renamed');
    expect(u1.secret === newSecret).toBe(true);
    expect(u1.history).toEqual([...e.history, { at: T0 + 5000, event: 'updated', detail: 'name,secret' }]);

    h.clock.t = T0 + 6000;
    const u2 = await h.service.update(e.id, { state: 'retired', expiresAt: 123 });
    expect(u2.history.slice(-2)).toEqual([
      { at: T0 + 6000, event: 'updated', detail: 'expiresAt' },
      { at: T0 + 6000, event: 'state:retired' },
    ]);
    const u3 = await h.service.update(e.id, { state: 'active' });
    expect(u3.history.at(-1)).toEqual({ at: T0 + 6000, event: 'state:active' });

    expectSameEntry(await h.service.get(e.id), u3);
    const rec = (await h.service.listIndex()).find((r) => r.id === e.id);
    expect(rec).toEqual(indexRecordOf(u3));
    expect(rec?.expiresAt).toBe(123);
  });

  it('update with no effective change writes nothing', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    const before = await h.store.getEntry(e.id);
    const same = await h.service.update(e.id, { name: e.name, state: 'active', notes: undefined });
    expect(same.history).toEqual(e.history);
    expect(await h.store.getEntry(e.id)).toEqual(before);
  });

  it('update validates, refuses unknown or read-only fields and unknown ids', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    await expectVaultError(h.service.update(e.id, { state: 'gone' } as never), 'invalid');
    await expectVaultError(h.service.update(e.id, { name: '' }), 'invalid');
    await expectVaultError(h.service.update(e.id, { secret: 'x'.repeat(4097) }), 'invalid');
    await expectVaultError(h.service.update(e.id, { expiresAt: Number.NaN }), 'invalid');
    await expectVaultError(h.service.update(e.id, { host: 'evil.example' } as never), 'invalid');
    await expectVaultError(h.service.update(e.id, { history: [] } as never), 'invalid');
    await expectVaultError(h.service.update(e.id, { successorId: e.id }), 'invalid');
    await expectVaultError(h.service.update(crypto.randomUUID(), { name: 'x' }), 'not-found');
    await expectVaultError(h.service.update(42 as unknown as string, { name: 'x' }), 'invalid');
    expectSameEntry(await h.service.get(e.id), e);
  });

  it('remove deletes box and index record; unknown ids are not-found', async () => {
    const h = await unlockedHarness();
    const a = await h.service.add(sampleEntry());
    const b = await h.service.add(sampleEntry());
    await h.service.remove(a.id);
    await expectVaultError(h.service.get(a.id), 'not-found');
    await expectVaultError(h.service.remove(a.id), 'not-found');
    expect((await h.service.listIndex()).map((r) => r.id)).toEqual([b.id]);
    expect((await h.service.list()).map((s) => s.id)).toEqual([b.id]);
  });

  it('list has no secret and no history anywhere, and sorts by name ignoring case and accents', async () => {
    const h = await unlockedHarness();
    const secrets: string[] = [];
    for (const name of ['beta', 'Émile', 'alpha', 'Zulu', 'emma', 'Alpha']) {
      const input = sampleEntry({ name, notes: `notes for ${name}` });
      secrets.push(input.secret);
      await h.service.add(input);
    }
    const list = await h.service.list();
    expect(list.map((s) => s.name)).toEqual(['Alpha', 'alpha', 'beta', 'Émile', 'emma', 'Zulu']);
    const json = JSON.stringify(list);
    expect(secrets.some((s) => json.includes(s))).toBe(false);
    for (const s of list) {
      expect('secret' in s).toBe(false);
      expect('history' in s).toBe(false);
    }
    // The cached second call is identical, and callers cannot edit the cache through what they get.
    (list[0] as { name: string }).name = 'mutated';
    expect((await h.service.list()).map((s) => s.name)).toEqual([
      'Alpha',
      'alpha',
      'beta',
      'Émile',
      'emma',
      'Zulu',
    ]);
  });

  it('list reflects writes made after it was first called', async () => {
    const h = await unlockedHarness();
    const a = await h.service.add(sampleEntry({ name: 'a' }));
    expect((await h.service.list()).map((s) => s.name)).toEqual(['a']);
    await h.service.update(a.id, { name: 'c' });
    await h.service.add(sampleEntry({ name: 'b' }));
    expect((await h.service.list()).map((s) => s.name)).toEqual(['b', 'c']);
  });

  it('every entry operation except listIndex says locked while locked', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    await h.service.list();
    await h.service.lock();
    await expectVaultError(h.service.add(sampleEntry()), 'locked');
    await expectVaultError(h.service.update(e.id, { name: 'x' }), 'locked');
    await expectVaultError(h.service.remove(e.id), 'locked');
    await expectVaultError(h.service.get(e.id), 'locked');
    await expectVaultError(h.service.list(), 'locked');
    await expectVaultError(h.service.verify(), 'locked');
    expect(await h.service.listIndex()).toEqual([indexRecordOf(e)]);
  });
});

describe('tampering', () => {
  it('rejects every single-byte flip of a stored box with the one generic error; other entries still open', async () => {
    const h = await unlockedHarness();
    const target = await h.service.add(sampleEntry({ notes: 'some notes' }));
    const other = await h.service.add(sampleEntry());
    const box = (await h.store.getEntry(target.id)) as EntryBox;
    const rec = indexRecordOf(target);
    const messages = new Set<string>();
    const flips: EntryBox[] = [];
    for (let i = 0; i < base64ToBytes(box.nonce).length; i++)
      flips.push({ ...box, nonce: flipByte(box.nonce, i) });
    for (let i = 0; i < base64ToBytes(box.ct).length; i++) flips.push({ ...box, ct: flipByte(box.ct, i) });
    for (const bad of flips) {
      await rawPutEntry(h.store, bad, rec);
      const err = await expectVaultError(h.service.get(target.id), 'corrupt');
      messages.add(err.message);
      expect((await h.service.verify()).problems).toContain(`${target.id}: does not decrypt`);
    }
    expect([...messages]).toEqual([CORRUPT_MESSAGE]);
    expectSameEntry(await h.service.get(other.id), other);
    // list() reads the catalog, not the boxes; without a catalog (an older vault) it opens every box and
    // fails loudly.
    expect(await h.service.list()).toHaveLength(2);
    await h.store.deleteMeta('catalog');
    await expectVaultError(h.restart().list(), 'corrupt');
    await rawPutEntry(h.store, box, rec);
    expectSameEntry(await h.service.get(target.id), target);
    expect(await h.service.list()).toHaveLength(2);
    expect((await h.service.verify()).ok).toBe(true);
  });

  it('rejects boxes swapped between entries or replayed under another id', async () => {
    const h = await unlockedHarness();
    const a = await h.service.add(sampleEntry());
    const b = await h.service.add(sampleEntry());
    const boxA = (await h.store.getEntry(a.id)) as EntryBox;
    const boxB = (await h.store.getEntry(b.id)) as EntryBox;
    // Swap contents.
    await rawPutEntry(h.store, { ...boxB, id: a.id }, indexRecordOf(a));
    await rawPutEntry(h.store, { ...boxA, id: b.id }, indexRecordOf(b));
    await expectVaultError(h.service.get(a.id), 'corrupt');
    await expectVaultError(h.service.get(b.id), 'corrupt');
    // Replay a's box as a brand-new entry id.
    const id = crypto.randomUUID();
    await rawPutEntry(h.store, { ...boxA, id }, { ...indexRecordOf(a), id });
    await expectVaultError(h.service.get(id), 'corrupt');
  });

  it('rejects a box moved from another vault, even under the same id', async () => {
    const one = await unlockedHarness();
    const two = await unlockedHarness();
    const e = await one.service.add(sampleEntry());
    const box = (await one.store.getEntry(e.id)) as EntryBox;
    await rawPutEntry(two.store, box, indexRecordOf(e));
    await expectVaultError(two.service.get(e.id), 'corrupt');
    const verify = await two.service.verify();
    expect(verify.ok).toBe(false);
    expect(verify.problems).toEqual([`${e.id}: does not decrypt`]);
    // Removing the foreign box works although it does not open.
    await two.service.remove(e.id);
    expect(await two.service.verify()).toEqual({ ok: true, entries: 0, problems: [] });
  });

  it('every single-byte flip of the wrapped key or salt makes unlock fail with bad-password', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    await h.service.lock();
    const header = await storedHeader(h);
    const variants: VaultHeader[] = [];
    const { wrappedKey, kdf } = header;
    for (let i = 0; i < 24; i++)
      variants.push({ ...header, wrappedKey: { ...wrappedKey, nonce: flipByte(wrappedKey.nonce, i) } });
    for (let i = 0; i < 48; i++)
      variants.push({ ...header, wrappedKey: { ...wrappedKey, ct: flipByte(wrappedKey.ct, i) } });
    for (let i = 0; i < base64ToBytes(kdf.salt).length; i++)
      variants.push({ ...header, kdf: { ...kdf, salt: flipByte(kdf.salt, i) } });
    // The KDF cost and vault id are bound by the AAD as well.
    variants.push({ ...header, kdf: { ...kdf, iterations: kdf.iterations + 1 } });
    variants.push({ ...header, kdf: { ...kdf, memoryKiB: kdf.memoryKiB + 8 } });
    variants.push({ ...header, vaultId: '9e8d7c6b-5a49-4382-a716-151413121110' });
    for (const v of variants) {
      await h.store.putHeader(v);
      await expectVaultError(h.service.unlock(PASSWORD), 'bad-password');
      await h.store.deleteMeta('backoff');
    }
    expect(variants.length).toBe(24 + 48 + 16 + 3);
    await h.store.putHeader(header);
    await h.service.unlock(PASSWORD);
    expectSameEntry(await h.service.get(e.id), e);
  });

  it('a malformed header is reported as corrupt with a clear message', async () => {
    const h = await unlockedHarness();
    const header = await storedHeader(h);
    await h.store.putMeta('header', { ...header, wrappedKey: { ...header.wrappedKey, ct: 'AAAA' } });
    const err = await expectVaultError(h.service.unlock(PASSWORD), 'corrupt');
    expect(err.message).toMatch(/wrappedKey\.ct/);
    await h.store.putMeta('header', { ...header, format: 2 });
    const newer = await expectVaultError(h.service.status(), 'corrupt');
    expect(newer.message).toMatch(/newer/);
    expect(await h.service.isUnlocked()).toBe(false);
  });
});

describe('verify', () => {
  it('is ok for a clean vault', async () => {
    const h = await unlockedHarness();
    for (let i = 0; i < 3; i++) await h.service.add(sampleEntry());
    expect(await h.service.verify()).toEqual({ ok: true, entries: 3, problems: [] });
  });

  it('names a tampered box, an index out of step, a missing and an orphan index record — never contents', async () => {
    const h = await unlockedHarness();
    const secrets: string[] = [];
    const add = async () => {
      const input = sampleEntry();
      secrets.push(input.secret);
      return h.service.add(input);
    };
    const tampered = await add();
    const stepped = await add();
    const unindexed = await add();
    const fine = await add();

    const box = (await h.store.getEntry(tampered.id)) as EntryBox;
    await rawPutEntry(h.store, { ...box, ct: flipByte(box.ct, 0) }, indexRecordOf(tampered));
    const stale: IndexRecord = { ...indexRecordOf(stepped), host: 'other.example', state: 'retired' };
    await rawPutEntry(h.store, await h.store.getEntry(stepped.id), stale);
    // Remove only the index record of `unindexed`, and add an index record without an entry.
    const dump = await h.store.dump();
    const orphan = crypto.randomUUID();
    await h.store.replaceAll({
      ...dump,
      index: [
        ...dump.index.filter((r) => (r as IndexRecord).id !== unindexed.id),
        { ...indexRecordOf(fine), id: orphan },
        { id: 'junk' },
      ],
    });

    const report = await h.service.verify();
    expect(report.ok).toBe(false);
    expect(report.entries).toBe(4);
    expect(report.problems.sort()).toEqual(
      [
        '(record without a valid id): malformed index record',
        `${tampered.id}: does not decrypt`,
        `${stepped.id}: index out of step (host, state)`,
        `${unindexed.id}: no index record`,
        `${orphan}: index record without an entry`,
      ].sort(),
    );
    const json = JSON.stringify(report);
    expect(secrets.some((s) => json.includes(s))).toBe(false);
    // listIndex leaves the malformed record out rather than failing.
    expect((await h.service.listIndex()).some((r) => r.id === 'junk')).toBe(false);
  });
});

describe('concurrency', () => {
  it('concurrent adds and updates on different entries lose no writes', async () => {
    const h = await unlockedHarness();
    const initial = await Promise.all(Array.from({ length: 10 }, () => h.service.add(sampleEntry())));
    const more = Array.from({ length: 10 }, () => h.service.add(sampleEntry()));
    const updates = initial.map((e, i) => h.service.update(e.id, { name: `updated ${i}`, notes: `n${i}` }));
    const [added] = await Promise.all([Promise.all(more), Promise.all(updates)]);
    const list = await h.service.list();
    expect(list).toHaveLength(20);
    for (const [i, e] of initial.entries()) {
      const got = await h.service.get(e.id);
      expect(got.name).toBe(`updated ${i}`);
      expect(got.notes).toBe(`n${i}`);
    }
    for (const e of added) expectSameEntry(await h.service.get(e.id), e);
    expect((await h.service.verify()).ok).toBe(true);
  });

  it('concurrent updates of the same entry all land, in order', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    await Promise.all(Array.from({ length: 8 }, (_, i) => h.service.update(e.id, { notes: `note ${i}` })));
    const got = await h.service.get(e.id);
    expect(got.notes).toBe('note 7');
    expect(got.history.filter((ev) => ev.event === 'updated')).toHaveLength(8);
  });

  it('a remove racing an update does not resurrect the entry', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    const [upd, rem] = await Promise.allSettled([
      h.service.update(e.id, { name: 'x' }),
      h.service.remove(e.id),
    ]);
    expect(upd.status).toBe('fulfilled');
    expect(rem.status).toBe('fulfilled');
    await expectVaultError(h.service.get(e.id), 'not-found');
    expect(await h.service.listIndex()).toEqual([]);
  });
});

describe('migration through the service', () => {
  it('migrates old stored data once, before unlocking', async () => {
    const h = await unlockedHarness();
    const e = await h.service.add(sampleEntry());
    await h.service.lock();
    const v1 = await h.store.dump();
    // Pretend the data is an older format that differs only in its version numbers.
    const header = v1.meta.header as Record<string, unknown>;
    const v0: StoredVault = {
      ...v1,
      meta: { ...v1.meta, header: { ...header, format: 0 } },
      entries: v1.entries.map((b) => ({ ...(b as object), format: 0 })),
    };
    await h.store.replaceAll(v0);
    let runs = 0;
    const step: Migration = {
      from: 0,
      to: 1,
      migrate(stored) {
        runs++;
        return {
          ...stored,
          meta: { ...stored.meta, header: { ...(stored.meta.header as object), format: 1 } },
          entries: stored.entries.map((b) => ({ ...(b as object), format: 1 })),
        };
      },
    };
    const service = h.restart();
    await expectVaultError(service.unlock(PASSWORD), 'corrupt'); // no step for 0 in the real list
    const migrating = new VaultService({
      store: h.store,
      session: h.session,
      now: h.clock.now,
      kdf: FAST_KDF,
      minKdf: TEST_FLOOR,
      migrations: [step],
    });
    await Promise.all([migrating.status(), migrating.listIndex(), migrating.unlock(PASSWORD)]);
    expect(runs).toBe(1);
    // Migrating drops the derived catalog; the first list rebuilds it from the migrated boxes.
    const { catalog, ...metaWithoutCatalog } = v1.meta;
    expect(catalog).toBeDefined();
    expect(await h.store.dump()).toEqual({ ...v1, meta: metaWithoutCatalog });
    expectSameEntry(await migrating.get(e.id), e);
    expect((await migrating.list()).map((s) => s.id)).toEqual([e.id]);
    expect(await h.store.getCatalog()).toBeDefined();
    expect(await migrating.verify()).toEqual({ ok: true, entries: 1, problems: [] });
  });
});

describe('secrets never appear in errors', () => {
  it('no VaultError message contains the password or a secret', async () => {
    const h = await unlockedHarness();
    const secret = randomSecret();
    const e = await h.service.add(sampleEntry({ secret }));
    const errors: unknown[] = [];
    const collect = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        errors.push(err);
      }
    };
    await collect(h.service.create(PASSWORD));
    await collect(h.service.update(e.id, { secret: `${secret}${'x'.repeat(5000)}` }));
    await collect(h.service.add(sampleEntry({ secret, name: '' })));
    await h.service.lock();
    await collect(h.service.unlock(`${PASSWORD}x`));
    await collect(h.service.unlock(PASSWORD));
    await collect(h.service.changePassword(PASSWORD, 'short'));
    expect(errors.length).toBe(6);
    for (const err of errors) {
      expect(err).toBeInstanceOf(VaultError);
      const text = `${(err as Error).message} ${JSON.stringify(err)}`;
      expect(text.includes(PASSWORD)).toBe(false);
      expect(text.includes(secret)).toBe(false);
    }
  });
});

describe('default KDF', () => {
  it('creates and unlocks a vault with DEFAULT_KDF (64 MiB, t=3, p=4)', async () => {
    const h = await makeHarness();
    const service = new VaultService({ store: h.store, session: h.session });
    await service.create(PASSWORD);
    const header = await storedHeader(h);
    expect(header.kdf).toMatchObject({ alg: 'argon2id', ...DEFAULT_KDF });
    const e = await service.add(sampleEntry());
    await service.lock();
    await service.unlock(PASSWORD);
    expectSameEntry(await service.get(e.id), e);
    expect(bytesToBase64(base64ToBytes(header.kdf.salt))).toBe(header.kdf.salt);
  });
});

describe('Entry typing sanity', () => {
  it('the summary type keeps every non-secret field', async () => {
    const h = await unlockedHarness();
    const e: Entry = await h.service.add(sampleEntry());
    const [summary] = await h.service.list();
    const { secret: _s, history: _h, ...expected } = e;
    expect(summary).toEqual(expected);
  });
});

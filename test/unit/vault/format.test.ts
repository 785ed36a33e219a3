import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  DecryptError,
  open,
  randomBytes,
  seal,
  utf8Decode,
  utf8Encode,
} from '../../../lib/vault/crypto';
import {
  CATALOG_META_KEY,
  type CatalogItem,
  catalogAad,
  catalogItemOf,
  entryAad,
  FORMAT_VERSION,
  FormatError,
  headerAad,
  indexRecordOf,
  type Migration,
  makeHeader,
  migrateStored,
  migrations,
  openCatalog,
  openEntry,
  parseCatalogBox,
  parseEntryBox,
  parseHeader,
  parseIndexRecord,
  type StoredVault,
  SUMMARY_KEYS,
  sealCatalog,
  sealEntry,
  storedVersion,
  summaryOf,
  unwrapDataKey,
} from '../../../lib/vault/format';
import type { Entry } from '../../../lib/vault/model';
import { expectSameEntry, randomSecret } from './helpers';

const VAULT = '0b4f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER_VAULT = '9e8d7c6b-5a49-4382-a716-151413121110';

function entry(overrides: Partial<Entry> = {}): Entry {
  return {
    id: crypto.randomUUID(),
    name: 'Production integration',
    secret: randomSecret(),
    notes: 'Used by the ERP connector',
    host: 'app.docbits.com',
    orgId: 'org-42',
    environment: 'production',
    prefix: 'dbk_live',
    createdAt: 1_700_000_000_000,
    expiresAt: null,
    rotateAfterDays: 90,
    state: 'active',
    source: 'captured',
    successorId: null,
    predecessorId: null,
    history: [{ at: 1_700_000_000_000, event: 'created', detail: 'captured' }],
    ...overrides,
  };
}

function header() {
  const kdf = {
    alg: 'argon2id' as const,
    memoryKiB: 64,
    iterations: 1,
    parallelism: 1,
    salt: randomBytes(16),
  };
  const kek = randomBytes(32);
  const dataKey = randomBytes(32);
  return { h: makeHeader(VAULT, kdf, kek, dataKey), kek, dataKey };
}

/** Catches what `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectFormatError(fn: () => unknown, match?: RegExp): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(FormatError);
  if (match) expect((e as Error).message).toMatch(match);
}

describe('AAD strings', () => {
  it('are pinned: changing them breaks every stored vault', () => {
    const id = '11111111-2222-4333-8444-555555555555';
    expect(utf8Decode(entryAad(VAULT, id))).toBe(`keyguard/v1/vault:${VAULT}/entry:${id}`);
    expect(
      utf8Decode(
        headerAad(VAULT, { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 4, salt: 'AAAA' }),
      ),
    ).toBe(`keyguard/v1/vault:${VAULT}/key/argon2id:m=65536,t=3,p=4,salt=AAAA`);
    expect(utf8Decode(catalogAad(VAULT))).toBe(`keyguard/v1/vault:${VAULT}/catalog`);
    expect(CATALOG_META_KEY).toBe('catalog');
    expect(FORMAT_VERSION).toBe(1);
  });
});

describe('header', () => {
  it('round-trips through JSON and parseHeader, and unwraps the data key', () => {
    const { h, kek, dataKey } = header();
    const parsed = parseHeader(JSON.parse(JSON.stringify(h)));
    expect(parsed).toEqual(h);
    expect(bytesToBase64(unwrapDataKey(parsed, kek))).toBe(bytesToBase64(dataKey));
    expect(() => unwrapDataKey(parsed, randomBytes(32))).toThrow(DecryptError);
  });

  it('binds the vault id and every KDF parameter', () => {
    const { h, kek } = header();
    const variants = [
      { ...h, vaultId: OTHER_VAULT },
      { ...h, kdf: { ...h.kdf, memoryKiB: 72 } },
      { ...h, kdf: { ...h.kdf, iterations: 2 } },
      { ...h, kdf: { ...h.kdf, parallelism: 2 } },
      { ...h, kdf: { ...h.kdf, salt: bytesToBase64(randomBytes(16)) } },
    ];
    for (const v of variants) {
      expect(() => unwrapDataKey(parseHeader(v), kek)).toThrow(DecryptError);
    }
  });

  it('rejects malformed headers with a FormatError', () => {
    const { h } = header();
    const bad: unknown[] = [
      null,
      'header',
      [],
      { ...h, extra: 1 },
      { ...h, vaultId: 'not-a-uuid' },
      { ...h, kdf: { ...h.kdf, alg: 'argon2i' } },
      { ...h, kdf: { ...h.kdf, memoryKiB: 4 } },
      { ...h, kdf: { ...h.kdf, memoryKiB: 64, parallelism: 16 } },
      { ...h, kdf: { ...h.kdf, memoryKiB: 4 * 1024 * 1024 } },
      { ...h, kdf: { ...h.kdf, iterations: 0 } },
      { ...h, kdf: { ...h.kdf, iterations: 1.5 } },
      { ...h, kdf: { ...h.kdf, iterations: 1000 } },
      { ...h, kdf: { ...h.kdf, salt: bytesToBase64(randomBytes(8)) } },
      { ...h, kdf: { ...h.kdf, salt: 'not base64!' } },
      { ...h, kdf: { ...h.kdf, extra: true } },
      { ...h, wrappedKey: { ...h.wrappedKey, nonce: bytesToBase64(randomBytes(12)) } },
      { ...h, wrappedKey: { ...h.wrappedKey, ct: bytesToBase64(randomBytes(47)) } },
      { ...h, wrappedKey: { nonce: h.wrappedKey.nonce } },
      { format: 1 },
    ];
    for (const v of bad) expectFormatError(() => parseHeader(v));
  });

  it('names the problem for unknown format versions', () => {
    const { h } = header();
    expectFormatError(() => parseHeader({ ...h, format: 2 }), /format version 2.*newer/);
    expectFormatError(() => parseHeader({ ...h, format: 0 }), /old format version 0.*migrated/);
    expectFormatError(() => parseHeader({ ...h, format: '1' }), /no valid format version/);
    expectFormatError(() => parseHeader({ ...h, format: undefined }), /no valid format version/);
  });
});

describe('entry boxes', () => {
  it('round-trip the whole entry', () => {
    const key = randomBytes(32);
    const e = entry({ notes: 'Ünïcödé ✓ and "quotes"', expiresAt: 1_800_000_000_000 });
    const box = sealEntry(key, VAULT, e);
    expect(Object.keys(box).sort()).toEqual(['ct', 'format', 'id', 'nonce']);
    expect(JSON.stringify(box).includes(e.secret)).toBe(false);
    expect(JSON.stringify(box).includes(e.name)).toBe(false);
    const parsed = parseEntryBox(JSON.parse(JSON.stringify(box)));
    expectSameEntry(openEntry(key, VAULT, parsed), e);
  });

  it('leave stray properties of the input out of the box', () => {
    const key = randomBytes(32);
    const e = { ...entry(), extra: 'stray' } as Entry;
    const opened = openEntry(key, VAULT, parseEntryBox(sealEntry(key, VAULT, e)));
    expect('extra' in opened).toBe(false);
  });

  it('only open in their own vault under their own id', () => {
    const key = randomBytes(32);
    const e = entry();
    const box = sealEntry(key, VAULT, e);
    // Same key, other vault id: the AAD alone must stop it.
    expect(() => openEntry(key, OTHER_VAULT, parseEntryBox(box))).toThrow(DecryptError);
    // Replayed under another id.
    expect(() => openEntry(key, VAULT, parseEntryBox({ ...box, id: crypto.randomUUID() }))).toThrow(
      DecryptError,
    );
    expect(() => openEntry(randomBytes(32), VAULT, parseEntryBox(box))).toThrow(DecryptError);
  });

  it('treat a valid box whose plaintext is not a valid entry as undecryptable', () => {
    const key = randomBytes(32);
    const e = entry();
    const bad = { ...e, environment: 'staging' } as unknown as Entry;
    expect(() => openEntry(key, VAULT, parseEntryBox(sealEntry(key, VAULT, bad)))).toThrow(DecryptError);
  });

  it('openEntry on an unparsed box with broken base64 still throws only DecryptError', () => {
    const key = randomBytes(32);
    const box = sealEntry(key, VAULT, entry());
    expect(() => openEntry(key, VAULT, { ...box, ct: '!!!!' })).toThrow(DecryptError);
  });

  it('parseEntryBox is strict', () => {
    const box = sealEntry(randomBytes(32), VAULT, entry());
    const bad: unknown[] = [
      undefined,
      { ...box, extra: 1 },
      { ...box, id: 'x' },
      { ...box, nonce: bytesToBase64(randomBytes(12)) },
      { ...box, ct: bytesToBase64(randomBytes(10)) },
      { ...box, ct: `${box.ct}\n` },
      { id: box.id, nonce: box.nonce, ct: box.ct },
    ];
    for (const v of bad) expectFormatError(() => parseEntryBox(v));
    expectFormatError(() => parseEntryBox({ ...box, format: 7 }), /format version 7/);
    expect(Object.isFrozen(parseEntryBox(box))).toBe(true);
  });
});

describe('entry catalog', () => {
  /** A catalog box whose plaintext is exactly `json`, sealed properly (to test plaintext validation). */
  function sealRaw(key: Uint8Array, json: string) {
    const { nonce, ct } = seal(key, utf8Encode(json), catalogAad(VAULT));
    return parseCatalogBox({ format: 1, nonce: bytesToBase64(nonce), ct: bytesToBase64(ct) });
  }

  function items(n: number): { entries: Entry[]; items: CatalogItem[] } {
    const entries = Array.from({ length: n }, (_, i) => entry({ name: `Key ${i}`, notes: `notes ${i}` }));
    return { entries, items: entries.map((e) => catalogItemOf(e, bytesToBase64(randomBytes(24)))) };
  }

  it('round-trips summaries and box nonces; never holds a secret or the history', () => {
    const key = randomBytes(32);
    const { entries, items: list } = items(3);
    // Even items that carry whole entries (secret and all) are reduced to summaries.
    const leaky = list.map((it, i) => ({ ...it, extra: 'stray', summary: entries[i] as Entry }));
    const box = sealCatalog(key, VAULT, leaky);
    expect(Object.keys(box).sort()).toEqual(['ct', 'format', 'nonce']);
    const plain = utf8Decode(open(key, base64ToBytes(box.nonce), base64ToBytes(box.ct), catalogAad(VAULT)));
    for (const e of entries) expect(plain.includes(e.secret)).toBe(false);
    expect(plain.includes('history')).toBe(false);
    expect(plain.includes('stray')).toBe(false);
    const opened = openCatalog(key, VAULT, parseCatalogBox(JSON.parse(JSON.stringify(box))));
    expect(opened).toEqual(list);
    for (const it of opened) expect(Object.keys(it.summary)).toEqual([...SUMMARY_KEYS]);
    expect(openCatalog(key, VAULT, parseCatalogBox(sealCatalog(key, VAULT, [])))).toEqual([]);
  });

  it('summaries keep every entry field except secret and history', () => {
    const e = entry();
    const { secret: _s, history: _h, ...rest } = e;
    expect(summaryOf(e)).toEqual(rest);
    expect([...SUMMARY_KEYS].sort()).toEqual(Object.keys(rest).sort());
  });

  it('uses a fresh nonce for every seal', () => {
    const key = randomBytes(32);
    const { items: list } = items(1);
    expect(sealCatalog(key, VAULT, list).nonce).not.toBe(sealCatalog(key, VAULT, list).nonce);
  });

  it('only opens in its own vault, under its own key, and never as an entry box or the other way round', () => {
    const key = randomBytes(32);
    const e = entry();
    const box = sealCatalog(key, VAULT, [catalogItemOf(e, bytesToBase64(randomBytes(24)))]);
    expect(() => openCatalog(key, OTHER_VAULT, parseCatalogBox(box))).toThrow(DecryptError);
    expect(() => openCatalog(randomBytes(32), VAULT, parseCatalogBox(box))).toThrow(DecryptError);
    expect(() => openEntry(key, VAULT, parseEntryBox({ ...box, id: e.id }))).toThrow(DecryptError);
    const entryBox = sealEntry(key, VAULT, e);
    const { id: _id, ...asCatalog } = entryBox;
    expect(() => openCatalog(key, VAULT, parseCatalogBox(asCatalog))).toThrow(DecryptError);
  });

  it('treats an authentic plaintext that is not a valid catalog as undecryptable', () => {
    const key = randomBytes(32);
    const { items: list } = items(2);
    const [a, b] = list as [CatalogItem, CatalogItem];
    const bad: unknown[] = [
      {},
      'not json',
      [{ ...a, extra: 1 }],
      [{ boxNonce: a.boxNonce }],
      [{ ...a, boxNonce: 'AAAA' }],
      [{ ...a, summary: { ...a.summary, secret: 'x' } }],
      [{ ...a, summary: { ...a.summary, state: 'gone' } }],
      [{ ...a, summary: { ...a.summary, host: 'https://x' } }],
      [a, { ...b, summary: { ...b.summary, id: a.summary.id } }],
      [null],
    ];
    for (const v of bad) {
      const json = typeof v === 'string' ? v : JSON.stringify(v);
      expect(() => openCatalog(key, VAULT, sealRaw(key, json))).toThrow(DecryptError);
    }
    expect(openCatalog(key, VAULT, sealRaw(key, JSON.stringify([a, b])))).toEqual([a, b]);
  });

  it('parseCatalogBox is strict', () => {
    const box = sealCatalog(randomBytes(32), VAULT, []);
    const bad: unknown[] = [
      undefined,
      [],
      { ...box, extra: 1 },
      { ...box, id: crypto.randomUUID() },
      { ...box, nonce: bytesToBase64(randomBytes(12)) },
      { ...box, ct: bytesToBase64(randomBytes(17)) },
      { ...box, ct: `${box.ct}\n` },
      { nonce: box.nonce, ct: box.ct },
    ];
    for (const v of bad) expectFormatError(() => parseCatalogBox(v));
    expectFormatError(() => parseCatalogBox({ ...box, format: 2 }), /format version 2/);
    expect(Object.isFrozen(parseCatalogBox(box))).toBe(true);
    // openCatalog on an unparsed box with broken base64 still throws only DecryptError.
    expect(() => openCatalog(randomBytes(32), VAULT, { ...box, ct: '!!!!' })).toThrow(DecryptError);
  });
});

describe('index records', () => {
  it('carry only the clear-text fields, with rotateBy from the rotation age', () => {
    const e = entry({ createdAt: 1000, rotateAfterDays: 2 });
    const rec = indexRecordOf(e);
    expect(Object.keys(rec).sort()).toEqual(
      ['createdAt', 'expiresAt', 'host', 'id', 'orgId', 'prefix', 'rotateBy', 'state'].sort(),
    );
    expect(rec.rotateBy).toBe(1000 + 2 * 86_400_000);
    expect(indexRecordOf({ ...e, rotateAfterDays: null }).rotateBy).toBeNull();
    expect(parseIndexRecord(JSON.parse(JSON.stringify(rec)))).toEqual(rec);
  });

  it('parseIndexRecord is strict', () => {
    const rec = indexRecordOf(entry());
    for (const v of [
      null,
      { ...rec, name: 'leak' },
      { ...rec, host: 'https://x' },
      { ...rec, state: 'gone' },
      { ...rec, rotateBy: Number.NaN },
      { ...rec, createdAt: '1' },
    ]) {
      expectFormatError(() => parseIndexRecord(v));
    }
  });
});

describe('migrations', () => {
  function v1Stored(): StoredVault {
    const { h, dataKey } = header();
    const e = entry();
    return { meta: { header: h }, entries: [sealEntry(dataKey, VAULT, e)], index: [indexRecordOf(e)] };
  }

  /**
   * A made-up "format 0" for testing the framework: the header said `format: 0` and boxes had no format
   * field and kept nonce and ciphertext together as `box: {n, c}`.
   */
  function toFakeV0(v1: StoredVault): StoredVault {
    const h = v1.meta.header as Record<string, unknown>;
    return {
      meta: { ...v1.meta, header: { ...h, format: 0 } },
      entries: v1.entries.map((raw) => {
        const b = raw as { id: string; nonce: string; ct: string };
        return { id: b.id, box: { n: b.nonce, c: b.ct } };
      }),
      index: v1.index,
    };
  }

  const v0to1: Migration = {
    from: 0,
    to: 1,
    migrate(stored) {
      const h = stored.meta.header as Record<string, unknown>;
      return {
        meta: { ...stored.meta, header: { ...h, format: 1 } },
        entries: stored.entries.map((raw) => {
          const b = raw as { id: string; box: { n: string; c: string } };
          return { id: b.id, format: 1, nonce: b.box.n, ct: b.box.c };
        }),
        index: stored.index,
      };
    },
  };

  it('the real list is empty while format 1 is the only format', () => {
    expect(migrations).toEqual([]);
  });

  it('passes current data through unchanged (as a copy), catalog included', async () => {
    const v1 = v1Stored();
    v1.meta[CATALOG_META_KEY] = sealCatalog(randomBytes(32), VAULT, []);
    const out = await migrateStored(v1);
    expect(out).toEqual(v1);
    expect(out).not.toBe(v1);
  });

  it('drops the derived catalog when a step ran (it is rebuilt from the migrated boxes)', async () => {
    const v1 = v1Stored();
    const v0 = toFakeV0(v1);
    v0.meta[CATALOG_META_KEY] = { whatever: 'a v0 catalog' };
    const out = await migrateStored(v0, [v0to1]);
    expect(out).toEqual(v1);
    expect(CATALOG_META_KEY in out.meta).toBe(false);
  });

  it('runs a v0→v1 step and validates the result', async () => {
    const v1 = v1Stored();
    const v0 = toFakeV0(v1);
    const snapshot = structuredClone(v0);
    const out = await migrateStored(v0, [v0to1]);
    expect(out).toEqual(v1);
    expect(v0).toEqual(snapshot);
    expect(storedVersion(out)).toBe(1);
  });

  it('runs steps in order up to an explicit target (v0→v1→v2)', async () => {
    const seen: number[] = [];
    const v1to2: Migration = {
      from: 1,
      to: 2,
      migrate(stored) {
        seen.push(1);
        const h = stored.meta.header as Record<string, unknown>;
        return { ...stored, meta: { ...stored.meta, header: { ...h, format: 2 }, migratedAt: 'v2' } };
      },
    };
    const out = await migrateStored(toFakeV0(v1Stored()), [v1to2, v0to1], 2);
    expect(storedVersion(out)).toBe(2);
    expect(out.meta.migratedAt).toBe('v2');
    expect(seen).toEqual([1]);
  });

  it('refuses data newer than it supports', async () => {
    const v1 = v1Stored();
    const v2 = { ...v1, meta: { header: { ...(v1.meta.header as object), format: 2 } } };
    await expect(migrateStored(v2)).rejects.toThrow(/format version 2.*newer/);
  });

  it('refuses a missing, duplicated or mis-numbered step', async () => {
    const v0 = toFakeV0(v1Stored());
    await expect(migrateStored(v0, [])).rejects.toThrow(/No migration step from format version 0/);
    await expect(migrateStored(v0, [v0to1, v0to1])).rejects.toThrow(FormatError);
    await expect(migrateStored(v0, [{ ...v0to1, to: 2 }])).rejects.toThrow(/must go to 1/);
  });

  it('refuses a step that does not reach its version or writes invalid data', async () => {
    const v0 = toFakeV0(v1Stored());
    await expect(migrateStored(v0, [{ from: 0, to: 1, migrate: (s) => s }])).rejects.toThrow(
      /produced version 0/,
    );
    const broken: Migration = {
      from: 0,
      to: 1,
      async migrate(stored) {
        const out = await v0to1.migrate(stored);
        return { ...out, entries: [{ id: 'oops', format: 1 }] };
      },
    };
    await expect(migrateStored(v0, [broken])).rejects.toThrow(FormatError);
  });

  it('refuses stored data without a header', async () => {
    await expect(migrateStored({ meta: {}, entries: [], index: [] })).rejects.toThrow(/no header/);
  });
});

import { describe, expect, it } from 'vitest';

// Thousands of verifications of up to 1,000 links each: minutes on a busy 2-core machine, not a unit test's 30 s.
const SLOW = 240_000;

import {
  type ChainRecord,
  checkCheckpoint,
  checkpointMac,
  GENESIS_LINK,
  linkOf,
  verifyChain,
} from '../../../lib/audit/chain';
import { base64ToBytes, bytesToBase64, randomBytes } from '../../../lib/vault/crypto';

const macKey = randomBytes(32);
const N = 1000;

/** A chain of `n` records as the log writes them (random ciphertexts stand in for sealed events). */
function makeChain(n: number, start = { seq: 0, link: GENESIS_LINK }): ChainRecord[] {
  const out: ChainRecord[] = [];
  let prev = base64ToBytes(start.link);
  for (let i = 1; i <= n; i++) {
    const seq = start.seq + i;
    const at = 1_700_000_000_000 + i * 1000;
    const nonce = randomBytes(24);
    const ct = randomBytes(40 + (i % 7));
    const late = i % 50 === 0 ? (true as const) : undefined;
    const link = linkOf(macKey, prev, { seq, at, late, nonce, ct });
    const rec: ChainRecord = {
      seq,
      at,
      nonce: bytesToBase64(nonce),
      ct: bytesToBase64(ct),
      link: bytesToBase64(link),
    };
    if (late) rec.late = true;
    out.push(rec);
    prev = link;
  }
  return out;
}

const headOf = (chain: ChainRecord[]) => {
  const last = chain[chain.length - 1] as ChainRecord;
  return { seq: last.seq, link: last.link };
};

function flipBase64(s: string): string {
  const b = base64ToBytes(s);
  b[b.length >> 1] = (b[b.length >> 1] as number) ^ 1;
  return bytesToBase64(b);
}

describe('audit chain', () => {
  const chain = makeChain(N);
  const head = headOf(chain);
  const start = { seq: 0, link: GENESIS_LINK };

  it('verifies an untouched 1,000-record chain', () => {
    expect(verifyChain(macKey, chain, start, head)).toEqual({ ok: true, checked: N, broken: null });
  });

  it('refuses a chain checked with another key', () => {
    expect(verifyChain(randomBytes(32), chain, start, head).broken).toEqual({ seq: 1, reason: 'altered' });
  });

  it(
    'catches a single edit of every record (ciphertext), and of every field of every 20th',
    () => {
      const edits: Array<(r: ChainRecord) => ChainRecord> = [
        (r) => ({ ...r, ct: flipBase64(r.ct) }),
        (r) => ({ ...r, nonce: flipBase64(r.nonce) }),
        (r) => ({ ...r, at: r.at + 1 }),
        (r) => ({ ...r, link: flipBase64(r.link) }),
        (r) => (r.late ? { ...r, late: undefined } : { ...r, late: true as const }),
      ];
      // The ciphertext of every record; each other field of every 20th record (and of the first and last).
      let caught = 0;
      let tried = 0;
      for (let i = 0; i < N; i++) {
        const kinds = i % 20 === 0 || i === N - 1 ? edits : edits.slice(0, 1);
        for (const edit of kinds) {
          const tampered = chain.slice();
          tampered[i] = edit(chain[i] as ChainRecord);
          const report = verifyChain(macKey, tampered, start, head);
          tried++;
          if (!report.ok && report.broken?.seq === i + 1) caught++;
        }
      }
      expect(tried).toBeGreaterThan(N);
      expect(caught).toBe(tried);
    },
    SLOW,
  );

  it(
    'catches every single deletion, including the first and the last record',
    () => {
      let caught = 0;
      for (let i = 0; i < N; i++) {
        const tampered = chain.filter((_, j) => j !== i);
        const report = verifyChain(macKey, tampered, start, head);
        if (!report.ok && report.broken?.seq === i + 1) caught++;
      }
      expect(caught).toBe(N);
    },
    SLOW,
  );

  it(
    'catches every single insertion (a copy of another record, or a forged one) at every position',
    () => {
      let caught = 0;
      for (let i = 0; i <= N; i++) {
        const copied = chain.slice();
        copied.splice(i, 0, chain[(i + 500) % N] as ChainRecord);
        const forged = chain.slice();
        const prevSeq = i === 0 ? 0 : (chain[i - 1] as ChainRecord).seq;
        // A record with the right seq and a plausible link, then the later records renumbered.
        forged.splice(i, 0, {
          ...(chain[i % N] as ChainRecord),
          seq: prevSeq + 1,
          link: bytesToBase64(randomBytes(32)),
        });
        for (let j = i + 1; j < forged.length; j++)
          forged[j] = { ...(forged[j] as ChainRecord), seq: prevSeq + 1 + (j - i) };
        if (!verifyChain(macKey, copied, start, head).ok) caught++;
        // Forged records at every 10th position (each costs a verification of up to 1,000 links).
        if (i % 10 === 0 && !verifyChain(macKey, forged, start, head).ok) caught++;
      }
      expect(caught).toBe(N + 1 + Math.floor(N / 10) + 1);
    },
    SLOW,
  );

  it(
    'catches every reordering of two neighbours and of records far apart',
    () => {
      let caught = 0;
      for (let i = 0; i < N - 1; i++) {
        const swapped = chain.slice();
        swapped[i] = chain[i + 1] as ChainRecord;
        swapped[i + 1] = chain[i] as ChainRecord;
        // Renumbered too, so the seq order looks right and only the links can tell.
        const renumbered = swapped.map((r, j) => ({ ...r, seq: j + 1 }));
        const far = chain.slice();
        const k = (i + 337) % N;
        if (k === i) continue;
        far[i] = chain[k] as ChainRecord;
        far[k] = chain[i] as ChainRecord;
        if (verifyChain(macKey, swapped, start, head).broken?.seq === i + 1) caught++;
        // Renumbered swaps and far swaps at every 10th position.
        if (i % 10 === 0 && verifyChain(macKey, renumbered, start, head).broken?.seq === i + 1) caught++;
        if (i % 10 === 0 && !verifyChain(macKey, far, start, head).ok) caught++;
      }
      expect(caught).toBe(N - 1 + 2 * Math.ceil((N - 1) / 10));
    },
    SLOW,
  );

  it('catches a cut at the end only through the head, and a malformed record', () => {
    expect(verifyChain(macKey, chain.slice(0, 990), start, null).ok).toBe(true);
    expect(verifyChain(macKey, chain.slice(0, 990), start, head).broken).toEqual({
      seq: 991,
      reason: 'truncated',
    });
    const bad = chain.slice();
    bad[3] = { ...(chain[3] as ChainRecord), nonce: 'not base64!' };
    expect(verifyChain(macKey, bad, start, head).broken).toEqual({ seq: 4, reason: 'malformed' });
  });

  it('continues from a signed checkpoint after the oldest records are dropped', () => {
    const dropped = 400;
    const last = chain[dropped - 1] as ChainRecord;
    const fields = { seq: last.seq, link: last.link, at: 5, dropped };
    const checkpoint = { ...fields, mac: checkpointMac(macKey, fields) };
    expect(checkCheckpoint(macKey, checkpoint)).toEqual(checkpoint);
    const kept = chain.slice(dropped);
    expect(verifyChain(macKey, kept, checkpoint, head)).toEqual({
      ok: true,
      checked: N - dropped,
      broken: null,
    });
    // Moving the checkpoint (to hide more records) breaks its MAC; a forged one without the key too.
    expect(checkCheckpoint(macKey, { ...checkpoint, seq: 500 })).toBeNull();
    expect(checkCheckpoint(macKey, { ...checkpoint, dropped: 1 })).toBeNull();
    expect(checkCheckpoint(macKey, { ...fields, mac: checkpointMac(randomBytes(32), fields) })).toBeNull();
    // Dropping one more record than the checkpoint says is a missing link.
    expect(verifyChain(macKey, chain.slice(dropped + 1), checkpoint, head).broken).toEqual({
      seq: dropped + 1,
      reason: 'missing',
    });
  });
});

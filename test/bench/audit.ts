/**
 * Audit log and leak guard figures for `npm run bench`:
 * - `guard_paste_10kb_ms`: the leak guard's work on one 10 KB paste (tokenise, fingerprint the tokens of a
 *   vault key's length, compare) with 50 vault keys, the key at the very end (a full scan that hits); the
 *   text also holds 40 innocent tokens of the keys' lengths (hashes, ids), each of which costs an HMAC.
 *   Median of 201 runs after 20 warm-up runs. `noKeyMs`: the same text without the key. Budget ≤ 1 ms.
 * - `audit_verify_10000_ms`: AuditLog.verify() on a 10,000-record log in fake-indexeddb (read every
 *   record, check the checkpoint, recompute every link), median of 5. `chainOnlyMs`: verifyChain alone on
 *   the same records (the HMAC work without the storage).
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { type ChainRecord, createLinker, GENESIS_LINK, verifyChain } from '../../lib/audit/chain';
import { AUDIT_HEAD_META, AuditLog, deriveAuditKeys, recordAad } from '../../lib/audit/log';
import { createMatcher, newSalt, printsOf, viewFor } from '../../lib/guard/fingerprint';
import { base64ToBytes, bytesToBase64, randomBytes, seal, utf8Encode } from '../../lib/vault/crypto';
import { createMemorySessionKeyStorage } from '../../lib/vault/session';
import { type AuditLogRecord, openVaultStore } from '../../lib/vault/store';
import type { BenchResult } from './vault';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const token = (n: number) => bytesToBase64(randomBytes(n)).replace(/[+/=]/g, 'x').slice(0, n);

function pasteText(sameLength: number): string {
  const words = [
    'invoice',
    'the',
    'order',
    'connector',
    'ERP',
    'delivery',
    'note',
    'and',
    'status',
    'of',
    'page',
  ];
  const parts: string[] = [];
  let i = 0;
  while (parts.join(' ').length < 10_240) {
    parts.push(i % 25 === 0 && i / 25 < 40 ? token(sameLength) : (words[i % words.length] as string));
    if (i % 40 === 0) parts.push(`{"id": "${crypto.randomUUID()}", "total": ${i * 3.5}},`);
    i++;
  }
  return parts.join(' ');
}

export async function benchAudit(emit: (r: BenchResult) => void): Promise<void> {
  // --- leak guard: one 10 KB paste --------------------------------------------------------------------
  const secrets = Array.from({ length: 50 }, () => `dbk_live_${token(32)}`);
  const salt = newSalt();
  const prints = printsOf(
    secrets.map((secret, i) => ({ id: `k${i}`, host: 'app.docbits.com', secret })),
    salt,
  );
  const match = createMatcher(viewFor(prints, salt, 'https://chat.example.org/', []));
  const base = pasteText((secrets[0] as string).length);
  const key = secrets[49] as string;
  const withKey = `${base.slice(0, 10_240 - key.length - 1)} ${key}`;
  const times = (text: string) => {
    for (let i = 0; i < 20; i++) match(text);
    const out: number[] = [];
    for (let i = 0; i < 201; i++) {
      const t0 = performance.now();
      const hit = match(text);
      out.push(performance.now() - t0);
      if ((hit !== null) !== (text === withKey)) throw new Error('guard bench: wrong match result');
    }
    return median(out);
  };
  emit({
    name: 'guard_paste_10kb_ms',
    value: round(times(withKey)),
    unit: 'ms',
    bytes: withKey.length,
    keys: secrets.length,
    noKeyMs: round(times(base.slice(0, 10_240))),
  });

  // --- audit: verify a 10,000-record log -----------------------------------------------------------------
  const store = await openVaultStore(new IDBFactory(), 'bench-audit');
  const session = createMemorySessionKeyStorage();
  const vaultId = crypto.randomUUID();
  const dataKey = randomBytes(32);
  await session.set({ vaultId, key: dataKey });
  const log = new AuditLog({ store, keys: () => session.get() });
  await log.record({ type: 'vault.created', origin: 'popup' });
  const { encKey, macKey } = deriveAuditKeys(dataKey, vaultId);
  const link = createLinker(macKey);
  const [first] = (await store.listAuditLog()) as unknown as ChainRecord[];
  if (!first) throw new Error('audit bench: no first record');
  const records: ChainRecord[] = [first];
  let prev = base64ToBytes(first.link);
  const t = Date.now();
  for (let seq = 2; seq <= 10_000; seq++) {
    const at = t + seq;
    const event = {
      type: 'entry.copied',
      entryId: crypto.randomUUID(),
      origin: 'popup',
      host: 'app.docbits.com',
    };
    const box = seal(encKey, utf8Encode(JSON.stringify(event)), recordAad(vaultId, seq));
    prev = link(prev, { seq, at, nonce: box.nonce, ct: box.ct });
    records.push({
      seq,
      at,
      nonce: bytesToBase64(box.nonce),
      ct: bytesToBase64(box.ct),
      link: bytesToBase64(prev),
    });
  }
  await store.writeAudit({
    put: records as unknown as AuditLogRecord[],
    meta: { [AUDIT_HEAD_META]: { seq: 10_000, link: bytesToBase64(prev) } },
  });
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const report = await log.verify();
    runs.push(performance.now() - t0);
    if (!report.ok || report.records !== 10_000) throw new Error('audit bench: the log does not verify');
  }
  const chain: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    verifyChain(macKey, records, { seq: 0, link: GENESIS_LINK }, null);
    chain.push(performance.now() - t0);
  }
  emit({
    name: 'audit_verify_10000_ms',
    value: Math.round(median(runs)),
    unit: 'ms',
    records: 10_000,
    chainOnlyMs: Math.round(median(chain)),
  });
  store.close();
}

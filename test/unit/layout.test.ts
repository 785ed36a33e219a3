/**
 * The layout's rules (docs/architecture.md, "Rules of each folder"), checked on every source file: which
 * folder may import which. A rule broken here is a design decision to make in the open (change the rule and
 * the page together), not an import to slip in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SHARED = [
  'lib/messages.ts',
  'lib/send.ts',
  'lib/validate.ts',
  'lib/i18n.ts',
  'lib/settings.ts',
  'lib/errors.ts',
];
const AREAS = ['lib/vault', 'lib/page', 'lib/rotation', 'lib/guard', 'lib/audit', 'lib/background'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every relative import of `file`, resolved to a repository path (folder imports end in `/index`). */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/^(import|export)(\s+type)?[^'"]*?from\s+'(\.{1,2}\/[^'?]+)/gm)) {
    const spec = m[3] ?? '';
    found.push({
      from: file,
      to: relative(ROOT, resolve(ROOT, dirname(file), spec)),
      typeOnly: m[2] !== undefined,
    });
  }
  return found;
}

const libFiles = sources('lib');
const componentFiles = sources('components');
const cliFiles = sources('cli');
const all = [...libFiles, ...componentFiles, ...cliFiles].flatMap(importsOf);
const within = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const isShared = (path: string) => SHARED.some((s) => s.replace(/\.ts$/, '') === path);
const areaOf = (path: string) => AREAS.find((a) => within(path, a));
const broken = (rule: (i: Import) => boolean) =>
  all.filter((i) => !rule(i)).map((i) => `${i.from} → ${i.to}`);

describe('layout', () => {
  it('lib/ has only the shared files at its root; every other file is in an area folder', () => {
    const loose = libFiles.filter((f) => !f.slice('lib/'.length).includes('/') && !SHARED.includes(f));
    expect(loose).toEqual([]);
    expect(libFiles.filter((f) => !SHARED.includes(f) && !areaOf(f))).toEqual([]);
  });

  it('lib/ never imports components/ or entrypoints/', () => {
    expect(
      broken((i) => !within(i.from, 'lib') || (!within(i.to, 'components') && !within(i.to, 'entrypoints'))),
    ).toEqual([]);
  });

  it('only the background wiring imports lib/background/', () => {
    expect(broken((i) => !within(i.to, 'lib/background') || within(i.from, 'lib/background'))).toEqual([]);
  });

  it('the vault imports only the vault and the shared files', () => {
    expect(
      broken((i) => !within(i.from, 'lib/vault') || within(i.to, 'lib/vault') || isShared(i.to)),
    ).toEqual([]);
  });

  it('the page code (content script, size-budgeted) runs only page and shared code; other areas by type only', () => {
    expect(
      broken((i) => !within(i.from, 'lib/page') || within(i.to, 'lib/page') || isShared(i.to) || i.typeOnly),
    ).toEqual([]);
  });

  it('guard, rotation and audit import their own area, the vault model and crypto, audit events and shared files', () => {
    const allowed: Record<string, string[]> = {
      'lib/guard': ['lib/guard', 'lib/vault/crypto'],
      'lib/rotation': ['lib/rotation', 'lib/vault/model', 'lib/audit/events'],
      'lib/audit': ['lib/audit', 'lib/vault/crypto', 'lib/vault/store', 'lib/vault/session'],
    };
    expect(
      broken((i) => {
        const rules = Object.entries(allowed).find(([area]) => within(i.from, area));
        if (!rules) return true;
        return isShared(i.to) || i.typeOnly || rules[1].some((ok) => within(i.to, ok));
      }),
    ).toEqual([]);
  });

  it('components reach the vault, the audit log and the background only by messages', () => {
    const forbidden = [
      'lib/background',
      'lib/vault/service',
      'lib/vault/store',
      'lib/vault/session',
      'lib/audit/log',
    ];
    expect(
      broken((i) => !within(i.from, 'components') || i.typeOnly || !forbidden.some((f) => within(i.to, f))),
    ).toEqual([]);
  });

  it("an entrypoint's components do not import another entrypoint's", () => {
    const rooms = [
      'components/popup',
      'components/options',
      'components/page',
      'components/guard',
      'components/approve',
    ];
    expect(
      broken((i) => {
        const own = rooms.find((r) => within(i.from, r));
        const other = rooms.find((r) => within(i.to, r));
        return !own || !other || own === other;
      }),
    ).toEqual([]);
  });

  it('the command line (Node, no browser) uses only pure lib code: the protocol, fingerprints, crypto', () => {
    const allowed = [
      'cli',
      'lib/messages',
      'lib/validate',
      'lib/errors',
      'lib/guard/fingerprint',
      'lib/vault/crypto',
    ];
    expect(
      broken((i) => !within(i.from, 'cli') || i.typeOnly || allowed.some((ok) => within(i.to, ok))),
    ).toEqual([]);
  });
});

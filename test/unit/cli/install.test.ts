import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOOK_MARK, installHook, uninstallHook } from '../../../cli/lib/hook';
import { browserDirs, FIREFOX_ID, install, uninstall } from '../../../cli/lib/install';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'kg-install-test-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const ID = 'abcdefghijklmnopabcdefghijklmnop';

describe('keyguard install', () => {
  it('writes the host and a manifest per installed browser and per profile folder; uninstall removes them', () => {
    const home = join(base, 'home');
    mkdirSync(join(home, '.config', 'chromium'), { recursive: true });
    mkdirSync(join(home, '.mozilla'), { recursive: true });
    const hostScript = join(base, 'keyguard-host.mjs');
    writeFileSync(hostScript, '// host\n');
    const e = {
      platform: 'linux' as const,
      home,
      env: { KEYGUARD_HOME: join(base, 'kg') },
      nodePath: '/usr/bin/node',
      hostScript,
    };
    const profile = join(base, 'profile');
    const r = install(e, [ID], [profile]);
    expect(r.written).toHaveLength(3);
    const chromium = JSON.parse(
      readFileSync(
        join(home, '.config', 'chromium', 'NativeMessagingHosts', 'com.docbits.keyguard.json'),
        'utf8',
      ),
    );
    expect(chromium).toMatchObject({
      name: 'com.docbits.keyguard',
      type: 'stdio',
      allowed_origins: [`chrome-extension://${ID}/`],
    });
    const firefox = JSON.parse(
      readFileSync(join(home, '.mozilla', 'native-messaging-hosts', 'com.docbits.keyguard.json'), 'utf8'),
    );
    expect(firefox.allowed_extensions).toEqual([FIREFOX_ID]);
    expect(existsSync(join(profile, 'NativeMessagingHosts', 'com.docbits.keyguard.json'))).toBe(true);
    const launcher = chromium.path as string;
    expect(statSync(launcher).mode & 0o111).not.toBe(0);
    expect(readFileSync(launcher, 'utf8')).toContain("exec '/usr/bin/node'");
    // A second install without an id keeps the ids it had.
    expect(install(e, [], []).written).toHaveLength(2);
    expect(
      JSON.parse(
        readFileSync(
          join(home, '.config', 'chromium', 'NativeMessagingHosts', 'com.docbits.keyguard.json'),
          'utf8',
        ),
      ).allowed_origins,
    ).toEqual([`chrome-extension://${ID}/`]);
    expect(uninstall(e, [profile]).length).toBeGreaterThanOrEqual(5);
    expect(existsSync(launcher)).toBe(false);
  });

  it('knows where each platform looks (macOS folders, Windows registry)', () => {
    const mac = browserDirs({ platform: 'darwin', home: '/Users/a', env: {}, nodePath: '', hostScript: '' });
    expect(mac.map((b) => b.manifestDir)).toContain(
      '/Users/a/Library/Application Support/Google/Chrome/NativeMessagingHosts',
    );
    const win = browserDirs({
      platform: 'win32',
      home: 'C:\\Users\\a',
      env: {},
      nodePath: '',
      hostScript: '',
    });
    expect(win.every((b) => b.registryKey?.startsWith('HKCU\\Software\\'))).toBe(true);
  });
});

describe('keyguard hook', () => {
  it('installs the pre-commit hook, keeps an existing one, and uninstall restores it', () => {
    execFileSync('git', ['init', '-q'], { cwd: base });
    const hooks = join(base, '.git', 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho theirs\n', { mode: 0o755 });
    expect(installHook(base, '/usr/bin/node', '/opt/keyguard.mjs')).toContain('kept');
    const hook = readFileSync(join(hooks, 'pre-commit'), 'utf8');
    expect(hook).toContain(HOOK_MARK);
    expect(hook).toContain("'/usr/bin/node' '/opt/keyguard.mjs' scan --staged || exit $?");
    expect(readFileSync(join(hooks, 'pre-commit.keyguard-kept'), 'utf8')).toContain('theirs');
    // Installing again changes nothing about the kept hook.
    installHook(base, '/usr/bin/node', '/opt/keyguard.mjs');
    expect(readFileSync(join(hooks, 'pre-commit.keyguard-kept'), 'utf8')).toContain('theirs');
    uninstallHook(base);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toContain('theirs');
  });
});

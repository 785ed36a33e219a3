/**
 * Where the host's socket lives, and the checks that keep it private: a directory only its owner can enter
 * (0700) holding a socket only its owner can open (0600). Another local user cannot reach the socket; a
 * process running as the same user can (see SECURITY.md: that is why every key request is approved).
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const HOST_NAME = 'com.docbits.keyguard';
export const SOCKET_FILE = 'keyguard.sock';
/**
 * Left in the socket's folder by a host that KeyGuard stopped because "Command line" was turned off (not
 * when the browser closed), so `keyguard` can say which of the two it is.
 */
export const OFF_MARKER = 'turned-off';

export interface PlatformInfo {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  uid: number;
  tmpdir: string;
}

/**
 * The private directory: `$KEYGUARD_SOCKET_DIR` if set (tests), else `$XDG_RUNTIME_DIR/keyguard` (Linux: a
 * per-user tmpfs, already 0700), else `<tmpdir>/keyguard-<uid>` (macOS's per-user `$TMPDIR` is private too).
 * On Windows the endpoint is a named pipe (see {@link socketPath}) and this directory is unused.
 */
export function socketDir(p: PlatformInfo): string {
  if (p.env.KEYGUARD_SOCKET_DIR) return p.env.KEYGUARD_SOCKET_DIR;
  if (p.platform === 'linux' && p.env.XDG_RUNTIME_DIR) return join(p.env.XDG_RUNTIME_DIR, 'keyguard');
  return join(p.tmpdir, `keyguard-${p.uid}`);
}

/** The socket the host listens on and `keyguard` connects to. */
export function socketPath(p: PlatformInfo): string {
  if (p.platform === 'win32') return `\\\\.\\pipe\\keyguard-${p.env.USERNAME ?? 'user'}`;
  return join(socketDir(p), SOCKET_FILE);
}

export class UnsafeDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeDirError';
  }
}

/**
 * Creates `dir` with mode 0700, or checks an existing one: a real directory (not a symlink), owned by this
 * user. A directory of someone else's, or a symlink, is refused: it may have been made to catch the socket.
 * One of ours that is open to others is closed to them (0700) before the socket is made in it.
 */
export function ensurePrivateDir(dir: string, uid = process.getuid?.() ?? -1): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new UnsafeDirError(`${dir} is not a directory`);
  if (uid >= 0 && st.uid !== uid) throw new UnsafeDirError(`${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) {
    // Only a directory we own gets here; mkdir's mode is filtered by the umask, never widened.
    chmodSync(dir, 0o700);
    if ((lstatSync(dir).mode & 0o077) !== 0) throw new UnsafeDirError(`${dir} is open to other users`);
  }
}

/** Mode bits of a path, for the permission checks in `keyguard status` and the tests. */
export function modeOf(path: string): number {
  return lstatSync(path).mode & 0o777;
}

/**
 * The client's check before it connects: the socket's folder is a real directory of this user's that no one
 * else may enter, and the socket, if there, is this user's. A folder made by someone else (the `/tmp`
 * fallback when `$XDG_RUNTIME_DIR` is unset) could hold their socket, which would learn the command line and
 * hand back values of its choosing. A folder that does not exist passes: connecting then fails as
 * "not reachable".
 */
export function checkSocketPrivate(path: string, uid = process.getuid?.() ?? -1): void {
  const dir = dirname(path);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory() || st.isSymbolicLink()) throw new UnsafeDirError(`${dir} is not a directory`);
  if (uid >= 0 && st.uid !== uid) throw new UnsafeDirError(`${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) throw new UnsafeDirError(`${dir} is open to other users`);
  let sock: ReturnType<typeof lstatSync>;
  try {
    sock = lstatSync(path);
  } catch {
    return;
  }
  if (uid >= 0 && sock.uid !== uid) throw new UnsafeDirError(`${path} belongs to another user`);
}

import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const load = createRequire(import.meta.url);

/**
 * The hex SHA-256 of `text`. node:crypto is loaded on the first call, which only an agent that
 * syncs over ssh makes: loaded with this module it took OpenSSL's tables into every agent (issue
 * 21: memory after ready, with the plugins' https and tls about 1 MiB).
 */
function sha256Hex(text: string): string {
  return (load('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(text).digest('hex');
}

/**
 * A unix socket path holds at most 107 bytes (sun_path is 108 with the NUL), and ssh first
 * binds the master's socket under a temporary name: the path plus `.` and 16 random characters.
 */
const SUN_PATH_MAX = 107;
const SSH_TEMP_SUFFIX = 17;
/** `<12 hex>-<pid>-<instance>`: the host, then which agent owns it (a reload runs two at once). */
export const SOCKET_NAME_MAX = 12 + 1 + 7 + 1 + 4;

/**
 * Characters that cannot go into a ControlPath as written: quotes and backslashes (ssh splits
 * its `-o` line into words, and rsync splits `-e`), `%` (ssh expands `%` tokens), control
 * characters, and a leading `~`.
 */
const UNSAFE = /["'\\%\x00-\x1f\x7f]/;

/** Where the masters' sockets go, and why it is not the state directory when it is not. */
interface ControlDirChoice {
  readonly dir: string;
  /** Set when the state directory could not be used: one info line for the log. */
  readonly note: string | null;
}

/**
 * `<state dir>/ssh`, unless that path is too long for a socket or has characters ssh cannot
 * take: then a short directory of this user's under /tmp, named after the state directory (the
 * same one on every start, so sockets left by a crash are found and cleaned). Pure.
 */
export function chooseControlDir(stateDir: string, uid: number): ControlDirChoice {
  const preferred = path.join(path.resolve(stateDir), 'ssh');
  const fits = Buffer.byteLength(preferred) + 1 + SOCKET_NAME_MAX + SSH_TEMP_SUFFIX <= SUN_PATH_MAX;
  if (fits && !UNSAFE.test(preferred) && !preferred.startsWith('~')) return { dir: preferred, note: null };
  const short = path.join('/tmp', `sersync-ts-ssh-${uid}-${sha256Hex(preferred).slice(0, 8)}`);
  const why = fits
    ? 'has characters an ssh ControlPath cannot hold'
    : `is too long for a unix socket path (${SUN_PATH_MAX} bytes with ssh's temporary suffix)`;
  return { dir: short, note: `ssh master sockets go to ${short}: ${preferred} ${why}` };
}

/** The socket of the master for `host` (and port) owned by this agent instance. Pure. */
export function controlSocket(dir: string, host: string, port: number | null, pid: number, instance: number): string {
  return path.join(dir, `${hostTag(host, port)}-${pid}-${instance}`);
}

/** The part of a socket name that says which host it is for. */
export function hostTag(host: string, port: number | null): string {
  return sha256Hex(`${host}\0${port ?? ''}`).slice(0, 12);
}

/**
 * Creates the directory (mode 0700) and checks it is a real directory of ours that nobody else
 * can write: rsync's ssh trusts whatever listens on a socket there with the session, so a
 * directory another user controls must never be used. Throws with the reason.
 */
export async function prepareControlDir(dir: string, uid: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.lstat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory (a symlink?)`);
  if (st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this user (${uid})`);
  if ((st.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}

/**
 * The rsync daemon fixture: a real `rsync --daemon` on 127.0.0.1 with modules, auth users, a
 * secrets file and a client password file (startRsyncDaemon), and the scene most integration
 * tests start from: a temp dir with a source tree and such a daemon to mirror it to (startSite).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.js';
import { freePort } from './ports.js';

export { freePort };

/** A real `rsync --daemon` on 127.0.0.1, with auth users and a secrets file, for tests. */
export interface RsyncDaemon {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The client password file (mode 600, holds only the password). */
  readonly passwordFile: string;
  /** module name → directory that receives it. */
  readonly modules: Readonly<Record<string, string>>;
  /** Stop the daemon (the port is kept for restart). */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  /** Change the password the server accepts (the daemon re-reads secrets per connection). */
  setServerPassword(pw: string): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A daemon run from a conf file: its port, and stop/start (the port is kept). */
export interface ConfDaemon {
  readonly port: number;
  readonly stop: () => Promise<void>;
  readonly start: () => Promise<void>;
}

/**
 * A real `rsync --daemon` run from `conf` (written by a test, or by `sersync-ts receiver init`)
 * on 127.0.0.1 and a free port (or `port`), stderr to the test's. Started before it returns.
 */
export async function startDaemonFromConf(conf: string, port?: number, rsync = 'rsync'): Promise<ConfDaemon> {
  const p = port ?? (await freePort());
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn(rsync, ['--daemon', '--no-detach', `--config=${conf}`, `--port=${p}`, '--address=127.0.0.1'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(() => canConnect(p), { timeoutMs: 10_000, what: `rsync daemon on port ${p}` });
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
    await waitFor(async () => !(await canConnect(p)), { timeoutMs: 10_000, what: 'rsync daemon to stop' });
  };
  await start();
  return { port: p, stop, start };
}

/** The words after a plain rsync's own options that send the cwd to `module` with the daemon's auth. */
export function toModule(daemon: RsyncDaemon, module = 'www'): string[] {
  return [
    `--port=${daemon.port}`,
    `--password-file=${daemon.passwordFile}`,
    './',
    `${daemon.user}@127.0.0.1::${module}/`,
  ];
}

/** Starts a daemon serving `modules` (created under `dir`) on a free loopback port. */
export async function startRsyncDaemon(
  dir: string,
  moduleNames: readonly string[] = ['www'],
  opts: { socketNodelay?: boolean; rsync?: string } = {},
): Promise<RsyncDaemon> {
  const user = 'rsyncuser';
  const password = 'password123';
  const secrets = path.join(dir, 'rsyncd.secrets');
  const passwordFile = path.join(dir, 'rsync.pas');
  const conf = path.join(dir, 'rsyncd.conf');
  const modules: Record<string, string> = {};
  let text = `${opts.socketNodelay ? 'socket options = TCP_NODELAY\n' : ''}use chroot = no\naddress = 127.0.0.1\nmax connections = 0\nuid = ${process.getuid?.() ?? 0}\ngid = ${process.getgid?.() ?? 0}\nlog file = ${path.join(dir, 'rsyncd.log')}\n`;
  for (const m of moduleNames) {
    const p = path.join(dir, `dst-${m}`);
    await fs.mkdir(p, { recursive: true });
    modules[m] = p;
    text += `[${m}]\npath = ${p}\nread only = no\nmunge symlinks = no\nauth users = ${user}\nsecrets file = ${secrets}\n`;
  }
  await fs.writeFile(conf, text);
  await fs.writeFile(secrets, `${user}:${password}\n`, { mode: 0o600 });
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const { port, start, stop } = await startDaemonFromConf(conf, undefined, opts.rsync);
  return {
    port,
    user,
    password,
    passwordFile,
    modules,
    stop,
    start,
    setServerPassword: (pw) => fs.writeFile(secrets, `${user}:${pw}\n`, { mode: 0o600 }),
  };
}

/** What registers a cleanup to run after a test (node:test's TestContext). */
export interface AfterHook {
  after(fn: () => unknown): void;
}

/**
 * A test's own temp dir with an (empty) source dir in it. close() runs what was registered with
 * onClose, the latest first (an agent stops before its daemon), then removes the dir.
 */
export interface TestDir {
  readonly tmp: string;
  /** The source tree (`tmp/src` unless named otherwise). */
  readonly src: string;
  onClose(fn: () => unknown): void;
  close(): Promise<void>;
}

export interface TestDirOptions {
  /** Name of the source dir inside tmp. @default 'src' */
  readonly src?: string;
  /** Close after this test (t.after); otherwise the caller calls close(). */
  readonly t?: AfterHook;
}

/** A fresh `$TMPDIR/sersync-TAG-XXXXXX` with a source dir; see TestDir. */
export function makeTestDir(tag: string, opts: TestDirOptions = {}): TestDir {
  const tmp = fsSync.mkdtempSync(path.join(os.tmpdir(), `sersync-${tag}-`));
  const src = path.join(tmp, opts.src ?? 'src');
  fsSync.mkdirSync(src, { recursive: true });
  const cleanups: Array<() => unknown> = [];
  let closed: Promise<void> | null = null;
  const dir: TestDir = {
    tmp,
    src,
    onClose: (fn) => void cleanups.push(fn),
    close: () =>
      (closed ??= (async () => {
        try {
          for (const fn of cleanups.reverse()) await fn();
        } finally {
          fsSync.rmSync(tmp, { recursive: true, force: true });
        }
      })()),
  };
  opts.t?.after(() => dir.close());
  return dir;
}

/** The part of an agent config that points at a site's daemon (spread it into a ConfigSpec). */
export interface DaemonTarget {
  readonly watch: string;
  readonly remotes: ReadonlyArray<{ readonly module: string }>;
  readonly port: number;
  readonly passwordFile: string;
}

/** A source tree and a real daemon to mirror it to; the daemon stops on close(). */
export interface Site extends TestDir {
  readonly daemon: RsyncDaemon;
  /** The directory the first module writes to. */
  readonly dst: string;
  /** `src` to the first module, with auth. */
  readonly spec: DaemonTarget;
}

export interface SiteOptions extends TestDirOptions {
  /** @default ['www'] */
  readonly modules?: readonly string[];
  readonly socketNodelay?: boolean;
  /** The daemon's rsync binary (default: the system's `rsync`). */
  readonly daemonRsync?: string;
}

/** makeTestDir plus startRsyncDaemon in it: what most integration tests begin with. */
export async function startSite(tag: string, opts: SiteOptions = {}): Promise<Site> {
  const dir = makeTestDir(tag, opts);
  const modules = opts.modules ?? ['www'];
  let daemon: RsyncDaemon;
  try {
    daemon = await startRsyncDaemon(dir.tmp, modules, {
      ...(opts.socketNodelay ? { socketNodelay: true } : {}),
      ...(opts.daemonRsync ? { rsync: opts.daemonRsync } : {}),
    });
  } catch (err) {
    await dir.close();
    throw err;
  }
  dir.onClose(() => daemon.stop());
  return {
    ...dir,
    daemon,
    dst: daemon.modules[modules[0]!]!,
    spec: { watch: dir.src, remotes: [{ module: modules[0]! }], port: daemon.port, passwordFile: daemon.passwordFile },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from './wait.js';

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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
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

/** Starts a daemon serving `modules` (created under `dir`) on a free loopback port. */
export async function startRsyncDaemon(dir: string, moduleNames: readonly string[] = ['www'], opts: { socketNodelay?: boolean } = {}): Promise<RsyncDaemon> {
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
  const port = await freePort();
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    child = spawn('rsync', ['--daemon', '--no-detach', `--config=${conf}`, `--port=${port}`, '--address=127.0.0.1'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(() => canConnect(port), { timeoutMs: 10_000, what: `rsync daemon on port ${port}` });
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
    await waitFor(async () => !(await canConnect(port)), { timeoutMs: 10_000, what: 'rsync daemon to stop' });
  };
  await start();
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

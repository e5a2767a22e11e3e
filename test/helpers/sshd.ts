import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './rsyncd.js';
import { waitFor } from './wait.js';
import type { ConfigSpec } from './agent.js';

/**
 * A real OpenSSH server on 127.0.0.1, for tests and the bench: its own host key, a user key
 * in its own authorized_keys, a non-default sshd_config in a temp dir, nothing of the machine's
 * ~/.ssh read or written. Clients reach it through an `ssh` wrapper first in PATH that runs
 * the real ssh with `-F <dir>/ssh_config` (IdentityFile, and a known_hosts already holding the
 * host key with StrictHostKeyChecking yes: the host key check stays real).
 */
export interface Sshd {
  readonly port: number;
  /** The client config the wrapper passes with -F. */
  readonly sshConfig: string;
  /** Put this first in PATH: it holds the `ssh` wrapper. */
  readonly pathPrepend: string;
  /** PATH with the wrapper first, for a child's env. */
  readonly env: NodeJS.ProcessEnv;
  /** The login user (the test's own user). */
  readonly user: string;
  /** A fresh directory to sync into (created), under the temp dir; `name` may hold spaces. */
  remoteDir(name?: string): string;
  /** Logins sshd accepted so far (its LogLevel VERBOSE log: one per connection). */
  acceptedLogins(): number;
  /** The sshd log so far. */
  log(): string;
  /**
   * A second wrapper whose key is not in authorized_keys (host key still trusted): a login
   * that must be refused. Returns its PATH entry.
   */
  wrongKeyPath(): string;
  /** Stops sshd and every connection it serves (a host that went away); the port is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same keys. */
  start(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

function realSsh(): string {
  for (const p of ['/usr/bin/ssh', '/bin/ssh', '/usr/local/bin/ssh']) if (fs.existsSync(p)) return p;
  throw new Error('ssh (openssh-client) is not installed');
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sersync-ts-test', '-f', file], {
    stdio: 'ignore',
  });
}

/** Every process below `pid` (sshd forks a monitor per connection, which forks the session). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, pp] of parent)
      if (pp === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

function sshQuote(s: string): string {
  return `"${s}"`;
}

/** Starts sshd on a free port of 127.0.0.1, everything in `dir` (which must not hold spaces). */
export async function startSshd(dir: string): Promise<Sshd> {
  if (!fs.existsSync(SSHD))
    throw new Error(`${SSHD} is missing: install openssh-server (scripts/test.sh and scripts/bench.sh install it)`);
  // sshd's privilege separation directory is compiled in; the package's service creates it.
  if (!fs.existsSync('/run/sshd'))
    throw new Error(
      '/run/sshd is missing (sshd needs it): scripts/test.sh creates it as root, or mkdir -m 0755 /run/sshd',
    );
  const d = path.join(dir, 'sshd');
  fs.mkdirSync(path.join(d, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(d, 'bin-wrong-key'), { recursive: true });
  fs.mkdirSync(path.join(d, 'home'), { recursive: true });
  const hostKey = path.join(d, 'host_ed25519');
  const userKey = path.join(d, 'id_ed25519');
  const wrongKey = path.join(d, 'id_wrong');
  for (const k of [hostKey, userKey, wrongKey]) keygen(k);
  fs.copyFileSync(`${userKey}.pub`, path.join(d, 'authorized_keys'));
  const port = await freePort();
  const conf = path.join(d, 'sshd_config');
  const logFile = path.join(d, 'sshd.log');
  fs.writeFileSync(
    conf,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(d, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(d, 'authorized_keys')}`,
      // The temp dir's parents (/tmp is 1777) would fail sshd's ownership checks of the key file.
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      // One "Accepted publickey" line per connection: how tests see that a master is reused.
      'LogLevel VERBOSE',
      // Sessions get a HOME of their own: the machine's dotfiles (a heavy ~/.bashrc, which bash
      // reads when sshd starts it) stay out of the tests and the bench numbers.
      `SetEnv HOME=${path.join(d, 'home')}`,
      'PrintMotd no',
      'MaxStartups 100',
      '',
    ].join('\n'),
  );
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  fs.writeFileSync(path.join(d, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  const clientConfig = (key: string): string =>
    [
      'Host *',
      `  IdentityFile ${sshQuote(key)}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${sshQuote(path.join(d, 'known_hosts'))}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      `  User ${os.userInfo().username}`,
      '  LogLevel ERROR',
      '',
    ].join('\n');
  const sshConfig = path.join(d, 'ssh_config');
  fs.writeFileSync(sshConfig, clientConfig(userKey));
  fs.writeFileSync(path.join(d, 'ssh_config_wrong_key'), clientConfig(wrongKey));
  const ssh = realSsh();
  const wrapper = (cfg: string): string => `#!/bin/sh\nexec '${ssh}' -F '${cfg}' "$@"\n`;
  fs.writeFileSync(path.join(d, 'bin', 'ssh'), wrapper(sshConfig), { mode: 0o755 });
  fs.writeFileSync(path.join(d, 'bin-wrong-key', 'ssh'), wrapper(path.join(d, 'ssh_config_wrong_key')), {
    mode: 0o755,
  });
  let child: ChildProcess | null = null;
  let remotes = 0;

  const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const start = async (): Promise<void> => {
    const from = log().length;
    const out = fs.openSync(logFile, 'a');
    child = spawn(SSHD, ['-D', '-e', '-f', conf], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const c = child;
    await waitFor(
      () => log().slice(from).includes(`Server listening on 127.0.0.1 port ${port}`) || c.exitCode !== null,
      { timeoutMs: 10_000, what: `sshd on port ${port}` },
    );
    if (c.exitCode !== null) throw new Error(`sshd exited (${c.exitCode}):\n${log().slice(from)}`);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const pids = [c.pid, ...descendants(c.pid)];
    const exited = new Promise((r) => c.once('exit', r));
    for (const p of pids) {
      try {
        process.kill(p, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await exited;
    await waitFor(
      () =>
        pids.every((p) => !fs.existsSync(`/proc/${p}`) || fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z ')),
      { timeoutMs: 10_000, what: 'sshd and its sessions to end' },
    );
  };
  await start();
  return {
    port,
    sshConfig,
    pathPrepend: path.join(d, 'bin'),
    env: { PATH: `${path.join(d, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}` },
    user: os.userInfo().username,
    remoteDir(name = `remote-${++remotes}`) {
      const p = path.join(dir, name);
      fs.mkdirSync(p, { recursive: true });
      return p;
    },
    acceptedLogins: () => (log().match(/Accepted publickey for /g) ?? []).length,
    log,
    wrongKeyPath: () => path.join(d, 'bin-wrong-key'),
    stop,
    start,
  };
}

/** An agent's config that mirrors `watch` to the directory `dst` over this sshd (rsync -a, no --timeout); `over` adds or replaces. */
export function sshSpec(sshd: Sshd, watch: string, dst: string, over: Partial<ConfigSpec> = {}): ConfigSpec {
  return {
    watch,
    remotes: [{ module: dst }],
    port: sshd.port,
    ssh: true,
    commonParams: '-a',
    timeoutSec: null,
    ...over,
  };
}

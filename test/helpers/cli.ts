/**
 * The CLI as a command (sync or not, optionally under a umask) and what the -d tests need around
 * it: is a pid alive, stop what a PID file names, which workers the supervisor started.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OWN_NODE_FLAGS } from '../../src/shared/node-flags.js';
import { CLI } from './agent.js';
import type { TestDir } from './rsyncd.js';
import { waitFor } from './wait.js';

export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 120000 */
  readonly timeoutMs?: number;
  /** The script to run. @default dist/src/main.js (CLI) */
  readonly script?: string;
}

/** Runs `sersync-ts ARGS` to its end. */
export function cli(args: readonly string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [...OWN_NODE_FLAGS, opts.script ?? CLI, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * `sersync-ts receiver init` as the tests run it: the module, its path and the output directory,
 * user rsyncuser; with `port`, a daemon for this host only (--allow 127.0.0.1/32 --port N).
 */
export function receiverInit(o: {
  readonly module: string;
  readonly path: string;
  readonly out: string;
  readonly port?: number;
}): CliResult {
  const listen = o.port === undefined ? [] : ['--allow', '127.0.0.1/32', '--port', String(o.port)];
  return cli([
    'receiver',
    'init',
    '--module',
    o.module,
    '--path',
    o.path,
    '--user',
    'rsyncuser',
    ...listen,
    '--out',
    o.out,
  ]);
}

/** The CLI, asynchronously (two at once), optionally through `sh -c 'umask ...; exec ...'`. */
export function cliAsync(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; umask?: string; cwd?: string; script?: string } = {},
): Promise<CliResult> {
  const script = opts.script ?? CLI;
  const argv = opts.umask
    ? ['sh', ['-c', `umask ${opts.umask}; exec "$0" "$@"`, process.execPath, ...OWN_NODE_FLAGS, script, ...args]]
    : [process.execPath, [...OWN_NODE_FLAGS, script, ...args]];
  return new Promise((resolve) => {
    const c = spawn(argv[0] as string, argv[1] as string[], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A file's text, or '' while it does not exist. */
export const readText = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');

/** The worker pids a supervisor's log names, in order. */
export const workerPids = (log: string): number[] =>
  [...log.matchAll(/worker started \(pid (\d+)\)/g)].map((m) => Number(m[1]));

/**
 * SIGTERM to the process a PID file names; waits until it is gone. Throws when the PID file names
 * a process that does not run (a test that expects a running daemon fails there); nothing when
 * there is no PID file.
 */
export async function stopByPidFile(pidFile: string): Promise<void> {
  const pid = Number(readText(pidFile));
  if (!(pid > 0)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !alive(pid), { timeoutMs: 60_000, what: `pid ${pid} exits after SIGTERM` });
}

/** `NAME.pid` and `NAME.log` in the test dir for a -d run; whatever the PID file names is stopped when the dir closes. */
export function daemonFiles(dir: TestDir, name: string): { pidFile: string; logFile: string } {
  const pidFile = path.join(dir.tmp, `${name}.pid`);
  dir.onClose(() => stopByPidFile(pidFile).catch(() => undefined));
  return { pidFile, logFile: path.join(dir.tmp, `${name}.log`) };
}

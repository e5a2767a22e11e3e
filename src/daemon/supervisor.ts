/*
 * `-d`: the detaching parent (runDaemon) and the supervisor that keeps one agent worker alive
 * (runSupervisor), in one file because the two share the handshake (ready, starting and heartbeat
 * messages, the PID file's claim: shared/pid-file.ts); read together, a restart loop or a stale
 * PID file is understood in one place.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { Backoff, type BackoffPolicy } from '../shared/backoff.js';
import type { Io } from '../shared/io.js';
import type { Logger } from '../shared/logger.js';
import { claimPidFile, runningPid } from '../shared/pid-file.js';

export interface DaemonFiles {
  readonly pidFile: string;
  readonly logFile: string | null;
  /** The script the supervisor and its workers run. @default dist/src/main.js */
  readonly main?: string;
}

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/**
 * A worker that sends no heartbeat for this long is hung (or SIGSTOPped): it is restarted. While
 * it starts (probing remotes, walking a huge tree: no fixed limit, that takes what it takes) it
 * sends `starting` heartbeats, so a hung start is caught as fast as a hung agent.
 */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Before its first message of any kind (Node booting, loading the config) a worker gets this. */
const FIRST_BEAT_TIMEOUT_MS = 60_000;
/**
 * How long `sersync-ts -d` waits for the agent to be watching before it returns anyway ("still
 * starting in the background"): the same 10 min as the unit's TimeoutStartSec.
 */
const LAUNCH_WAIT_MS = 600_000;
export interface RestartPolicy extends BackoffPolicy {
  /** A worker that ran longer than this before dying starts the backoff afresh. */
  readonly resetAfterMs: number;
}

/** Worker restarts: 1 s doubling to 60 s; a worker that ran over a minute restarts after 1 s. */
export const RESTART_POLICY: RestartPolicy = { baseMs: 1000, capMs: 60_000, resetAfterMs: 60_000 };

/** How long to wait before restarting a worker that died after running `ranForMs`. */
export function restartWait(restarts: Backoff, ranForMs: number, p: RestartPolicy = RESTART_POLICY): number {
  if (ranForMs > p.resetAfterMs) restarts.reset();
  return restarts.next();
}

/**
 * `-d`: the config is already validated (exit 78 happened before this). Refuse a second instance
 * on the same PID file, start the supervisor detached (new session, cwd /, umask 022), and
 * return once its agent is watching, so the exit code means something (sersync2 -d returned 0
 * whatever happened).
 */
export async function runDaemon(
  argv: readonly string[],
  files: DaemonFiles,
  stateDir: string,
  io: Io,
): Promise<number> {
  const other = runningPid(files.pidFile);
  if (other !== null) {
    io.err(
      `sersync-ts: already running (pid ${other}, PID file ${files.pidFile}); stop it first, or give another --pid-file`,
    );
    return EXIT.FAILURE;
  }
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const f of [files.pidFile, files.logFile]) if (f) fs.mkdirSync(path.dirname(f), { recursive: true });
  const args = [
    files.main ?? MAIN,
    ...argv,
    '--role=supervisor',
    `--pid-file=${files.pidFile}`,
    ...(files.logFile ? [`--log-file=${files.logFile}`] : []),
  ];
  // The supervisor's own stdout/stderr go to the log file: what it says before its logger exists
  // (a config it cannot read, a crash) is shown below when it fails to start.
  const out = files.logFile ? fs.openSync(files.logFile, 'a', 0o644) : 'ignore';
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out, 'ipc'], cwd: '/' });
  if (typeof out === 'number') fs.closeSync(out);
  const outcome = await new Promise<{ kind: 'ready' } | { kind: 'exit'; code: number | null } | { kind: 'slow' }>(
    (resolve) => {
      const t = setTimeout(() => resolve({ kind: 'slow' }), LAUNCH_WAIT_MS);
      child.on('message', (m: { type?: string }) => {
        if (m.type === 'ready') {
          clearTimeout(t);
          resolve({ kind: 'ready' });
        }
      });
      child.on('exit', (code) => {
        clearTimeout(t);
        resolve({ kind: 'exit', code });
      });
    },
  );
  const where = `log: ${files.logFile ?? 'stderr'}, PID file: ${files.pidFile}`;
  if (outcome.kind === 'exit') {
    // Another start won the race for the PID file between our check above and the supervisor's.
    const winner = runningPid(files.pidFile);
    if (winner !== null && winner !== child.pid) {
      io.err(
        `sersync-ts: already running (pid ${winner}, PID file ${files.pidFile}); stop it first, or give another --pid-file`,
      );
      return EXIT.FAILURE;
    }
    io.err(`sersync-ts: the daemon failed to start (exit ${outcome.code}); ${where}`);
    if (files.logFile) for (const l of tail(files.logFile, 8)) io.err(`  ${l}`);
    return outcome.code ?? EXIT.FAILURE;
  }
  child.disconnect();
  child.unref();
  io.out(
    outcome.kind === 'ready'
      ? `sersync-ts: running in the background (pid ${child.pid}); ${where}`
      : `sersync-ts: still starting in the background (pid ${child.pid}); ${where}`,
  );
  return EXIT.OK;
}

function tail(file: string, n: number): string[] {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
  } catch {
    return [];
  }
}

/**
 * The supervisor: writes the PID file, runs the agent as a worker process, and restarts it with
 * backoff when it crashes or stops answering heartbeats (hung, or SIGSTOPped). TERM/INT stop the
 * worker cleanly; HUP and USR1 are passed on. A worker exiting 78 (bad config) is not restarted.
 */
export async function runSupervisor(
  argv: readonly string[],
  files: DaemonFiles,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<number> {
  const log = logger.child('supervisor');
  process.chdir('/');
  process.umask(0o022);
  const other = claimPidFile(files.pidFile);
  if (other !== null) {
    log.error(`already running (pid ${other}, PID file ${files.pidFile})`);
    await logger.flush();
    return EXIT.FAILURE;
  }
  let worker: ChildProcess | null = null;
  let lastBeat = 0;
  let heard = false;
  let ready = false;
  let startedAt = 0;
  const restarts = new Backoff(RESTART_POLICY);
  let shuttingDown = false;
  let toldParent = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  const startWorker = (): void => {
    ready = false;
    heard = false;
    startedAt = clock.now();
    lastBeat = clock.now();
    const w = fork(
      files.main ?? MAIN,
      [...argv, '--role=worker', ...(files.logFile ? [`--log-file=${files.logFile}`] : [])],
      { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    worker = w;
    log.info(`worker started (pid ${w.pid})`);
    // The worker logs to the file itself; anything on its stdout/stderr is out of band (an
    // uncaught exception's stack, a Node warning): into the log, line by line, so it is not lost.
    const wlog = logger.child(`worker ${w.pid}`);
    if (w.stderr)
      readline.createInterface({ input: w.stderr, crlfDelay: Infinity }).on('line', (l) => l.trim() && wlog.error(l));
    if (w.stdout)
      readline.createInterface({ input: w.stdout, crlfDelay: Infinity }).on('line', (l) => l.trim() && wlog.info(l));
    w.on('message', (m: { type?: string }) => {
      if (m.type === 'heartbeat' || m.type === 'ready' || m.type === 'starting') {
        lastBeat = clock.now();
        heard = true;
      }
      if (m.type === 'ready') {
        ready = true;
        if (!toldParent && process.send) {
          toldParent = true;
          process.send({ type: 'ready' });
          process.disconnect?.();
        }
      }
    });
    w.on('exit', (code, signal) => {
      worker = null;
      if (shuttingDown) return finish(EXIT.OK);
      if (code === EXIT.CONFIG) {
        log.error('worker exited 78 (configuration error): not restarting; fix the config and start again');
        return finish(EXIT.CONFIG);
      }
      if (code === 0 && signal === null) {
        log.info('worker exited normally; supervisor exits too');
        return finish(EXIT.OK);
      }
      const waitMs = restartWait(restarts, clock.now() - startedAt);
      log.error(
        `worker pid ${w.pid} died (${signal ? `signal ${signal}` : `exit ${code}`}); restarting it in ${waitMs / 1000} s`,
      );
      setTimeout(() => !shuttingDown && startWorker(), waitMs);
    });
  };

  const watchdog = setInterval(() => {
    const w = worker;
    if (!w || shuttingDown) return;
    const silentFor = clock.now() - lastBeat;
    const limit = heard ? HEARTBEAT_TIMEOUT_MS : FIRST_BEAT_TIMEOUT_MS;
    if (silentFor > limit) {
      log.error(
        `worker pid ${w.pid} sent no heartbeat for ${Math.round(silentFor / 1000)} s (${ready ? 'hung, stopped, or unhealthy' : 'hung or stopped while starting'}); killing it`,
      );
      lastBeat = clock.now();
      w.kill('SIGKILL');
    }
  }, 1000);

  const stop = (sig: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info(`${sig}: stopping the worker`);
    const w = worker;
    if (!w) return finish(EXIT.OK);
    w.kill('SIGCONT'); // a stopped worker must run to see SIGTERM
    w.kill('SIGTERM');
    setTimeout(() => w.kill('SIGKILL'), 45_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    logger.reopen();
    worker?.kill('SIGHUP');
  });
  process.on('SIGUSR1', () => worker?.kill('SIGUSR1'));
  startWorker();
  const code = await done;
  clearInterval(watchdog);
  try {
    if (fs.readFileSync(files.pidFile, 'utf8').trim() === String(process.pid)) fs.rmSync(files.pidFile);
  } catch {
    /* already gone */
  }
  log.info(`supervisor exits (${code})`);
  await logger.flush();
  return code;
}

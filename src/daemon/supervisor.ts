/*
 * `-d`: the detaching parent (runDaemon) and the supervisor that keeps one agent worker alive
 * (runSupervisor, its worker in worker-keeper.ts), in one file because the two share the handshake (ready, starting and heartbeat
 * messages, the PID file's claim: shared/pid-file.ts); read together, a restart loop or a stale
 * PID file is understood in one place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Io } from '../shared/io.js';
import type { Logger } from '../shared/logger.js';
import { claimPidFile, runningPid } from '../shared/pid-file.js';
import { WorkerKeeper } from './worker-keeper.js';

interface DaemonFiles {
  readonly pidFile: string;
  readonly logFile: string | null;
  /** The script the supervisor and its workers run. @default dist/src/main.js */
  readonly main?: string;
}

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/**
 * How long `sersync-ts -d` waits for the agent to be watching before it returns anyway ("still
 * starting in the background"): the same 10 min as the unit's TimeoutStartSec.
 */
const LAUNCH_WAIT_MS = 600_000;

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
  // With this process's node flags (the launcher's: shared/node-flags.ts), as fork() would.
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    cwd: '/',
  });
  if (typeof out === 'number') fs.closeSync(out);
  const outcome = await launched(child);
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

/** The supervisor's first word: its agent is watching, it exited, or it is still starting after LAUNCH_WAIT_MS. */
function launched(
  child: ChildProcess,
): Promise<{ kind: 'ready' } | { kind: 'exit'; code: number | null } | { kind: 'slow' }> {
  return new Promise((resolve) => {
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
  });
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
  const keeper = new WorkerKeeper(
    files.main ?? MAIN,
    [...argv, '--role=worker', ...(files.logFile ? [`--log-file=${files.logFile}`] : [])],
    logger,
    clock,
  );
  const watchdog = setInterval(() => keeper.checkHeartbeat(), 1000);
  process.on('SIGTERM', (sig) => keeper.stop(sig));
  process.on('SIGINT', (sig) => keeper.stop(sig));
  process.on('SIGHUP', () => {
    logger.reopen();
    keeper.signal('SIGHUP');
  });
  process.on('SIGUSR1', () => keeper.signal('SIGUSR1'));
  keeper.start();
  const code = await keeper.done;
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

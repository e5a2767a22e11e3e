import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export interface DaemonFiles {
  readonly pidFile: string;
  readonly logFile: string | null;
}

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** A worker that sends no heartbeat for this long is hung (or SIGSTOPped): it is restarted. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Startup (watching a huge tree, probing remotes) may take this long before the first heartbeat. */
const STARTUP_TIMEOUT_MS = 300_000;
const RESTART_BASE_MS = 1000;
const RESTART_CAP_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a PID file when that process still runs, else null. */
export function runningPid(pidFile: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/**
 * `-d`: the config is already validated (exit 78 happened before this). Refuse a second instance
 * on the same PID file, start the supervisor detached (new session, cwd /, umask 022), and
 * return once its agent is watching, so the exit code means something (sersync2 -d returned 0
 * whatever happened).
 */
export async function runDaemon(argv: readonly string[], files: DaemonFiles, stateDir: string, io: Io): Promise<number> {
  const other = runningPid(files.pidFile);
  if (other !== null) {
    io.err(`sersync-ts: already running (pid ${other}, PID file ${files.pidFile}); stop it first, or give another --pid-file`);
    return EXIT.FAILURE;
  }
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const f of [files.pidFile, files.logFile]) if (f) fs.mkdirSync(path.dirname(f), { recursive: true });
  const args = [MAIN, ...argv, '--role=supervisor', `--pid-file=${files.pidFile}`, ...(files.logFile ? [`--log-file=${files.logFile}`] : [])];
  // The supervisor's own stdout/stderr go to the log file: what it says before its logger exists
  // (a config it cannot read, a crash) is shown below when it fails to start.
  const out = files.logFile ? fs.openSync(files.logFile, 'a', 0o644) : 'ignore';
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out, 'ipc'], cwd: '/' });
  if (typeof out === 'number') fs.closeSync(out);
  const outcome = await new Promise<{ kind: 'ready' } | { kind: 'exit'; code: number | null } | { kind: 'slow' }>((resolve) => {
    const t = setTimeout(() => resolve({ kind: 'slow' }), STARTUP_TIMEOUT_MS);
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
  const where = `log: ${files.logFile ?? 'stderr'}, PID file: ${files.pidFile}`;
  if (outcome.kind === 'exit') {
    io.err(`sersync-ts: the daemon failed to start (exit ${outcome.code}); ${where}`);
    if (files.logFile) for (const l of tail(files.logFile, 8)) io.err(`  ${l}`);
    return outcome.code ?? EXIT.FAILURE;
  }
  child.disconnect();
  child.unref();
  io.out(outcome.kind === 'ready' ? `sersync-ts: running in the background (pid ${child.pid}); ${where}` : `sersync-ts: still starting in the background (pid ${child.pid}); ${where}`);
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
export async function runSupervisor(argv: readonly string[], files: DaemonFiles, logger: Logger): Promise<number> {
  const log = logger.child('supervisor');
  process.chdir('/');
  process.umask(0o022);
  const other = runningPid(files.pidFile);
  if (other !== null && other !== process.pid) {
    log.error(`already running (pid ${other}, PID file ${files.pidFile})`);
    return EXIT.FAILURE;
  }
  fs.writeFileSync(files.pidFile, `${process.pid}\n`, { mode: 0o644 });
  let worker: ChildProcess | null = null;
  let lastBeat = 0;
  let ready = false;
  let startedAt = 0;
  let restartDelay = RESTART_BASE_MS;
  let shuttingDown = false;
  let toldParent = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  const startWorker = (): void => {
    ready = false;
    startedAt = Date.now();
    lastBeat = Date.now();
    const w = fork(MAIN, [...argv, '--role=worker', ...(files.logFile ? [`--log-file=${files.logFile}`] : [])], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    worker = w;
    log.info(`worker started (pid ${w.pid})`);
    // The worker logs to the file itself; anything on its stdout/stderr is out of band (an
    // uncaught exception's stack, a Node warning): into the log, line by line, so it is not lost.
    const wlog = logger.child(`worker ${w.pid}`);
    if (w.stderr) readline.createInterface({ input: w.stderr, crlfDelay: Infinity }).on('line', (l) => l.trim() && wlog.error(l));
    if (w.stdout) readline.createInterface({ input: w.stdout, crlfDelay: Infinity }).on('line', (l) => l.trim() && wlog.info(l));
    w.on('message', (m: { type?: string }) => {
      if (m.type === 'heartbeat' || m.type === 'ready') lastBeat = Date.now();
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
      if (Date.now() - startedAt > RESTART_CAP_MS) restartDelay = RESTART_BASE_MS;
      log.error(`worker pid ${w.pid} died (${signal ? `signal ${signal}` : `exit ${code}`}); restarting it in ${restartDelay / 1000} s`);
      setTimeout(() => !shuttingDown && startWorker(), restartDelay);
      restartDelay = Math.min(RESTART_CAP_MS, restartDelay * 2);
    });
  };

  const watchdog = setInterval(() => {
    const w = worker;
    if (!w || shuttingDown) return;
    const silentFor = Date.now() - lastBeat;
    const limit = ready ? HEARTBEAT_TIMEOUT_MS : STARTUP_TIMEOUT_MS;
    if (silentFor > limit) {
      log.error(`worker pid ${w.pid} sent no heartbeat for ${Math.round(silentFor / 1000)} s (hung, stopped, or unhealthy); killing it`);
      lastBeat = Date.now();
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
  return code;
}

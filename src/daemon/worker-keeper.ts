import { fork, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { Backoff, type BackoffPolicy } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import { EXIT } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * A worker that sends no heartbeat for this long is hung (or SIGSTOPped): it is restarted. While
 * it starts (probing remotes, walking a huge tree: no fixed limit, that takes what it takes) it
 * sends `starting` heartbeats, so a hung start is caught as fast as a hung agent.
 */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Before its first message of any kind (Node booting, loading the config) a worker gets this. */
const FIRST_BEAT_TIMEOUT_MS = 60_000;

interface RestartPolicy extends BackoffPolicy {
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
 * The supervisor's one worker (supervisor.ts, runSupervisor): started, listened to, killed when
 * its heartbeats stop, restarted with backoff when it dies; `done` resolves to the supervisor's
 * exit code once it must not come back (stopped, exit 0, or exit 78: a bad config).
 */
export class WorkerKeeper {
  private worker: ChildProcess | null = null;
  private lastBeat = 0;
  private heard = false;
  private ready = false;
  private startedAt = 0;
  private readonly restarts = new Backoff(RESTART_POLICY);
  private shuttingDown = false;
  private toldParent = false;
  private finish: (code: number) => void = () => {};
  readonly done = new Promise<number>((resolve) => (this.finish = resolve));
  private readonly log: Logger;

  constructor(
    private readonly main: string,
    private readonly args: readonly string[],
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.log = logger.child('supervisor');
  }

  start(): void {
    this.ready = false;
    this.heard = false;
    this.startedAt = this.clock.now();
    this.lastBeat = this.clock.now();
    const w = fork(this.main, [...this.args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.worker = w;
    this.log.info(`worker started (pid ${w.pid})`);
    // The worker logs to the file itself; anything on its stdout/stderr is out of band (an
    // uncaught exception's stack, a Node warning): into the log, line by line, so it is not lost.
    const wlog = this.logger.child(`worker ${w.pid}`);
    if (w.stderr)
      readline.createInterface({ input: w.stderr, crlfDelay: Infinity }).on('line', (l) => l.trim() && wlog.error(l));
    if (w.stdout)
      readline.createInterface({ input: w.stdout, crlfDelay: Infinity }).on('line', (l) => l.trim() && wlog.info(l));
    w.on('message', (m: { type?: string }) => this.heardFrom(m));
    w.on('exit', (code, signal) => this.exited(w, code, signal));
  }

  private heardFrom(m: { type?: string }): void {
    if (m.type === 'heartbeat' || m.type === 'ready' || m.type === 'starting') {
      this.lastBeat = this.clock.now();
      this.heard = true;
    }
    if (m.type !== 'ready') return;
    this.ready = true;
    if (!this.toldParent && process.send) {
      this.toldParent = true;
      process.send({ type: 'ready' });
      process.disconnect?.();
    }
  }

  private exited(w: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.worker = null;
    if (this.shuttingDown) return this.finish(EXIT.OK);
    if (code === EXIT.CONFIG) {
      this.log.error('worker exited 78 (configuration error): not restarting; fix the config and start again');
      return this.finish(EXIT.CONFIG);
    }
    if (code === 0 && signal === null) {
      this.log.info('worker exited normally; supervisor exits too');
      return this.finish(EXIT.OK);
    }
    const waitMs = restartWait(this.restarts, this.clock.now() - this.startedAt);
    this.log.error(
      `worker pid ${w.pid} died (${signal ? `signal ${signal}` : `exit ${code}`}); restarting it in ${waitMs / 1000} s`,
    );
    setTimeout(() => !this.shuttingDown && this.start(), waitMs);
  }

  /** Every second: a worker silent for too long is killed (and restarted by exited()). */
  checkHeartbeat(): void {
    const w = this.worker;
    if (!w || this.shuttingDown) return;
    const silentFor = this.clock.now() - this.lastBeat;
    const limit = this.heard ? HEARTBEAT_TIMEOUT_MS : FIRST_BEAT_TIMEOUT_MS;
    if (silentFor > limit) {
      this.log.error(
        `worker pid ${w.pid} sent no heartbeat for ${Math.round(silentFor / 1000)} s (${this.ready ? 'hung, stopped, or unhealthy' : 'hung or stopped while starting'}); killing it`,
      );
      this.lastBeat = this.clock.now();
      w.kill('SIGKILL');
    }
  }

  /** TERM/INT: the worker stops cleanly (killed after 45 s); `done` resolves when it has exited. */
  stop(sig: NodeJS.Signals): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.info(`${sig}: stopping the worker`);
    const w = this.worker;
    if (!w) return this.finish(EXIT.OK);
    w.kill('SIGCONT'); // a stopped worker must run to see SIGTERM
    w.kill('SIGTERM');
    setTimeout(() => w.kill('SIGKILL'), 45_000).unref();
  }

  /** HUP and USR1 are passed on. */
  signal(sig: 'SIGHUP' | 'SIGUSR1'): void {
    this.worker?.kill(sig);
  }
}

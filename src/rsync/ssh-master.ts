import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { loadExeca } from '../shared/execa-lazy.js';
import type { Remote, RsyncConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff.js';
import { connectTimeoutSec } from './args.js';
import { sshControlArgs, sshMasterArgs } from './ssh-command.js';

/** How often a running master is asked `ssh -O check`. */
const CHECK_EVERY_MS = 10_000;
/** `-O check` / `-O exit` answer a local socket: anything slower means the master is wedged. */
const CONTROL_TIMEOUT_MS = 5000;
/**
 * Restart spacing: 0.5 s doubling to 10 s, jittered. Capped lower than a lane's retries: an
 * attempt against a host that is away costs one refused connection, and once the host is back
 * every rsync pays a full handshake until the master is up again.
 */
const RESTART: BackoffPolicy = { baseMs: 500, capMs: 10_000 };
/** A master that stayed up this long starts its restart backoff from the beginning again. */
const STABLE_MS = 30_000;

type MasterState = 'starting' | 'up' | 'down' | 'stopped';

/** The ssh client binary (found on PATH, like rsync finds it). */
const SSH = 'ssh';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One multiplexed OpenSSH master (`ssh -M -N`) to one host, owned as a child process: when it
 * dies the agent sees it and starts another with backoff; a master that stops answering
 * `ssh -O check` is ended and restarted. While there is none, rsync's ssh (ControlMaster=no)
 * logs in on its own, so nothing fails because of the master: it only saves the handshake.
 * Chosen over ControlMaster=auto + ControlPersist, where the first rsync's ssh would fork a
 * master into the background: nobody would see it die, rsyncs starting together would race to
 * become it, and it would outlive the agent.
 */
export class SshMaster {
  private child: ChildProcess | null = null;
  private stateNow: MasterState = 'starting';
  private attempts = 0;
  private upSince: number | null = null;
  private stderrTail = '';
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly rsync: RsyncConfig,
    private readonly remote: Remote,
    /** The socket, named for this host and agent instance. */
    readonly socket: string,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  get state(): MasterState {
    return this.stateNow;
  }

  /** The master's process id while one runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    if (this.stopping || this.child) return;
    // A master killed with -9 leaves its socket behind, and a new one would then find the path
    // taken and run without listening. The name is this agent instance's alone: remove it.
    void fs.rm(this.socket, { force: true }).then(() => this.spawnMaster());
  }

  private spawnMaster(): void {
    if (this.stopping || this.child) return;
    const connect = connectTimeoutSec(this.rsync);
    const child = spawn(SSH, sshMasterArgs(this.rsync, this.remote, this.socket, connect), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.stateNow = 'starting';
    this.stderrTail = '';
    child.stderr?.on('data', (b: Buffer) => (this.stderrTail = (this.stderrTail + b.toString('utf8')).slice(-2000)));
    let gone = false;
    const onGone = (why: string): void => {
      if (gone) return;
      gone = true;
      this.exited(child, why);
    };
    child.once('error', (err) => onGone(`cannot run ${SSH}: ${err.message}`));
    child.once('exit', (code, signal) => onGone(signal ? `killed by ${signal}` : `exit ${code}`));
    void this.whenUp(child, (connect + 5) * 1000);
  }

  /** Ends the master (`ssh -O exit`, then signals), and starts no other. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of [this.restartTimer, this.checkTimer]) if (t) clearTimeout(t);
    this.restartTimer = this.checkTimer = null;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.stateNow = 'stopped';
      return;
    }
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await this.controlCommand('exit');
    for (const [signal, ms] of [
      [null, 3000],
      ['SIGTERM', 2000],
      ['SIGKILL', 2000],
    ] as const) {
      if (signal) child.kill(signal);
      if (await Promise.race([exited.then(() => true), sleep(ms).then(() => false)])) break;
    }
    this.stateNow = 'stopped';
  }

  private async controlCommand(op: 'check' | 'exit'): Promise<boolean> {
    const execa = await loadExeca();
    const r = await execa(SSH, sshControlArgs(op, this.rsync, this.remote, this.socket), {
      reject: false,
      timeout: CONTROL_TIMEOUT_MS,
      stdin: 'ignore',
    });
    return r.exitCode === 0;
  }

  /** Up once its socket exists and it answers -O check; ended when it is not up in time. */
  private async whenUp(child: ChildProcess, limitMs: number): Promise<void> {
    const deadline = this.clock.now() + limitMs;
    while (this.child === child && child.exitCode === null && this.clock.now() < deadline) {
      if ((await fs.lstat(this.socket).catch(() => null))?.isSocket() && (await this.controlCommand('check'))) {
        if (this.child !== child) return;
        const again = this.upSince === null && this.attempts > 0;
        this.stateNow = 'up';
        this.upSince = this.clock.now();
        this.log.info(
          `ssh master to ${this.remote.ip} ${again ? 'up again' : 'up'} (pid ${child.pid}): rsync runs share its connection`,
        );
        this.scheduleCheck(child);
        return;
      }
      await sleep(25);
    }
    if (this.child === child && child.exitCode === null) {
      this.log.warn(`ssh master to ${this.remote.ip} not up after ${limitMs / 1000} s: ending it`);
      child.kill('SIGTERM');
    }
  }

  private scheduleCheck(child: ChildProcess): void {
    this.checkTimer = setTimeout(() => {
      this.checkTimer = null;
      void this.controlCommand('check').then((ok) => {
        if (this.child !== child || this.stopping) return;
        if (ok) return this.scheduleCheck(child);
        this.log.warn(`ssh master to ${this.remote.ip} (pid ${child.pid}) does not answer ssh -O check: restarting it`);
        child.kill('SIGTERM');
      });
    }, CHECK_EVERY_MS);
    this.checkTimer.unref();
  }

  private exited(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.checkTimer) clearTimeout(this.checkTimer);
    this.checkTimer = null;
    if (this.stopping) {
      this.stateNow = 'stopped';
      return;
    }
    const wasUp = this.stateNow === 'up';
    if (this.upSince !== null && this.clock.now() - this.upSince >= STABLE_MS) this.attempts = 0;
    this.upSince = null;
    this.stateNow = 'down';
    this.attempts++;
    const delay = backoffDelay(this.attempts, RESTART, this.random);
    const said = this.stderrTail
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-1)[0]
      ?.trim();
    const msg = `ssh master to ${this.remote.ip} ${wasUp ? 'ended' : 'could not start'} (${said ? `${said}; ` : ''}${how}); rsync logs in on its own meanwhile; restarting in ${delay} ms`;
    // Once when it goes down, not on every failed restart while the host stays away.
    if (wasUp || this.attempts === 1) this.log.warn(msg);
    else this.log.debug(msg);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start();
    }, delay);
    this.restartTimer.unref();
  }
}

/**
 * One (root, remote) pair: the edge around the lane's pure parts. One batch in flight at a time
 * in the main slot (so never two rsyncs for the same path on the same remote); whatever arrives
 * meanwhile ships together in the next batch; big files go through a second slot beside it
 * (large-files.ts). A failed batch's paths go back into the pending set, merged with newer ones,
 * and are retried with backoff; after a few failures the lane is down: its pending paths go to
 * the fail log and a probe watches for the remote's return, when everything is sent at once. A
 * receiver that refuses (auth, hosts, module, read only) or a root that is gone blocks the lane
 * at once (`refused`, `root-missing`: health.ts), probed until fixed; a receiver without room
 * holds back only the files that did not fit (room.ts). A lane's trouble is its own: other lanes
 * never wait for it.
 *
 * What to do next is decided by lane-machine.ts (control), lane-health.ts (retry or down) and
 * stuck-check.ts; this class holds the data, performs the actions (timers, transfers, probes,
 * fail-log writes) and reports to the agent. It is longer than most files because those actions
 * and the bookkeeping they share (what is pending, in flight, delivered) are one piece.
 */
import fs from 'node:fs/promises';
import type { Remote, WatchRoot } from '../config/types.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { TransferProgress } from '../rsync/progress.js';
import type { Logger } from '../shared/logger.js';
import { OneShot } from '../shared/one-shot.js';
import { toText } from '../shared/bytepath.js';
import { blocked, DEFAULT_LANE_HEALTH, LaneHealth, type FailureCause, type LaneHealthState } from './lane-health.js';
import {
  INITIAL,
  laneState,
  settled,
  step,
  type LaneAction,
  type LaneControl,
  type LaneEvent,
  type Verdict,
} from './lane-machine.js';
import { GATE } from './large-gate.js';
import { LARGE_FILE_BYTES } from './large-files.js';
import { absBytes, biggestFile, lookAt } from './large-look.js';
import { fullLine, splitNoRoom } from './room.js';
import { procWriters, type WriterCheck } from './open-writers.js';
import type { SlotRule } from './stat-batch.js';
import { blockedNote, failureLine, progressLine, summarizeRun } from './report.js';
import { refusalContext } from '../rsync/refusals.js';
import { SLOW_BATCH_MS, StuckCheck } from './stuck-check.js';
import { Transfer, type TransferOutcome } from './transfer.js';
import type { LaneDeps, LaneRef, LaneStatus } from './types.js';
import { LaneWork } from './work.js';

export type { BatchReport, LaneDeps, LaneFailure, LaneListener, LaneRef, LaneStatus } from './types.js';
export type { LaneState } from './lane-machine.js';
export { formatBytes } from './report.js';

/** A long full sync logs its progress this often. */
const PROGRESS_LOG_MS = 5000;
/** While down, new changes reach the fail log at most this often. */
const FAILLOG_UPDATE_MS = 1000;
/** A refused full sync (empty root) is retried this often until the root has content again. */
const REFUSED_RETRY_MS = 5000;
/**
 * The main slot asks whether a file of GATE.growingBytes or more is still open for writing only
 * when its inode changed this recently: a file that has not changed for this long is not being
 * written now, and the scan is not free.
 */
const RECENT_CHANGE_MS = 2000;

export class Lane implements LaneRef {
  private control: LaneControl = INITIAL;
  private readonly work: LaneWork;
  private readonly health: LaneHealth;
  private readonly stuck = new StuckCheck();
  private readonly transfer: Transfer;
  private readonly log: Logger;
  private readonly name: string;
  private progress: (TransferProgress & { startedAt: number }) | null = null;
  private progressLoggedAt = 0;
  /** The machine's one timer (spacing, retry, probe); the fail-log update while down; the stuck check. */
  private readonly timer = new OneShot();
  private readonly failLogTimer = new OneShot();
  private readonly slowTimer = new OneShot();
  /** The large-file slot's next look at files still being written. */
  private readonly largeTimer = new OneShot();
  private readonly writers: WriterCheck;
  /** One per rsync batch running now (either slot): aborting it ends that rsync. */
  private readonly running = new Set<AbortController>();
  private lastFailure: { exitCode: number; reason: string } = { exitCode: -1, reason: '' };
  private lastLoggedExit: number | null = null;
  private refusedLogged = false;
  private idleWaiters: Array<() => void> = [];
  private stats = {
    batches: 0,
    rsyncRuns: 0,
    fullSyncs: 0,
    lastFullSyncAt: null as number | null,
    lastSuccessAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(private readonly deps: LaneDeps) {
    this.work = new LaneWork({
      maxPathsPerDir: deps.config.debounce.maxPathsPerDir,
      maxPendingPaths: deps.config.debounce.maxPendingPaths,
    });
    this.health = new LaneHealth(deps.health ?? DEFAULT_LANE_HEALTH, deps.random ?? Math.random);
    this.log = deps.logger.child(deps.remote.label);
    this.transfer = new Transfer(deps, this.log);
    this.name = `${deps.root.path} -> ${deps.remote.label}`;
    this.writers = deps.writers ?? procWriters;
  }

  get root(): WatchRoot {
    return this.deps.root;
  }

  get remote(): Remote {
    return this.deps.remote;
  }

  enqueue(entries: readonly PendingEntry[]): void {
    if (this.control.run === 'stopped' || entries.length === 0) return;
    this.work.add(entries, this.deps.clock.now());
    this.dispatch({ type: 'work' });
  }

  requestFullSync(reason: string): void {
    if (this.control.run === 'stopped') return;
    this.log.info(`full sync of ${this.deps.root.path} requested (${reason})`);
    this.work.requestFullSync(this.deps.clock.now());
    this.dispatch({ type: 'work' });
  }

  isIdle(): boolean {
    return this.work.isIdle();
  }

  /** Resolves when nothing is pending or in flight (or the lane is stopped). */
  whenIdle(): Promise<void> {
    if (this.isIdle() || this.control.run === 'stopped') return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when the lane has nothing to do right now: idle, or waiting (backoff, down, refused). */
  whenSettled(): Promise<void> {
    if (settled(this.control, this.isIdle())) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Undo pause(): start rsyncs again (a reload that failed). */
  resume(): void {
    this.dispatch({ type: 'resume' });
  }

  /**
   * Start no new rsync and resolve once the one now running (if any) has finished. Unlike stop(),
   * enqueue() and requestFullSync() still record what they are given: during a config reload the
   * old watcher keeps flushing changes here until handOver() collects them with undelivered().
   */
  async pause(): Promise<void> {
    this.dispatch({ type: 'pause' });
    while (this.work.inFlight || this.work.large.inFlight) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stop taking work; an rsync already running is left to finish. */
  stop(): void {
    this.slowTimer.cancel();
    this.largeTimer.cancel();
    this.dispatch({ type: 'stop' });
  }

  /** Everything not yet delivered: pending plus the batch in flight (for the journal). */
  undelivered(): SyncBatch {
    return this.work.undelivered();
  }

  get pendingCount(): number {
    return this.work.pendingPaths + this.work.inFlightPaths;
  }

  /** A full sync waits (say, refused on an empty root) or runs: the paths it covers are not counted above. */
  get fullSyncPending(): boolean {
    return this.work.pending.fullSync || this.work.inFlight?.fullSync === true;
  }

  status(): LaneStatus {
    return {
      root: this.deps.root.path,
      remote: this.deps.remote.label,
      state: laneState(
        this.control,
        this.health.state,
        this.work.inFlight?.fullSync === true,
        this.work.large.deferredCount > 0,
      ),
      health: this.health.state,
      pendingPaths: this.work.pendingPaths,
      inFlightPaths: this.work.inFlightPaths,
      fullSyncPending: this.work.pending.fullSync,
      attempts: this.health.attempts,
      ...this.stats,
      inFlightSince: this.work.inFlightSince,
      oldestPendingSince: this.work.behindSince,
      progress: this.progress,
    };
  }

  /**
   * Blocked without a failed batch of its own: the receiver refused the startup probe (`answer`:
   * its words), or the watcher saw the root go. Probed until it is fixed, nothing lost meanwhile.
   */
  block(cause: 'refused' | 'root-missing', answer = ''): void {
    if (this.control.run === 'stopped' || this.health.state === cause) return;
    const now = this.deps.clock.now();
    const was = this.health.state;
    const d = this.health.onFailure(now, now, cause);
    const probeInMs = d.kind === 'down' ? d.probeInMs : 0;
    this.noteBlocked(was, cause, answer, -1, probeInMs);
    this.dispatch({ type: 'blocked', probeInMs });
  }

  // --- the machine's actions ---------------------------------------------------------------------

  private dispatch(e: LaneEvent): void {
    const next = step(this.control, e, this.work.facts(blocked(this.health.state), this.deps.clock.now()));
    this.control = next.state;
    for (const a of next.actions) this.perform(a);
  }

  private perform(a: LaneAction): void {
    switch (a.do) {
      case 'send-main': {
        const batch = this.work.takeMain(this.deps.clock.now());
        return batch ? void this.execute(batch, 'main') : this.dispatch({ type: 'main-held' });
      }
      case 'send-large':
        return this.lookAtLarge();
      case 'start-large':
        return void this.execute(this.work.large.start(this.deps.clock.now()), 'large');
      case 'arm-large':
        return this.largeTimer.arm(a.ms, () => this.dispatch({ type: 'large-timer' }));
      case 'disarm-large':
        return this.largeTimer.cancel();
      case 'arm':
        return this.timer.arm(a.ms, () => this.dispatch({ type: 'timer' }));
      case 'disarm':
        return this.timer.cancel();
      case 'probe':
        return void this.probe();
      case 'fail-log':
        return this.writeFailLog();
      case 'fail-log-soon':
        return this.failLogTimer.arm(FAILLOG_UPDATE_MS, () => this.dispatch({ type: 'fail-log-due' }));
      case 'cancel-fail-log-soon':
        return this.failLogTimer.cancel();
      case 'wake': {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  private async execute(batch: SyncBatch, slot: 'main' | 'large'): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.slowTimer.ensure(SLOW_BATCH_MS, () => void this.checkStuck());
    const abort = new AbortController();
    this.running.add(abort);
    let outcome: TransferOutcome;
    try {
      outcome = batch.fullSync
        ? await this.transfer.fullSync((p) => this.onProgress(p), abort.signal)
        : await this.transfer.send(
            batch.entries,
            slot === 'main' ? this.mainRule() : undefined,
            abort.signal,
            this.work.large.deferredCount > 0,
          );
    } catch (err) {
      outcome = {
        kind: 'ran',
        result: {
          exitCode: -1,
          signal: null,
          stderr: String(err),
          durationMs: 0,
          bytesSent: null,
          filesTransferred: null,
          spawnError: String(err),
        },
        paths: 0,
        rsyncRuns: 0,
      };
    } finally {
      this.running.delete(abort);
    }
    // A run that failed because the root itself is gone says so, not "remote down" (spawn ENOENT).
    const failed =
      outcome.kind === 'refused' ||
      (outcome.kind === 'ran' && (outcome.result.exitCode !== 0 || outcome.result.spawnError !== null));
    const rootGone =
      failed &&
      !(await fs.stat(this.deps.root.path).then(
        (st) => st.isDirectory(),
        () => false,
      ));
    const verdict = this.judge(batch, slot, outcome, startedAt, rootGone);
    if (slot === 'main') {
      this.work.mainDone();
      this.progress = null;
    } else this.work.large.done();
    if (verdict.kind === 'ok' && this.work.large.deferredCount === 0 && this.health.onRoom())
      this.log.info(`${this.deps.remote.label} has room again: the files that did not fit are delivered`);
    this.dispatch({ type: slot === 'main' ? 'main-done' : 'large-done', verdict });
  }

  /** Reports a finished batch (log, stats, listener) and asks LaneHealth what comes next. */
  private judge(
    batch: SyncBatch,
    slot: 'main' | 'large',
    outcome: TransferOutcome,
    startedAt: number,
    rootGone: boolean,
  ): Verdict {
    // Big files found in a main batch: they go through the large-file slot instead.
    const large = outcome.kind !== 'refused' && outcome.large ? new Set(outcome.large.map((e) => e.path)) : null;
    if (outcome.kind !== 'refused' && outcome.large) {
      this.work.large.hold(outcome.large, this.deps.clock.now());
      this.log.debug(
        () =>
          `${outcome.large!.length} big or still written file(s) wait for the large-file slot: ${outcome.large!.map((e) => JSON.stringify(toText(e.path))).join(' ')}`,
      );
    }
    if (outcome.kind === 'nothing') return this.succeeded();
    if (outcome.kind === 'refused' && rootGone) {
      this.work.requeue({ fullSync: true, entries: [] });
      return this.blockedBy('root-missing', '', -1, startedAt);
    }
    if (outcome.kind === 'refused') {
      // Never wipe the remote from an empty or missing root; try again later, it may fill up.
      this.work.requeue({ fullSync: true, entries: [] });
      this.stats.lastError = outcome.reason;
      if (!this.refusedLogged) this.log.error(`${outcome.reason}; will check again every ${REFUSED_RETRY_MS / 1000} s`);
      this.refusedLogged = true;
      return { kind: 'refused', retryInMs: REFUSED_RETRY_MS };
    }
    this.refusedLogged = false;
    this.stats.batches++;
    this.stats.rsyncRuns += outcome.rsyncRuns;
    const { result } = outcome;
    const run = summarizeRun(
      this.name,
      { full: batch.fullSync, large: slot === 'large', paths: outcome.paths, rsyncRuns: outcome.rsyncRuns },
      result,
      refusalContext(this.deps.config.rsync, this.deps.remote, { configFile: this.deps.config.file }),
    );
    this.deps.listener.batchDone(this, run.report);
    if (run.report.ok) {
      if (batch.fullSync) {
        this.stats.fullSyncs++;
        this.stats.lastFullSyncAt = this.deps.clock.wallNow();
      }
      this.log.info(run.line);
      if (!batch.fullSync)
        this.deps.listener.delivered(this, large ? batch.entries.filter((e) => !large.has(e.path)) : batch.entries);
      return this.succeeded();
    }
    if (run.refusal?.kind === 'full' && !batch.fullSync && !rootGone)
      return this.noRoom(batch, result.stderr, run.refusal.line);
    this.work.requeue(batch);
    if (rootGone || run.refusal?.kind === 'refused')
      return this.blockedBy(
        rootGone ? 'root-missing' : 'refused',
        run.refusal?.line ?? '',
        result.exitCode,
        startedAt,
        rootGone ? '' : `${run.line}; `,
      );
    this.stats.lastError = `exit ${result.exitCode}: ${run.reason}`;
    this.lastFailure = { exitCode: result.exitCode, reason: run.reason };
    const decision = this.health.onFailure(this.deps.clock.now(), startedAt);
    const attempts = this.health.attempts;
    // Logged when the failure changes (or the lane goes down), not on every repeat.
    const loud =
      this.lastLoggedExit !== result.exitCode ||
      (decision.kind === 'down' && attempts === (this.deps.health ?? DEFAULT_LANE_HEALTH).attemptsBeforeDown);
    const msg = failureLine(run, decision, attempts);
    if (!loud) this.log.debug(msg);
    else if (run.config) this.log.error(run.refusal ? msg : `${msg} (check the config or the remote)`);
    else this.log.warn(msg);
    this.lastLoggedExit = result.exitCode;
    return decision;
  }

  /**
   * The receiver had no room: the files it named (else the batch's biggest) wait in the large
   * file slot until the backoff says, the rest goes back to the main slot at once, so what fits
   * arrives. Deletions go first while the lane is full (they free space: lane.send).
   */
  private noRoom(batch: SyncBatch, stderr: string, refusal: string): Verdict {
    const { held, rest } = splitNoRoom(batch.entries, stderr, (es) => biggestFile(this.deps.root.path, es));
    const retryInMs = this.health.onFull();
    const first = this.work.large.deferredCount === 0;
    this.work.requeue({ fullSync: false, entries: rest });
    this.work.large.defer(held, this.deps.clock.now() + retryInMs);
    const line = fullLine(this.deps.remote.label, refusal, this.work.large.deferredCount, retryInMs);
    this.stats.lastError = line;
    if (first) this.log.warn(`${line}: ${held.map((e) => JSON.stringify(toText(e.path))).join(' ')}`);
    else this.log.debug(line);
    return { kind: 'full' };
  }

  /** A batch failed because the receiver refused or the root is gone: blocked at once, probed until fixed. */
  private blockedBy(
    cause: Exclude<FailureCause, 'transient'>,
    answer: string,
    exitCode: number,
    startedAt: number,
    batchLine = '',
  ): Verdict {
    const was = this.health.state;
    const d = this.health.onFailure(this.deps.clock.now(), startedAt, cause);
    const probeInMs = d.kind === 'down' ? d.probeInMs : 0;
    this.noteBlocked(was, cause, answer, exitCode, probeInMs, batchLine);
    this.lastLoggedExit = exitCode;
    return { kind: 'down', probeInMs };
  }

  /** The line (loud once, when the lane becomes blocked so) and the reason status and the fail log show. */
  private noteBlocked(
    was: LaneHealthState,
    cause: Exclude<FailureCause, 'transient'>,
    answer: string,
    exitCode: number,
    probeInMs: number,
    batchLine = '',
  ): void {
    const { reason, line } = blockedNote(cause, this.deps.root.path, this.deps.remote.label, answer, probeInMs);
    this.lastFailure = { exitCode, reason };
    this.stats.lastError = reason;
    if (was !== cause) this.log.error(`${batchLine}${line}`);
    else this.log.debug(`${batchLine}${line}`);
  }

  private succeeded(): Verdict {
    if (this.health.onSuccess()) this.log.info(`${this.deps.remote.label} is back: delivered after earlier failures`);
    this.lastLoggedExit = null;
    this.stats.lastSuccessAt = this.deps.clock.wallNow();
    if (this.work.catchUp()) this.deps.listener.cleared(this);
    return { kind: 'ok' };
  }

  /** What the main slot leaves to the large-file slot: big files, and files still being written. */
  private mainRule(): SlotRule {
    const root = this.deps.root.path;
    return {
      largeBytes: LARGE_FILE_BYTES,
      growingBytes: GATE.growingBytes,
      changedSince: this.deps.clock.wallNow() - RECENT_CHANGE_MS,
      writers: (paths) => {
        const writing = this.writers(paths.map((p) => absBytes(root, p))).writing;
        return new Set(paths.filter((p) => writing.has(absBytes(root, p))));
      },
    };
  }

  /** send-large: one look at the held files that are due for one (large-look.ts), then the machine decides. */
  private lookAtLarge(): void {
    const slot = this.work.large;
    const due = slot.lookDue(this.deps.clock.now());
    if (due.length > 0)
      slot.observe(lookAt(this.deps.root.path, due, GATE.growingBytes, this.writers), this.deps.clock.now());
    this.dispatch({ type: 'large-looked' });
  }

  private onProgress(p: TransferProgress): void {
    const now = this.deps.clock.now();
    const since = this.work.inFlightSince;
    this.progress = { ...p, startedAt: this.progress?.startedAt ?? since ?? now };
    if (now - this.progressLoggedAt >= PROGRESS_LOG_MS && now - (since ?? now) >= PROGRESS_LOG_MS) {
      this.progressLoggedAt = now;
      this.log.info(progressLine(this.name, p));
    }
  }

  /** A blocked lane's probe: of the remote, or of the root itself while that is missing. */
  private async probe(): Promise<void> {
    const root = this.deps.root.path;
    const rootMissing = this.health.state === 'root-missing';
    const answer = rootMissing
      ? await fs.stat(root).then(
          (st) => st.isDirectory(),
          () => false,
        )
      : await this.deps.probe().catch(() => false as const);
    if (this.control.run !== 'running') return; // paused or stopped meanwhile: the answer is stale
    const was = this.health.state;
    const d = this.health.onProbe(answer);
    if (d.kind === 'recovered')
      this.log.info(
        rootMissing
          ? `watched root ${root} is back: sending what is pending`
          : `${this.deps.remote.label} answers again: sending everything pending now`,
      );
    else if (this.health.state !== was)
      this.log.warn(
        `${this.deps.remote.label}: ${this.health.state === 'down' ? 'no longer refuses but does not answer either: down' : 'now refuses'}`,
      );
    this.dispatch({
      type: 'probed',
      recovered: d.kind === 'recovered',
      probeInMs: d.kind === 'stay-down' ? d.probeInMs : 0,
    });
  }

  /** A batch has run for SLOW_BATCH_MS: does the remote still answer? (stuck-check.ts) */
  private async checkStuck(): Promise<void> {
    const look = this.stuck.look(
      this.deps.clock.now(),
      this.control.run === 'stopped' ? null : this.work.oldestRunStart(),
    );
    if (look.kind === 'none') return;
    if (look.kind === 'later') return this.slowTimer.arm(look.inMs, () => void this.checkStuck());
    const answers = await (
      this.deps.liveness ? this.deps.liveness() : this.deps.probe().then((r) => r === true || r === 'ok')
    ).catch(() => false);
    if (this.control.run === 'stopped' || (!this.work.inFlight && !this.work.large.inFlight)) return;
    const timeoutOff = this.deps.config.rsync.timeoutSec === null;
    const v = this.stuck.answered(answers, !timeoutOff, look.ageMs);
    if (v.kind === 'end-rsync') {
      // The failure then takes the usual way (retry, down, fail log).
      this.log.warn(
        `${this.deps.remote.label}: no answer for ${v.silentMs / 1000} s while an rsync runs: ending it (set <timeout> to leave this to rsync's --timeout)`,
      );
      for (const a of this.running) a.abort();
    } else if (v.kind === 'fail-log') {
      this.lastFailure = { exitCode: -1, reason: v.reason };
      this.stats.lastError = v.reason;
      const then = timeoutOff ? 'the rsync is ended if it stays silent' : 'the rsync keeps its own --timeout';
      this.log.warn(
        `${this.deps.remote.label}: ${v.reason}; what is pending and in flight goes to the fail log (${then})`,
      );
      this.writeFailLog(true);
    }
    this.slowTimer.ensure(SLOW_BATCH_MS, () => void this.checkStuck());
  }

  private writeFailLog(withInFlight = false): void {
    const what = this.work.forFailLog(withInFlight);
    if (!what) return;
    this.deps.listener.failed(this, {
      full: what.full,
      paths: what.entries.map((e) => e.path),
      exitCode: this.lastFailure.exitCode,
      reason: this.lastFailure.reason,
      argv: what.full ? this.transfer.fullSyncArgv() : this.transfer.batchArgv(),
    });
  }
}

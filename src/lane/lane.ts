/**
 * One (root, remote) pair: the edge around the lane's pure parts. One batch in flight at a time
 * in the main slot (so never two rsyncs for the same path on the same remote); whatever arrives
 * meanwhile ships together in the next batch; big files go through a second slot beside it
 * (large-files.ts). A failed batch's paths go back into the pending set, merged with newer ones,
 * and are retried with backoff; after a few failures the lane is down: its pending paths go to
 * the fail log and a probe watches for the remote's return, when everything is sent at once. A
 * receiver that refuses (auth, hosts, module, read only) or a root that is gone blocks the lane
 * at once (`refused`, `root-missing`: lane-health.ts), probed until fixed; a receiver without
 * room holds back only the files that did not fit (room.ts). A lane's trouble is its own: other
 * lanes never wait for it.
 *
 * What to do next is decided by lane-machine.ts; what a finished batch or probe means by
 * lane-judge.ts (with lane-health.ts); the running rsyncs are watched by run-watch.ts (progress,
 * stuck-check.ts). This class holds the data (work.ts), keeps one timer armed for the machine's
 * nextDeadline(), performs its actions (transfers, probes, fail-log writes), resolves its waiters
 * on transitions and reports to the agent.
 */
import type { Remote, WatchRoot } from '../config/types.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { Logger } from '../shared/logger.js';
import { DeadlineTimer } from '../shared/one-shot.js';
import { failed, isDirectory, LaneJudge, threw } from './lane-judge.js';
import { blockedName, stateName } from './lane-state-name.js';
import { step } from './lane-machine.js';
import * as control from './lane-state.js';
import { GATE } from './large-gate.js';
import { lookAt, mainSlotRule } from './large-look.js';
import { procWriters, type WriterCheck } from './open-writers.js';
import { RunWatch } from './run-watch.js';
import { Transfer, type TransferOutcome } from './transfer.js';
import type { LaneDeps, LaneRef, LaneStatus } from './types.js';
import { LaneWork } from './work.js';

export type { BatchReport, LaneFailure, LaneListener, LaneRef, LaneStatus } from './types.js';
export { formatBytes } from './report.js';

export class Lane implements LaneRef {
  private control: control.LaneState = control.INITIAL;
  private readonly work: LaneWork;
  private readonly judge: LaneJudge;
  private readonly watch: RunWatch;
  private readonly transfer: Transfer;
  private readonly log: Logger;
  /** The machine's one timer, armed for nextDeadline() (spacing, retry, probe, large look, fail-log write, stuck check). */
  private readonly timer = new DeadlineTimer();
  private readonly writers: WriterCheck;
  /** Probes started: only the latest one's answer counts (probe()). */
  private probes = 0;
  /** whenIdle() callers, woken when the machine says so (they look again). */
  private idleWaiters: Array<() => void> = [];
  /** whenSettled() and pause() callers, each resolved on the transition that makes its condition true. */
  private waiters: Array<{ readonly done: () => boolean; readonly resolve: () => void }> = [];

  constructor(private readonly deps: LaneDeps) {
    this.work = new LaneWork({
      maxPathsPerDir: deps.config.debounce.maxPathsPerDir,
      maxPendingPaths: deps.config.debounce.maxPendingPaths,
    });
    this.log = deps.logger.child(deps.remote.label);
    this.transfer = new Transfer(deps, this.log);
    const name = `${deps.root.path} -> ${deps.remote.label}`;
    this.judge = new LaneJudge(deps, this, this.work, this.log, name);
    this.watch = new RunWatch(deps, this.log, name, {
      oldestRunStart: () => (this.control.mode.kind === 'stopped' ? null : this.work.oldestRunStart()),
      stillRunning: () => this.control.mode.kind !== 'stopped' && (!!this.work.inFlight || !!this.work.large.inFlight),
      silent: (reason) => {
        this.judge.silent(reason);
        this.dispatch({ type: 'silent' });
      },
    });
    this.writers = deps.writers ?? procWriters;
  }

  get root(): WatchRoot {
    return this.deps.root;
  }

  get remote(): Remote {
    return this.deps.remote;
  }

  /** `cut`: the entries are an aggregator's cut, as it gave them (PendingSet.adopt). */
  enqueue(entries: readonly PendingEntry[], cut = false): void {
    if (this.control.mode.kind === 'stopped' || entries.length === 0) return;
    this.work.add(entries, this.deps.clock.now(), cut);
    this.dispatch({ type: 'work' });
  }

  /** A repair's paths come from a comparison, not an event: a look in flight may predate them. */
  enqueueRepair(entries: readonly PendingEntry[]): void {
    this.deps.sharedLook?.changed();
    this.enqueue(entries);
  }

  requestFullSync(reason: string): void {
    if (this.control.mode.kind === 'stopped') return;
    this.log.info(`full sync of ${this.deps.root.path} requested (${reason})`);
    this.work.requestFullSync(this.deps.clock.now());
    this.dispatch({ type: 'work' });
  }

  isIdle(): boolean {
    return this.work.isIdle();
  }

  /** Resolves when nothing is pending or in flight (or the lane is stopped). */
  whenIdle(): Promise<void> {
    if (this.isIdle() || this.control.mode.kind === 'stopped') return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when the lane has nothing to do right now: idle, or waiting (backoff, down, refused). */
  whenSettled(): Promise<void> {
    return this.until(() => this.settled);
  }

  /** Nothing to do right now (lane-state.ts settled): idle, stopped, paused or waiting with nothing running. */
  get settled(): boolean {
    return control.settled(this.control, this.isIdle());
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
  pause(): Promise<void> {
    this.dispatch({ type: 'pause' });
    return this.until(() => !control.sending(this.control));
  }

  /** Stop taking work; an rsync already running is left to finish. */
  stop(): void {
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
    const { health } = this.control;
    return {
      root: this.deps.root.path,
      remote: this.deps.remote.label,
      state: stateName(this.control, this.work.inFlight?.fullSync === true, this.work.large.deferredCount > 0),
      health: health.state,
      pendingPaths: this.work.pendingPaths,
      inFlightPaths: this.work.inFlightPaths,
      fullSyncPending: this.work.pending.fullSync,
      attempts: health.failures,
      ...this.judge.stats,
      inFlightSince: this.work.inFlightSince,
      oldestPendingSince: this.work.behindSince,
      progress: this.watch.progress,
    };
  }

  /**
   * Blocked without a failed batch of its own: the receiver refused the startup probe (`answer`:
   * its words), or the watcher saw the root go. Probed until it is fixed, nothing lost meanwhile.
   */
  block(cause: 'refused' | 'root-missing', answer = ''): void {
    if (this.control.mode.kind === 'stopped') return;
    const judged = this.judge.block(this.control.health, cause, answer);
    if (judged !== null) this.dispatch({ type: 'blocked', ...judged });
  }

  // --- the machine's actions ---------------------------------------------------------------------

  private dispatch(e: control.LaneEvent, now = this.deps.clock.now()): void {
    const next = step(this.control, e, this.work.facts(now));
    this.control = next.state;
    for (const a of next.actions) this.perform(a);
    // The one timer follows the state; its event comes with at least the deadline's time (it is due).
    this.timer.set(control.nextDeadline(this.control), now, (at) =>
      this.dispatch({ type: 'timer' }, Math.max(this.deps.clock.now(), at)),
    );
    if (this.waiters.length === 0) return;
    const done = this.waiters.filter((w) => w.done());
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve();
  }

  /** Resolves on the transition that makes `done` true (at once if it is). */
  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }

  private perform(a: control.LaneAction): void {
    switch (a.do) {
      case 'send-main': {
        const batch = this.work.takeMain(this.deps.clock.now());
        return batch ? void this.execute(batch, 'main') : this.dispatch({ type: 'main-held' });
      }
      case 'send-large':
        return void this.lookAtLarge();
      case 'start-large':
        return void this.execute(this.work.large.start(this.deps.clock.now()), 'large');
      case 'probe':
        return void this.probe();
      case 'fail-log':
      case 'fail-log-all':
        return this.writeFailLog(a.do === 'fail-log-all');
      case 'check-stuck':
        return void this.watch.look().then((inMs) => this.dispatch({ type: 'stuck-looked', inMs }));
      case 'wake':
        for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async execute(batch: SyncBatch, slot: 'main' | 'large'): Promise<void> {
    const startedAt = this.deps.clock.now();
    const abort = this.watch.begin();
    let outcome: TransferOutcome;
    try {
      outcome = batch.fullSync
        ? await this.transfer.fullSync((p) => this.watch.onProgress(p, this.work.inFlightSince), abort.signal)
        : await this.transfer.send(
            batch.entries,
            slot === 'main' ? mainSlotRule(this.deps.root.path, this.deps.clock.wallNow(), this.writers) : undefined,
            abort.signal,
            this.work.large.deferredCount > 0,
            slot === 'main' ? () => this.work.absorbPending(this.deps.clock.now()) : undefined,
          );
    } catch (err) {
      outcome = threw(err);
    } finally {
      this.watch.end(abort);
    }
    // The main batch may have taken in what came during its look (work.ts absorbPending).
    const sent = (slot === 'main' && this.work.inFlight) || batch;
    // A run that failed because the root itself is gone says so, not "remote down" (spawn ENOENT).
    const rootGone = failed(outcome) && !(await isDirectory(this.deps.root.path));
    const judged = this.judge.judge(this.control.health, sent, slot, outcome, startedAt, rootGone);
    if (slot === 'main') {
      this.work.mainDone();
      this.watch.progress = null;
    } else this.work.large.done();
    const { decision: verdict, health } = this.judge.noteRoom(judged);
    this.dispatch({ type: slot === 'main' ? 'main-done' : 'large-done', verdict, health });
  }

  /** send-large: one look at the held files that are due for one (large-look.ts), then the machine decides. */
  private async lookAtLarge(): Promise<void> {
    const slot = this.work.large;
    const due = slot.lookDue(this.deps.clock.now());
    // The slot stays `sending` meanwhile, so no second look starts; observe() skips a file no longer held.
    if (due.length > 0)
      slot.observe(await lookAt(this.deps.root.path, due, GATE.growingBytes, this.writers), this.deps.clock.now());
    this.dispatch({ type: 'large-looked' });
  }

  /**
   * A blocked lane's probe: of the remote, or of the root itself while that is missing. The answer
   * is judged (and logged) only while the lane still waits for this very probe: not after a
   * pause, a stop, or a resume that started a newer one.
   */
  private async probe(): Promise<void> {
    const n = ++this.probes;
    const rootMissing = blockedName(this.control) === 'root-missing';
    const answer = rootMissing
      ? await isDirectory(this.deps.root.path)
      : await this.deps.probe().catch(() => false as const);
    if (n !== this.probes || this.control.mode.kind !== 'probing') return;
    this.dispatch({ type: 'probed', ...this.judge.probed(this.control.health, answer, rootMissing) });
  }

  private writeFailLog(withInFlight = false): void {
    const what = this.work.forFailLog(withInFlight);
    if (!what) return;
    this.deps.listener.failed(this, {
      full: what.full,
      paths: what.entries.map((e) => e.path),
      exitCode: this.judge.lastFailure.exitCode,
      reason: this.judge.lastFailure.reason,
      argv: what.full ? this.transfer.fullSyncArgv() : this.transfer.batchArgv(),
    });
  }
}

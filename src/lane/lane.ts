import type { Remote, WatchRoot } from '../config/types.js';
import { PendingSet } from '../aggregate/pending-set.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import { classifyExit } from '../rsync/exit-codes.js';
import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DEFAULT_HEALTH, LaneHealth, type HealthPolicy, type LaneHealthState } from './health.js';
import { Transfer, type TransferDeps, type TransferOutcome } from './transfer.js';
import type { TransferProgress } from '../rsync/progress.js';
import { LARGE_FILE_BYTES, mergeInto, splitForLarge } from './large-files.js';

/** A long full sync logs its progress this often. */
const PROGRESS_LOG_MS = 5000;

/** What the lane is doing, for status: health plus activity. */
export type LaneState = 'idle' | 'syncing' | 'full-sync' | 'retrying' | 'down' | 'stopped';

/** What a lane could not deliver, for the fail log. */
export interface LaneFailure {
  readonly full: boolean;
  readonly paths: readonly BytePath[];
  readonly exitCode: number;
  readonly reason: string;
  /** The rsync argv (after "rsync") that re-sends these paths, as the agent would. */
  readonly argv: readonly string[];
}

/** One finished rsync batch or full sync, for logs and metrics. */
export interface BatchReport {
  readonly full: boolean;
  readonly paths: number;
  readonly exitCode: number;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly bytesSent: number | null;
  readonly rsyncRuns: number;
}

/** How a lane reports to the agent (which owns the fail log and the metrics). */
export interface LaneListener {
  /** A batch or full sync finished (whatever its result). */
  batchDone(lane: Lane, report: BatchReport): void;
  /** These entries reached the remote (for plugins). */
  delivered(lane: Lane, entries: readonly PendingEntry[]): void;
  /** The lane is down: record what it has pending (called again as more piles up). */
  failed(lane: Lane, failure: LaneFailure): void;
  /** Everything the lane had has reached the remote: its fail-log entries can go. */
  cleared(lane: Lane): void;
}

export interface LaneDeps extends TransferDeps {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly listener: LaneListener;
  /** Probes the remote module (a cheap listing): true when it answers. */
  readonly probe: () => Promise<boolean>;
  /**
   * The same probe outside the `-n` slots: asks whether a remote still answers while one of this
   * lane's rsyncs seems stuck on it (and may hold the remote's only slot). Defaults to `probe`.
   */
  readonly liveness?: () => Promise<boolean>;
  readonly health?: HealthPolicy;
  readonly random?: () => number;
}

export interface LaneStatus {
  readonly root: string;
  readonly remote: string;
  readonly state: LaneState;
  readonly health: LaneHealthState;
  readonly pendingPaths: number;
  readonly inFlightPaths: number;
  readonly fullSyncPending: boolean;
  readonly attempts: number;
  readonly batches: number;
  readonly rsyncRuns: number;
  /** Full syncs that completed successfully on this lane. */
  readonly fullSyncs: number;
  /** When the last successful full sync finished, wall-clock ms (null: none yet). */
  readonly lastFullSyncAt: number | null;
  /** When the last batch or full sync succeeded, wall-clock ms (null: none yet). */
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  /** When the rsync now running started, monotonic ms (null when none is). */
  readonly inFlightSince: number | null;
  /** Since when something has been waiting for this remote, monotonic ms (null when all is delivered). */
  readonly oldestPendingSince: number | null;
  /** Progress of a running full sync (`startedAt`: monotonic ms). */
  readonly progress: (TransferProgress & { readonly startedAt: number }) | null;
}

/**
 * During a burst, batches start at most this often, so what arrives meanwhile ships together
 * (a 10,000-file upload becomes a handful of rsync runs, not one per 20 ms). A lone edit never
 * waits: the interval only applies right after another batch started.
 */
const MIN_BATCH_INTERVAL_MS = 200;
/** While down, new changes reach the fail log at most this often. */
const FAILLOG_UPDATE_MS = 1000;
/**
 * A batch still running after this long makes the lane check that its remote answers at all. A
 * remote that accepts connections and then hangs fails only when rsync's I/O timeout ends (30 s
 * or more): if the probe gets no answer either, what is pending and in flight is written to the
 * fail log now, so operators see it within 30 s. A slow transfer from a live remote is left alone.
 */
const SLOW_BATCH_MS = 10_000;
/** ...and after this many probes in a row without an answer, the rsync is ended (when `<timeout>` is off). */
const UNANSWERED_BEFORE_KILL = 3;
/** A refused full sync (empty root) is retried this often until the root has content again. */
const REFUSED_RETRY_MS = 5000;

/**
 * One (root, remote) pair. One batch in flight at a time (so never two rsyncs for the same path
 * on the same remote); whatever arrives meanwhile ships together in the next batch. A failed
 * batch's paths go back into the pending set, merged with newer ones, and are retried with
 * backoff; after a few failures the lane is down: its pending paths go to the fail log and a
 * probe watches for the remote's return, when everything is sent at once. A lane's trouble is
 * its own: other lanes never wait for it.
 */
export class Lane {
  private readonly pending: PendingSet;
  private readonly health: LaneHealth;
  private readonly transfer: Transfer;
  private readonly log: Logger;
  private inFlight: SyncBatch | null = null;
  private inFlightSince: number | null = null;
  /**
   * The large-file slot: big files wait here and go one batch at a time beside the main slot,
   * so small files keep their latency during a long transfer. The two never share a path.
   */
  private readonly largeWaiting = new Map<BytePath, PendingEntry>();
  private largeInFlight: SyncBatch | null = null;
  private largeSince: number | null = null;
  private progress: (TransferProgress & { startedAt: number }) | null = null;
  private progressLoggedAt = 0;
  /** Since when this lane has had something undelivered (null when all is delivered). */
  private pendingSince: number | null = null;
  private lastBatchAt = Number.NEGATIVE_INFINITY;
  private timerKind: 'wait' | 'interval' = 'wait';
  private timer: NodeJS.Timeout | null = null;
  private failLogTimer: NodeJS.Timeout | null = null;
  private slowTimer: NodeJS.Timeout | null = null;
  /** Liveness probes in a row that got no answer while an rsync ran. */
  private unanswered = 0;
  /** One per rsync batch running now (either slot): aborting it ends that rsync. */
  private readonly running = new Set<AbortController>();
  private lastFailure: { exitCode: number; reason: string } = { exitCode: -1, reason: '' };
  private lastLoggedExit: number | null = null;
  private refusedLogged = false;
  private stopped = false;
  /** Reload in progress: work is still accepted and kept, but no rsync starts. */
  private paused = false;
  private idleWaiters: Array<() => void> = [];
  private stats = { batches: 0, rsyncRuns: 0, fullSyncs: 0, lastFullSyncAt: null as number | null, lastSuccessAt: null as number | null, lastError: null as string | null };

  constructor(private readonly deps: LaneDeps) {
    this.pending = new PendingSet({ maxPathsPerDir: deps.config.debounce.maxPathsPerDir, maxPendingPaths: deps.config.debounce.maxPendingPaths });
    this.health = new LaneHealth(deps.health ?? DEFAULT_HEALTH, deps.random ?? Math.random);
    this.log = deps.logger.child(deps.remote.label);
    this.transfer = new Transfer(deps, this.log);
  }

  get root(): WatchRoot {
    return this.deps.root;
  }

  get remote(): Remote {
    return this.deps.remote;
  }

  enqueue(entries: readonly PendingEntry[]): void {
    if (this.stopped || entries.length === 0) return;
    this.pending.addAll(entries);
    this.afterAdd();
  }

  requestFullSync(reason: string): void {
    if (this.stopped) return;
    this.log.info(`full sync of ${this.deps.root.path} requested (${reason})`);
    this.pending.requestFullSync();
    this.afterAdd();
  }

  isIdle(): boolean {
    return this.inFlight === null && this.largeInFlight === null && this.pending.isEmpty() && this.largeWaiting.size === 0;
  }

  /** Resolves when nothing is pending or in flight (or the lane is stopped). */
  whenIdle(): Promise<void> {
    if (this.isIdle() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when the lane has nothing to do right now: idle, or waiting (backoff, down, refused). */
  whenSettled(): Promise<void> {
    if (this.isIdle() || this.stopped || (this.inFlight === null && this.largeInFlight === null && this.timer !== null && this.timerKind === 'wait')) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Undo pause(): start rsyncs again (a reload that failed). */
  resume(): void {
    this.stopped = false;
    this.paused = false;
    if (this.health.state === 'down') this.arm(0, () => void this.probe());
    else this.pump();
  }

  /**
   * Start no new rsync and resolve once the one now running (if any) has finished. Unlike stop(),
   * enqueue() and requestFullSync() still record what they are given: during a config reload the
   * old watcher keeps flushing changes here until handOver() collects them with undelivered().
   */
  async pause(): Promise<void> {
    this.paused = true;
    for (const t of [this.timer, this.failLogTimer]) if (t) clearTimeout(t);
    this.timer = this.failLogTimer = null;
    this.wake();
    while (this.inFlight || this.largeInFlight) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stop taking work; an rsync already running is left to finish. */
  stop(): void {
    this.stopped = true;
    for (const t of [this.timer, this.failLogTimer, this.slowTimer]) if (t) clearTimeout(t);
    this.timer = this.failLogTimer = this.slowTimer = null;
    this.wake();
  }

  /** Everything not yet delivered: pending plus the batch in flight (for the journal). */
  undelivered(): SyncBatch {
    const p = this.pending.peek();
    const f = this.inFlight;
    if (p.fullSync || f?.fullSync) return { fullSync: true, entries: [] };
    return { fullSync: false, entries: [...p.entries, ...(f?.entries ?? []), ...this.largeWaiting.values(), ...(this.largeInFlight?.entries ?? [])] };
  }

  get pendingCount(): number {
    return this.pending.size + (this.inFlight?.entries.length ?? 0) + this.largeWaiting.size + (this.largeInFlight?.entries.length ?? 0);
  }

  status(): LaneStatus {
    const h = this.health.state;
    const state: LaneState = this.stopped
      ? 'stopped'
      : this.inFlight?.fullSync
        ? 'full-sync'
        : this.inFlight || this.largeInFlight
          ? 'syncing'
          : h === 'down'
            ? 'down'
            : this.timer && this.timerKind === 'wait'
              ? 'retrying'
              : this.timer
                ? 'syncing'
                : 'idle';
    return {
      root: this.deps.root.path,
      remote: this.deps.remote.label,
      state,
      health: h,
      pendingPaths: this.pending.size + this.largeWaiting.size,
      inFlightPaths: (this.inFlight?.entries.length ?? 0) + (this.largeInFlight?.entries.length ?? 0),
      fullSyncPending: this.pending.fullSync,
      attempts: this.health.attempts,
      batches: this.stats.batches,
      rsyncRuns: this.stats.rsyncRuns,
      fullSyncs: this.stats.fullSyncs,
      lastFullSyncAt: this.stats.lastFullSyncAt,
      lastSuccessAt: this.stats.lastSuccessAt,
      lastError: this.stats.lastError,
      inFlightSince: this.inFlightSince,
      oldestPendingSince: this.pendingSince,
      progress: this.progress,
    };
  }

  private afterAdd(): void {
    this.pendingSince ??= this.deps.clock.now();
    if (this.paused) return;
    if (this.health.state === 'down') this.scheduleFailLogUpdate();
    else this.pump();
  }

  private pump(): void {
    if (this.stopped || this.paused || this.inFlight || this.timer || this.health.state === 'down') return;
    if (this.pending.isEmpty()) {
      this.pumpLarge();
      if (this.isIdle()) this.wake();
      return;
    }
    // A full sync covers the large files too, so it waits until the large-file slot is free.
    if (this.pending.fullSync && this.largeInFlight) return;
    const sinceLast = this.deps.clock.now() - this.lastBatchAt;
    if (sinceLast < MIN_BATCH_INTERVAL_MS && !this.pending.fullSync) {
      this.arm(MIN_BATCH_INTERVAL_MS - sinceLast, () => this.pump(), 'interval');
      return;
    }
    this.lastBatchAt = this.deps.clock.now();
    let batch = this.pending.take();
    if (batch.fullSync) this.largeWaiting.clear(); // covered
    else {
      const { now, held } = splitForLarge(batch.entries, this.largePaths());
      mergeInto(this.largeWaiting, held);
      if (now.length === 0) return this.pump();
      batch = { fullSync: false, entries: now };
    }
    this.inFlight = batch;
    this.inFlightSince = this.deps.clock.now();
    void this.execute(batch, 'main').finally(() => {
      this.inFlight = null;
      this.inFlightSince = null;
      this.progress = null;
      this.pumpLarge();
      this.pump();
    });
  }

  private largePaths(): Set<BytePath> {
    const out = new Set(this.largeWaiting.keys());
    for (const e of this.largeInFlight?.entries ?? []) out.add(e.path);
    return out;
  }

  /**
   * Starts the large-file slot's next batch. Only while the main slot is idle: what the main slot
   * sends from then on leaves these paths alone (splitForLarge), so no path is ever sent twice at once.
   */
  private pumpLarge(): void {
    if (this.stopped || this.paused || this.inFlight || this.largeInFlight || this.largeWaiting.size === 0 || this.health.state === 'down') return;
    if (this.timer && this.timerKind === 'wait') return; // backing off: both slots wait
    const batch: SyncBatch = { fullSync: false, entries: [...this.largeWaiting.values()] };
    this.largeWaiting.clear();
    this.largeInFlight = batch;
    this.largeSince = this.deps.clock.now();
    void this.execute(batch, 'large').finally(() => {
      this.largeInFlight = null;
      this.largeSince = null;
      this.pump();
    });
  }

  private wake(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async execute(batch: SyncBatch, slot: 'main' | 'large'): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.slowTimer ??= setTimeout(() => void this.checkStuck(), SLOW_BATCH_MS);
    const abort = new AbortController();
    this.running.add(abort);
    let outcome: TransferOutcome;
    try {
      outcome = batch.fullSync
        ? await this.transfer.fullSync((p) => this.onProgress(p), abort.signal)
        : await this.transfer.send(batch.entries, slot === 'main' ? LARGE_FILE_BYTES : Number.POSITIVE_INFINITY, abort.signal);
    } catch (err) {
      outcome = { kind: 'ran', result: { exitCode: -1, signal: null, stderr: String(err), durationMs: 0, bytesSent: null, filesTransferred: null, spawnError: String(err) }, paths: 0, rsyncRuns: 0 };
    } finally {
      this.running.delete(abort);
    }
    // Big files found in a main batch: they go through the large-file slot instead.
    const large = outcome.kind !== 'refused' && outcome.large ? new Set(outcome.large.map((e) => e.path)) : null;
    if (large && outcome.kind !== 'refused' && outcome.large) mergeInto(this.largeWaiting, outcome.large);
    if (outcome.kind === 'nothing') return this.succeeded();
    if (outcome.kind === 'refused') return this.refused(outcome.reason);
    this.refusedLogged = false;
    this.stats.batches++;
    this.stats.rsyncRuns += outcome.rsyncRuns;
    const { result } = outcome;
    const info = classifyExit(result.exitCode);
    const what = batch.fullSync ? 'full sync' : `${outcome.paths} ${slot === 'large' ? 'large file' : 'path'}${outcome.paths === 1 ? '' : 's'}`;
    const sent = result.bytesSent !== null ? `, ${formatBytes(result.bytesSent)} sent` : '';
    const runs = outcome.rsyncRuns > 1 ? `, ${outcome.rsyncRuns} rsync runs` : '';
    const line = `${this.deps.root.path} -> ${this.deps.remote.label}: ${what}, exit ${result.exitCode} (${info.meaning})${runs}, ${result.durationMs} ms${sent}`;
    const ok = info.cls === 'ok' && result.spawnError === null;
    this.deps.listener.batchDone(this, { full: batch.fullSync, paths: outcome.paths, exitCode: result.exitCode, ok, durationMs: result.durationMs, bytesSent: result.bytesSent, rsyncRuns: outcome.rsyncRuns });
    if (ok) {
      if (batch.fullSync) {
        this.stats.fullSyncs++;
        this.stats.lastFullSyncAt = this.deps.clock.wallNow();
      }
      this.log.info(line);
      if (!batch.fullSync) this.deps.listener.delivered(this, large ? batch.entries.filter((e) => !large.has(e.path)) : batch.entries);
      return this.succeeded();
    }
    // Keep every path: back into the pending set, merged with whatever arrived meanwhile.
    if (batch.fullSync) this.pending.requestFullSync();
    else this.pending.addAll(batch.entries);
    const reason = result.spawnError ?? (rsyncReason(result.stderr) || info.meaning);
    this.stats.lastError = `exit ${result.exitCode}: ${reason}`;
    this.lastFailure = { exitCode: result.exitCode, reason };
    const decision = this.health.onFailure(this.deps.clock.now(), startedAt);
    const next = decision.kind === 'retry' ? `retry ${this.health.attempts} in ${decision.delayMs} ms` : `remote is down after ${this.health.attempts} attempts: pending paths go to the fail log; probing every ${decision.probeInMs} ms`;
    const msg = `${line}; ${reason}; ${next}`;
    // Log when the failure changes (or the lane goes down), not on every repeat.
    if (this.lastLoggedExit !== result.exitCode || (decision.kind === 'down' && this.health.attempts === (this.deps.health ?? DEFAULT_HEALTH).attemptsBeforeDown)) {
      if (info.cls === 'config') this.log.error(`${msg} (check the config or the remote)`);
      else this.log.warn(msg);
    } else this.log.debug(msg);
    this.lastLoggedExit = result.exitCode;
    if (decision.kind === 'retry') {
      this.arm(decision.delayMs, () => this.pump());
    } else {
      this.writeFailLog();
      this.arm(decision.probeInMs, () => void this.probe());
    }
    this.wake(); // settled for now: shutdown need not wait for the backoff
  }

  private onProgress(p: TransferProgress): void {
    const now = this.deps.clock.now();
    this.progress = { ...p, startedAt: this.progress?.startedAt ?? this.inFlightSince ?? now };
    if (now - this.progressLoggedAt >= PROGRESS_LOG_MS && now - (this.inFlightSince ?? now) >= PROGRESS_LOG_MS) {
      this.progressLoggedAt = now;
      const chk = p.total !== null && p.toCheck !== null ? `, ${p.total - p.toCheck}/${p.total} files checked` : '';
      this.log.info(`full sync of ${this.deps.root.path} -> ${this.deps.remote.label}: ${formatBytes(p.bytes)} done, ${p.files} files transferred${chk}, ${p.rate}`);
    }
  }

  private succeeded(): void {
    if (this.health.onSuccess()) this.log.info(`${this.deps.remote.label} is back: delivered after earlier failures`);
    this.lastLoggedExit = null;
    this.stats.lastSuccessAt = this.deps.clock.wallNow();
    // Everything delivered, in both slots (the slot that just succeeded is still marked busy).
    const otherBusy = [this.inFlight, this.largeInFlight].filter((b) => b !== null).length > 1;
    if (this.pending.isEmpty() && this.largeWaiting.size === 0 && !otherBusy) {
      this.pendingSince = null;
      this.deps.listener.cleared(this);
    }
  }

  private refused(reason: string): void {
    // Never wipe the remote from an empty or missing root; try again later, it may fill up.
    this.pending.requestFullSync();
    this.stats.lastError = reason;
    if (!this.refusedLogged) this.log.error(`${reason}; will check again every ${REFUSED_RETRY_MS / 1000} s`);
    this.refusedLogged = true;
    this.arm(REFUSED_RETRY_MS, () => this.pump());
    this.wake();
  }

  private async probe(): Promise<void> {
    const ok = await this.deps.probe().catch(() => false);
    if (this.stopped || this.paused) return;
    const d = this.health.onProbe(ok);
    if (d.kind === 'stay-down') {
      this.arm(d.probeInMs, () => void this.probe());
      return;
    }
    this.log.info(`${this.deps.remote.label} answers again: sending everything pending now`);
    this.pump();
  }

  /** One timer: a retry/probe/refused wait (the lane is settled meanwhile) or a burst interval. */
  private arm(ms: number, fn: () => void, kind: 'wait' | 'interval' = 'wait'): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerKind = kind;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped && !this.paused) fn();
    }, ms);
  }

  private scheduleFailLogUpdate(): void {
    this.failLogTimer ??= setTimeout(() => {
      this.failLogTimer = null;
      if (!this.stopped && this.health.state === 'down') this.writeFailLog();
    }, FAILLOG_UPDATE_MS);
  }

  /** A batch has run for SLOW_BATCH_MS: does the remote still answer? (see SLOW_BATCH_MS) */
  private async checkStuck(): Promise<void> {
    this.slowTimer = null;
    const starts = [this.inFlightSince, this.largeSince].filter((t): t is number => t !== null);
    if (this.stopped || starts.length === 0) {
      this.unanswered = 0;
      return;
    }
    const age = this.deps.clock.now() - Math.min(...starts);
    if (age < SLOW_BATCH_MS) {
      this.slowTimer = setTimeout(() => void this.checkStuck(), SLOW_BATCH_MS - age);
      return;
    }
    const answers = await (this.deps.liveness ?? this.deps.probe)().catch(() => false);
    if (this.stopped || (!this.inFlight && !this.largeInFlight)) return;
    this.unanswered = answers ? 0 : this.unanswered + 1;
    if (!answers && this.unanswered >= UNANSWERED_BEFORE_KILL && this.deps.config.rsync.timeoutSec === null) {
      // Without <timeout>, rsync has no I/O timeout of its own (see rsync/args.ts): end it here,
      // and the failure takes the usual way (retry, down, fail log).
      this.log.warn(`${this.deps.remote.label}: no answer for ${this.unanswered * SLOW_BATCH_MS / 1000} s while an rsync runs: ending it (set <timeout> to leave this to rsync's --timeout)`);
      for (const a of this.running) a.abort();
      this.unanswered = 0;
    } else if (!answers) {
      const since = Math.round(age / 1000);
      this.lastFailure = { exitCode: -1, reason: `the remote stopped answering while an rsync has been running for ${since} s` };
      this.stats.lastError = this.lastFailure.reason;
      const then = this.deps.config.rsync.timeoutSec === null ? 'the rsync is ended if it stays silent' : "the rsync keeps its own --timeout";
      this.log.warn(`${this.deps.remote.label}: ${this.lastFailure.reason}; what is pending and in flight goes to the fail log (${then})`);
      this.writeFailLog(true);
    }
    this.slowTimer ??= setTimeout(() => void this.checkStuck(), SLOW_BATCH_MS);
  }

  private writeFailLog(withInFlight = false): void {
    const snap = this.pending.peek();
    const flying = withInFlight ? [this.inFlight, this.largeInFlight].filter((b): b is SyncBatch => b !== null) : [];
    const full = snap.fullSync || flying.some((b) => b.fullSync);
    const entries = full ? [] : [...snap.entries, ...this.largeWaiting.values(), ...flying.flatMap((b) => b.entries)];
    if (!full && entries.length === 0) return;
    this.deps.listener.failed(this, {
      full,
      paths: entries.map((e) => e.path),
      exitCode: this.lastFailure.exitCode,
      reason: this.lastFailure.reason,
      argv: full ? this.transfer.fullSyncArgv() : this.transfer.batchArgv(),
    });
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** rsync's own words about what went wrong: its first specific lines, not the generic summary. */
function rsyncReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const specific = lines.filter((l) => !l.startsWith('rsync error:'));
  return (specific.length > 0 ? specific.slice(0, 2) : lines.slice(-1)).join(' / ');
}

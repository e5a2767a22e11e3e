import { Aggregator } from '../aggregate/aggregator.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { SersyncConfig } from '../config/types.js';
import type { JournalRecord } from '../journal/codec.js';
import type { MoveHints } from '../lane/move-hints.js';
import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { pendingKindFor } from '../watch/event-policy.js';
import type { PathFilter } from '../watch/filter.js';
import type { ChangeEvent, ChangeKind } from '../watch/types.js';
import { RemovalGate } from './removal-gate.js';
import { Scheduler } from './scheduler.js';

/** Where due batches go: the lanes of a root (fleet.ts). */
interface IntakeOutlet {
  /** `cut`: the entries are an aggregator's cut as it gave them (sorted, none covering another). */
  enqueue(root: number, entries: readonly PendingEntry[], cut?: boolean): void;
  fullSync(root: number, reason: string): void;
}

export interface IntakeDeps {
  readonly config: SersyncConfig;
  /** `<filter>`, checked again here: an excluded path must never reach a lane. */
  readonly filter: PathFilter;
  readonly clock: Clock;
  /** Per root: directories moved within it, so its lanes can reuse what the remotes hold. */
  readonly moves: readonly MoveHints[];
  readonly outlet: IntakeOutlet;
  /** Every change is journaled as it is taken (durable-state.ts); `recorded` ends a burst. */
  readonly journal: { record(rec: JournalRecord): void; recorded(): void };
  /** The mass-deletion brake (deletion-brake.ts): it may keep a removed path from the aggregator. */
  readonly brake?: {
    removed(root: number, path: BytePath, now: number): boolean;
    appeared(root: number, path: BytePath, now: number): void;
    files(counts: readonly number[], now: number): void;
    holding(root: number): boolean;
  };
  /** For /metrics (observability.ts). */
  readonly count: { event(root: string, kind: ChangeKind): void; fullSync(reason: string): void };
  /** Debug lines: each message of the watcher and each batch cut (a timeline of a burst). */
  readonly logger?: Logger;
}

/**
 * Intake: the watcher's events → `<inotify>` toggles → `<filter>` → one aggregator per root
 * (quiet-time debounce, max delay, roll-ups) + the journal; due batches go to the root's lanes.
 * The aggregators are pure; the one timer that drives them is the Scheduler's.
 */
export class Intake {
  private readonly aggregators: Aggregator[];
  private readonly scheduler: Scheduler;
  /** Removals wait for the watcher to report the whole deletion, so the brake sees it whole. */
  private readonly gate = new RemovalGate<ChangeEvent>();
  private seen = 0;
  /** The watcher's last file counts, given to the brake with the removals they follow. */
  private counts: readonly number[] | undefined;

  constructor(private readonly deps: IntakeDeps) {
    const d = deps.config.debounce;
    this.aggregators = deps.config.roots.map(
      () =>
        new Aggregator(
          { delayMs: d.delayMs, maxDelayMs: d.maxDelayMs, leadingEdge: true },
          { maxPathsPerDir: d.maxPathsPerDir, maxPendingPaths: d.maxPendingPaths },
        ),
    );
    this.scheduler = new Scheduler(
      deps.clock,
      () => this.nextDeadline(),
      (now) => this.flushDue(now),
    );
  }

  /** Events of the sync roots seen so far (the canary's are not counted). */
  get eventsSeen(): number {
    return this.seen;
  }

  /**
   * Events of the sync roots (root = index in config.roots). Also while stopping: the watcher drains.
   * `settled`: the watcher had nothing more to look at when it sent them (removal-gate.ts).
   */
  onEvents(events: readonly ChangeEvent[], files?: readonly number[], settled = true): void {
    const now = this.deps.clock.now();
    const { config, filter, journal, brake } = this.deps;
    this.deps.logger?.debug(() => `watcher: ${events.length} events${settled ? '' : ' (more coming)'}`);
    for (const a of this.aggregators) a.delivery(settled);
    for (const e of events) {
      this.seen++;
      const root = config.roots[e.root];
      if (!this.aggregators[e.root] || !root) continue;
      this.deps.count.event(root.path, e.kind);
      if (pendingKindFor(e.kind, config.inotify) === null) continue;
      if (filter.active && excluded(filter, e)) continue;
      if (e.kind === 'removed') {
        this.gate.hold(e, now);
        continue;
      }
      // A path that is back is no longer a deletion, held or waiting.
      if (e.kind === 'created' || e.kind === 'dir-created') {
        brake?.appeared(e.root, e.path, now);
        this.gate.appeared(e.root, e.path);
      }
      this.take(e, now);
    }
    if (files) this.counts = files;
    this.gate.settle(settled);
    for (const a of this.aggregators) a.watcherBehind(!settled);
    // Without a brake to feed, removals need not wait.
    this.admitRemovals(now, !config.deleteGuard.enabled);
    journal.recorded();
    this.scheduler.rearm();
  }

  /** The removals that waited (removal-gate.ts) go to the brake, with the counts that came with them. */
  private admitRemovals(now: number, force = false): void {
    const brake = this.deps.brake;
    // The brake keeps a removed path while it holds the root's deletions.
    const free = this.gate.take(now, force).filter((e) => !brake?.removed(e.root, e.path, now));
    // Counts never go before the removals they follow: the brake would count a drop twice.
    if (this.gate.size === 0 && this.counts) {
      brake?.files(this.counts, now);
      this.counts = undefined;
    }
    // A trip on these counts held the removals of its window too: they must not reach a lane.
    for (const e of free) if (!brake?.holding(e.root)) this.take(e, now);
  }

  private take(e: ChangeEvent, now: number): void {
    const kind = pendingKindFor(e.kind, this.deps.config.inotify)!;
    if (e.movedFrom !== undefined) this.deps.moves[e.root]?.record(e.path, e.movedFrom, now);
    this.aggregators[e.root]!.add(e.path, kind, now, e.kind === 'removed');
    this.deps.journal.record({ type: 'path', root: this.deps.config.roots[e.root]!.path, path: e.path, kind });
  }

  /** Lost events or a watcher problem: the root (every root when -1) gets a full sync. */
  lost(root: number): void {
    const targets =
      root < 0 ? this.aggregators.map((_, i) => i) : [root].filter((i) => this.aggregators[i] !== undefined);
    for (const i of targets) {
      this.deps.count.fullSync('lost events or watcher problem');
      this.aggregators[i]!.requestFullSync(this.deps.clock.now());
      this.deps.journal.record({ type: 'full', root: this.deps.config.roots[i]!.path });
      this.scheduler.rearm();
    }
  }

  /** No more ticks: whatever is aggregated goes to the lanes now. */
  drain(): void {
    this.scheduler.cancel();
    this.admitRemovals(this.deps.clock.now(), true);
    this.deps.journal.recorded();
    this.flushDue(Number.POSITIVE_INFINITY);
  }

  /** What root `i` holds, not yet given to its lanes (for the journal). */
  peek(i: number): SyncBatch {
    return this.aggregators[i]!.peek();
  }

  size(i: number): number {
    return this.aggregators[i]!.size;
  }

  oldestPendingSince(i: number): number | null {
    return this.aggregators[i]!.oldestPendingSince();
  }

  /** Nothing aggregated and nothing due. */
  get idle(): boolean {
    return this.gate.size === 0 && this.aggregators.every((a) => a.size === 0 && a.nextDeadline() === null);
  }

  /** Paths aggregated, not yet given to lanes. */
  get pendingPaths(): number {
    return this.aggregators.reduce((n, a) => n + a.size, this.gate.size);
  }

  private nextDeadline(): number | null {
    let min = this.gate.deadline();
    for (const a of this.aggregators) {
      const d = a.nextDeadline();
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  private flushDue(now: number): void {
    if (this.gate.deadline() !== null && this.gate.deadline()! <= now) {
      this.admitRemovals(now);
      this.deps.journal.recorded();
    }
    this.aggregators.forEach((a, i) => {
      const batch = a.due(now);
      if (!batch) return;
      if (batch.fullSync) this.deps.outlet.fullSync(i, 'too many changes at once, lost events, or a watcher problem');
      else {
        this.deps.logger?.debug(() => `batch cut: ${batch.entries.length} paths of root ${i}`);
        this.deps.outlet.enqueue(i, batch.entries, true);
      }
    });
  }
}

/** A removed path may have been a directory or not: excluded as either, it stays untouched. */
function excluded(filter: PathFilter, e: ChangeEvent): boolean {
  const dir = e.kind === 'dir-created' || e.kind === 'dir-changed';
  return e.kind === 'removed'
    ? filter.excluded(e.path, true) || filter.excluded(e.path, false)
    : filter.excluded(e.path, dir);
}

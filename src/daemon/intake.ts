import { Aggregator } from '../aggregate/aggregator.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { SersyncConfig } from '../config/types.js';
import type { JournalRecord } from '../journal/codec.js';
import type { MoveHints } from '../lane/move-hints.js';
import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import { pendingKindFor } from '../watch/event-policy.js';
import type { PathFilter } from '../watch/filter.js';
import type { ChangeEvent, ChangeKind } from '../watch/types.js';
import { Scheduler } from './scheduler.js';

/** Where due batches go: the lanes of a root (fleet.ts). */
export interface IntakeOutlet {
  enqueue(root: number, entries: readonly PendingEntry[]): void;
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
    appeared(root: number, path: BytePath): void;
    files(counts: readonly number[], now: number): void;
  };
  /** For /metrics (observability.ts). */
  readonly count: { event(root: string, kind: ChangeKind): void; fullSync(reason: string): void };
}

/**
 * Intake: the watcher's events → `<inotify>` toggles → `<filter>` → one aggregator per root
 * (quiet-time debounce, max delay, roll-ups) + the journal; due batches go to the root's lanes.
 * The aggregators are pure; the one timer that drives them is the Scheduler's.
 */
export class Intake {
  private readonly aggregators: Aggregator[];
  private readonly scheduler: Scheduler;
  private seen = 0;

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

  /** Events of the sync roots (root = index in config.roots). Also while stopping: the watcher drains. */
  onEvents(events: readonly ChangeEvent[], files?: readonly number[]): void {
    const now = this.deps.clock.now();
    const { config, filter, journal, brake } = this.deps;
    for (const e of events) {
      this.seen++;
      const agg = this.aggregators[e.root];
      const root = config.roots[e.root];
      if (!agg || !root) continue;
      this.deps.count.event(root.path, e.kind);
      const kind = pendingKindFor(e.kind, config.inotify);
      if (kind === null) continue;
      if (filter.active && excluded(filter, e)) continue;
      // The brake keeps a removed path while it holds the root's deletions; one that is back is no longer held.
      if (e.kind === 'removed') {
        if (brake?.removed(e.root, e.path, now)) continue;
      } else if (e.kind === 'created' || e.kind === 'dir-created') brake?.appeared(e.root, e.path);
      if (e.movedFrom !== undefined) this.deps.moves[e.root]?.record(e.path, e.movedFrom, now);
      agg.add(e.path, kind, now, e.kind !== 'removed');
      journal.record({ type: 'path', root: root.path, path: e.path, kind });
    }
    if (files) brake?.files(files, now);
    journal.recorded();
    this.scheduler.rearm();
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
    return this.aggregators.every((a) => a.size === 0 && a.nextDeadline() === null);
  }

  /** Paths aggregated, not yet given to lanes. */
  get pendingPaths(): number {
    return this.aggregators.reduce((n, a) => n + a.size, 0);
  }

  private nextDeadline(): number | null {
    let min: number | null = null;
    for (const a of this.aggregators) {
      const d = a.nextDeadline();
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  private flushDue(now: number): void {
    this.aggregators.forEach((a, i) => {
      const batch = a.due(now);
      if (!batch) return;
      if (batch.fullSync) this.deps.outlet.fullSync(i, 'too many changes at once, lost events, or a watcher problem');
      else this.deps.outlet.enqueue(i, batch.entries);
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

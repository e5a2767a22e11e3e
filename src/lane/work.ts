import { BURST } from '../aggregate/burst.js';
import { PendingSet } from '../aggregate/pending-set.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { LaneFacts } from './lane-state.js';
import { LargeFileSlot } from './large-files.js';

/**
 * What a lane holds, and nothing about when it acts: the pending set, the batch in flight in the
 * main slot, the large-file slot, and since when the lane has been behind. Pure (times are
 * parameters); lane.ts decides what to send, this keeps the account of what is where.
 */
export class LaneWork {
  readonly pending: PendingSet;
  readonly large = new LargeFileSlot();
  private main: SyncBatch | null = null;
  /** The main batch has taken in what arrived while it was looked at (absorbPending, once). */
  private absorbed = false;
  private mainSince: number | null = null;
  private behind: number | null = null;
  private lastBatchAt = Number.NEGATIVE_INFINITY;

  constructor(limits: { readonly maxPathsPerDir: number; readonly maxPendingPaths: number }) {
    this.pending = new PendingSet(limits);
  }

  /** The main slot's batch in flight, and since when (monotonic ms). */
  get inFlight(): SyncBatch | null {
    return this.main;
  }

  get inFlightSince(): number | null {
    return this.mainSince;
  }

  /** Since when something has been undelivered (null when all is delivered). */
  get behindSince(): number | null {
    return this.behind;
  }

  /** New changes; those that touch a file held or sent by the large-file slot wait there (its wait starts over). */
  add(entries: readonly PendingEntry[], now: number, cut = false): void {
    const go = this.large.split(entries, now);
    // Part of an aggregator's cut is still one: the pending set may take it as it is.
    if (cut) this.pending.adopt(go);
    else this.pending.addAll(go);
    this.behind ??= now;
  }

  requestFullSync(now: number): void {
    this.pending.requestFullSync();
    this.behind ??= now;
  }

  /** What the machine needs to know now (lane-machine.ts). */
  facts(now: number): LaneFacts {
    const largeWaiting = this.large.waitingCount > 0;
    return {
      now,
      pending: !this.pending.isEmpty(),
      fullSync: this.pending.fullSync,
      largeWaiting,
      largeReady: largeWaiting && this.large.ready(now),
      largeLookInMs: largeWaiting ? this.large.nextLookInMs(now) : null,
      sinceLastBatchMs: now - this.lastBatchAt,
    };
  }

  /**
   * Everything pending becomes the main batch; null when all of it waits for the large-file slot
   * (then no batch started, and the next one is not spaced after it).
   */
  takeMain(now: number): SyncBatch | null {
    let batch = this.pending.take();
    if (batch.fullSync)
      this.large.clear(); // covered
    else {
      const go = this.large.split(batch.entries, now);
      if (go.length === 0) return null;
      batch = { fullSync: false, entries: go };
    }
    this.lastBatchAt = now;
    this.main = batch;
    this.mainSince = now;
    this.absorbed = false;
    return batch;
  }

  /**
   * The main batch, looked at but not yet sent, takes in what arrived meanwhile: a burst that the
   * cut split in two (the writer paused longer than the burst hold, and the rest came during the
   * look) then goes in one rsync run, not two back to back. Only for a batch of at least
   * `minPaths` paths (a burst's: a lone save is not held up by a second look), once per batch, and
   * never into or as a full sync. The merged batch (to look at again), or null.
   */
  absorbPending(now: number, minPaths: number = BURST.events): SyncBatch | null {
    const main = this.main;
    if (!main || main.fullSync || this.absorbed || main.entries.length < minPaths) return null;
    if (this.pending.size === 0 || this.pending.fullSync) return null;
    this.absorbed = true;
    this.pending.addAll(main.entries);
    const all = this.pending.take();
    if (all.fullSync) {
      this.pending.requestFullSync(); // too many together: a full sync follows this batch
      return null;
    }
    const go = this.large.split(all.entries, now);
    this.main = { fullSync: false, entries: go };
    return this.main;
  }

  mainDone(): void {
    this.main = null;
    this.mainSince = null;
  }

  /** A failed batch: every path back into the pending set, merged with whatever arrived meanwhile. */
  requeue(batch: SyncBatch): void {
    if (batch.fullSync) this.pending.requestFullSync();
    else this.pending.addAll(batch.entries);
  }

  /**
   * A batch succeeded: when that delivered everything (the slot that succeeded still counts as
   * busy), the lane is no longer behind. Returns whether it caught up.
   */
  catchUp(): boolean {
    const otherBusy = [this.main, this.large.inFlight].filter((b) => b !== null).length > 1;
    if (!this.pending.isEmpty() || this.large.waitingCount > 0 || otherBusy) return false;
    this.behind = null;
    return true;
  }

  isIdle(): boolean {
    return (
      this.main === null && this.large.inFlight === null && this.pending.isEmpty() && this.large.waitingCount === 0
    );
  }

  /** Everything not yet delivered: pending plus the batches in flight (for the journal). */
  undelivered(): SyncBatch {
    const p = this.pending.peek();
    const f = this.main;
    if (p.fullSync || f?.fullSync) return { fullSync: true, entries: [] };
    return {
      fullSync: false,
      entries: [
        ...p.entries,
        ...(f?.entries ?? []),
        ...this.large.waitingEntries(),
        ...(this.large.inFlight?.entries ?? []),
      ],
    };
  }

  /** What goes to the fail log: pending and waiting, with `withInFlight` what is being sent too; null when nothing. */
  forFailLog(withInFlight: boolean): { readonly full: boolean; readonly entries: readonly PendingEntry[] } | null {
    const snap = this.pending.peek();
    const flying = withInFlight ? [this.main, this.large.inFlight].filter((b): b is SyncBatch => b !== null) : [];
    const full = snap.fullSync || flying.some((b) => b.fullSync);
    const entries = full ? [] : [...snap.entries, ...this.large.waitingEntries(), ...flying.flatMap((b) => b.entries)];
    return !full && entries.length === 0 ? null : { full, entries };
  }

  /** When the oldest rsync running now (either slot) started; null when none runs. */
  oldestRunStart(): number | null {
    const starts = [this.mainSince, this.large.since].filter((t): t is number => t !== null);
    return starts.length === 0 ? null : Math.min(...starts);
  }

  get pendingPaths(): number {
    return this.pending.size + this.large.waitingCount;
  }

  get inFlightPaths(): number {
    return (this.main?.entries.length ?? 0) + (this.large.inFlight?.entries.length ?? 0);
  }
}

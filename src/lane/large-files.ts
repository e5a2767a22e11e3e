import { MERGE } from '../aggregate/merge.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import { isUnder, type BytePath } from '../shared/bytepath.js';

/**
 * Files at least this big go through a lane's second slot, so that small files never wait
 * behind a long transfer. Over loopback or a LAN, 64 MiB takes a fraction of a second: below
 * that, a file costs about what a batch costs anyway.
 */
export const LARGE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Splits a batch against the paths the large-file slot holds (sending or waiting). An entry that
 * touches one of them (the same path, a directory above it, or a path below it) waits for that
 * slot, so the two slots never send the same path at once (architecture.md §3, invariant 1).
 */
export function splitForLarge(entries: readonly PendingEntry[], largePaths: ReadonlySet<BytePath>): { readonly now: PendingEntry[]; readonly held: PendingEntry[] } {
  if (largePaths.size === 0) return { now: [...entries], held: [] };
  const now: PendingEntry[] = [];
  const held: PendingEntry[] = [];
  for (const e of entries) {
    let touches = largePaths.has(e.path);
    if (!touches) for (const p of largePaths) if (isUnder(p, e.path) || isUnder(e.path, p)) touches = true;
    (touches ? held : now).push(e);
  }
  return { now, held };
}

/** Adds entries to a waiting set keyed by path, the wider listing winning (the merge table). */
export function mergeInto(waiting: Map<BytePath, PendingEntry>, entries: readonly PendingEntry[]): void {
  for (const e of entries) {
    const old = waiting.get(e.path);
    waiting.set(e.path, old ? { path: e.path, kind: MERGE[old.kind][e.kind] } : e);
  }
}

/**
 * The large-file slot: big files wait here and go one batch at a time beside the main slot, so
 * small files keep their latency during a long transfer. The two never share a path: what the
 * main slot takes first passes split(), which keeps back whatever touches a path held here.
 */
export class LargeFileSlot {
  private readonly waiting = new Map<BytePath, PendingEntry>();
  private flying: SyncBatch | null = null;
  private flyingSince: number | null = null;

  /** The batch being sent, if any. */
  get inFlight(): SyncBatch | null {
    return this.flying;
  }

  /** When it started, monotonic ms. */
  get since(): number | null {
    return this.flyingSince;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  waitingEntries(): PendingEntry[] {
    return [...this.waiting.values()];
  }

  /** Big files found in a main batch: they go through this slot instead. */
  hold(entries: readonly PendingEntry[]): void {
    mergeInto(this.waiting, entries);
  }

  /** A full sync covers whatever waits here. */
  clear(): void {
    this.waiting.clear();
  }

  /** Of the entries the main slot is about to send, those that may go now; the rest wait here. */
  split(entries: readonly PendingEntry[]): PendingEntry[] {
    const paths = new Set(this.waiting.keys());
    for (const e of this.flying?.entries ?? []) paths.add(e.path);
    const { now, held } = splitForLarge(entries, paths);
    mergeInto(this.waiting, held);
    return now;
  }

  /** Everything waiting becomes the batch in flight. */
  start(now: number): SyncBatch {
    const batch: SyncBatch = { fullSync: false, entries: [...this.waiting.values()] };
    this.waiting.clear();
    this.flying = batch;
    this.flyingSince = now;
    return batch;
  }

  done(): void {
    this.flying = null;
    this.flyingSince = null;
  }
}

import { MERGE } from '../aggregate/merge.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import { isUnder, type BytePath } from '../shared/bytepath.js';
import { FileGate, GATE, type FileLook, type GateRules } from './large-gate.js';

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
export function splitForLarge(
  entries: readonly PendingEntry[],
  largePaths: ReadonlySet<BytePath>,
): { readonly now: PendingEntry[]; readonly held: PendingEntry[] } {
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

/** What the slot needs of one look at the disk and /proc (large-look.ts takes it). */
export interface SlotLook {
  readonly files: ReadonlyMap<BytePath, FileLook>;
  /** The writer scan saw every process. */
  readonly complete: boolean;
  readonly costMs: number;
}

/**
 * The large-file slot: big files wait here and go one batch at a time beside the main slot, so
 * small files keep their latency during a long transfer. A big file waits until it is written
 * (large-gate.ts), so it is sent once. The two slots never share a path: what the main slot takes
 * first passes split(), which keeps back whatever touches a path held or sent here; such an entry
 * for the held file itself is a new event for its gate, the others (a directory above it) wait
 * for it and go with it.
 */
export class LargeFileSlot {
  private readonly waiting = new Map<BytePath, PendingEntry>();
  /** The held files among `waiting` (the rest wait for them). */
  private readonly gates = new Map<BytePath, FileGate>();
  private flying: SyncBatch | null = null;
  private flyingSince: number | null = null;
  private flyingFiles = new Set<BytePath>();
  /** Files in flight that had been deferred for room (deferredCount counts them until done()). */
  private flyingDeferred = 0;

  constructor(private readonly rules: GateRules = GATE) {}

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

  /** Big files found in a main batch: they go through this slot instead, once written. */
  hold(entries: readonly PendingEntry[], now: number): void {
    mergeInto(this.waiting, entries);
    for (const e of entries) this.gateOf(e.path, now).event(now);
  }

  /**
   * Files the receiver had no room for: they wait here until `until` (the lane's backoff), so
   * the main slot goes on with everything else and only these wait for space.
   */
  defer(entries: readonly PendingEntry[], until: number): void {
    mergeInto(this.waiting, entries);
    for (const e of entries) this.gateOf(e.path, until).defer(until);
  }

  /** Files waiting for room on the receiver (defer()). */
  get deferredCount(): number {
    return [...this.gates.values()].filter((g) => g.deferred).length + this.flyingDeferred;
  }

  /** A full sync covers whatever waits here. */
  clear(): void {
    this.waiting.clear();
    this.gates.clear();
  }

  /** Of the entries the main slot is about to send (or was given), those that may go there; the rest wait here. */
  split(entries: readonly PendingEntry[], now: number): PendingEntry[] {
    if (this.waiting.size === 0 && this.flyingFiles.size === 0 && !this.flying) return [...entries];
    const paths = new Set(this.waiting.keys());
    for (const e of this.flying?.entries ?? []) paths.add(e.path);
    const { now: go, held } = splitForLarge(entries, paths);
    mergeInto(this.waiting, held);
    // The held file itself changed again (or the one being sent): its wait starts over.
    for (const e of held)
      if (this.gates.has(e.path) || this.flyingFiles.has(e.path)) this.gateOf(e.path, now).event(now);
    return go;
  }

  /** The held files due for a look at `now`. */
  lookDue(now: number): BytePath[] {
    return [...this.gates].filter(([, g]) => !g.ready(now) && g.nextLookAt() <= now).map(([p]) => p);
  }

  observe(look: SlotLook, now: number): void {
    for (const [p, f] of look.files) this.gates.get(p)?.observe(f, look.complete, look.costMs, now);
  }

  /** start() would send something now. */
  ready(now: number): boolean {
    return this.goingNow(now).length > 0;
  }

  /** Milliseconds until a held file is due for a look (0: now); null when none waits for one. */
  nextLookInMs(now: number): number | null {
    let next: number | null = null;
    for (const g of this.gates.values()) if (!g.ready(now)) next = Math.min(next ?? Infinity, g.nextLookAt());
    return next === null ? null : Math.max(0, next - now);
  }

  /** Held files a process had open for writing at their last look (for the log). */
  get writingCount(): number {
    return [...this.gates.values()].filter((g) => g.writing).length;
  }

  /** What may go becomes the batch in flight: the written files, and what waits for nothing still being written. */
  start(now: number): SyncBatch {
    const go = this.goingNow(now);
    for (const e of go) this.waiting.delete(e.path);
    this.flyingDeferred = go.filter((e) => this.gates.get(e.path)?.deferred === true).length;
    this.flyingFiles = new Set(go.filter((e) => this.gates.delete(e.path)).map((e) => e.path));
    const batch: SyncBatch = { fullSync: false, entries: go };
    this.flying = batch;
    this.flyingSince = now;
    return batch;
  }

  done(): void {
    this.flying = null;
    this.flyingSince = null;
    this.flyingFiles = new Set();
    this.flyingDeferred = 0;
  }

  private goingNow(now: number): PendingEntry[] {
    const unready = new Set([...this.gates].filter(([, g]) => !g.ready(now)).map(([p]) => p));
    if (unready.size === 0) return [...this.waiting.values()];
    return [...this.waiting.values()].filter(
      (e) => !unready.has(e.path) && splitForLarge([e], unready).held.length === 0,
    );
  }

  private gateOf(path: BytePath, now: number): FileGate {
    let g = this.gates.get(path);
    if (!g) this.gates.set(path, (g = new FileGate(now, this.rules)));
    return g;
  }
}

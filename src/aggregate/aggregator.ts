import type { BytePath } from '../shared/bytepath.js';
import { BURST, BurstWatch } from './burst.js';
import { DeadlineHeap } from './deadline-heap.js';
import { PathTrie, type TimedEntry } from './path-trie.js';
import type { AggregateLimits, DebounceTiming, PendingEntry, PendingKind, SyncBatch } from './types.js';

/**
 * A quiet period's first delivery with more changes than this is the start of a burst (a save is
 * one to a few paths): it waits like the rest, so a burst does not pay for an extra rsync run at
 * its start. The same bound as BurstWatch's for one delivery, which then holds it as a burst.
 */
export const LEADING_MAX_PATHS = BURST.delivery;

/**
 * At a cut the cap forces while a burst goes on, a removal younger than this waits for the next
 * cut. It may be the first half of a move (`mv dir dir2`: the old name's removal, then the new
 * name's creation) whose second half the watcher has not delivered yet: shipped alone, it deletes
 * the old place on the receiver, and the moved directory, cut next, is then received in full
 * instead of linked from there (seen once in CI: 7.3 MiB sent for a 1,000-file directory moved
 * during 1,000 renames). The two halves come from one rename, so they reach the main thread
 * within a watcher message or two; a removal waiting costs nothing that matters.
 */
export const MOVE_HALVES_MS = 250;

interface Deadline {
  readonly at: number;
  readonly path: BytePath;
}

/**
 * Per-root debounce. A path is due once it has been quiet for `delayMs`, or `maxDelayMs` after
 * it first became dirty, whichever comes first (Syncthing's aggregator: quiet time with a cap,
 * so a file written continuously still ships). Pure: every method takes `now`.
 *
 * During a burst of events (burst.ts) nothing is due until the root has been quiet for a moment,
 * or until the oldest pending change reaches its maxDelayMs: a burst then ships as one batch
 * after it ends (or one per maxDelayMs while it goes on), not as a batch every few ms.
 *
 * Leading edge (`leadingEdge`): the first change after a quiet period (no change for `delayMs`, no burst) is due
 * at once, with every change that came in the same delivery (the same `now`): a lone save costs
 * one rsync run, not the debounce and a run. A first delivery of more than LEADING_MAX_PATHS
 * paths is a burst starting, and waits. What follows is debounced as above (the trailing
 * edge), and a path changed again after its leading edge waits its quiet time like any other.
 *
 * Deadlines live in a min-heap with lazy invalidation: each change pushes the entry's new
 * deadline; a popped deadline that no longer matches its entry is stale and skipped. So due()
 * and nextDeadline() cost O(log n) per change, never a scan of every pending path (the one scan,
 * for the oldest pending change, happens when a burst starts and at each batch during one).
 */
export class Aggregator {
  private readonly trie: PathTrie;
  private readonly heap = new DeadlineHeap();
  private readonly burst = new BurstWatch();
  /** While a burst holds: when the oldest pending change reaches its maxDelayMs. */
  private holdCap = Number.POSITIVE_INFINITY;
  /** When the last change came (any path). */
  private lastAdd = Number.NEGATIVE_INFINITY;
  /** The time of the current quiet period's first delivery: changes made then are due at once. */
  private leadingAt = Number.NEGATIVE_INFINITY;
  /**
   * Paths due at once (leading edge) → that time. Their trailing deadline is in the heap too, so
   * forgetting one (a new quiet period clears the map) only makes it wait its quiet time.
   */
  private readonly leading = new Map<BytePath, number>();
  /** Pending paths whose last change was their removal. */
  private readonly removals = new Set<BytePath>();
  /** The delivery being added is all the watcher had (see delivery()). */
  private deliveryWhole = true;

  constructor(
    private readonly timing: DebounceTiming,
    limits: AggregateLimits,
  ) {
    this.trie = new PathTrie(limits);
  }

  get size(): number {
    return this.trie.size;
  }

  /**
   * `removal`: the path was removed. A removal never goes out on the leading edge (the
   * mass-deletion brake needs the quiet time to see an rm -rf whole before any of it ships), and a
   * young one waits at a cap cut (MOVE_HALVES_MS).
   */
  add(path: BytePath, kind: PendingKind, now: number, removal = false): void {
    if (
      this.timing.leadingEdge &&
      this.deliveryWhole &&
      now - this.lastAdd >= this.timing.delayMs &&
      !this.burst.holding(now)
    ) {
      this.leadingAt = now;
      this.leading.clear();
    }
    this.lastAdd = Math.max(this.lastAdd, now);
    if (this.burst.event(now)) this.holdCap = Math.min(this.trie.oldestFirst() ?? now, now) + this.timing.maxDelayMs;
    const out = this.trie.add(path, kind, now);
    if (!('holder' in out)) return;
    if (removal && out.holder === path) this.removals.add(path);
    else if (this.removals.size > 0) this.removals.delete(out.holder); // the hot path: most bursts remove nothing
    this.schedule(out.holder);
    if (!removal && now === this.leadingAt && this.trie.entry(out.holder)?.last === now) {
      this.leading.set(out.holder, now);
      this.heap.push(now, out.holder);
      if (this.leading.size > LEADING_MAX_PATHS) {
        this.leading.clear(); // a burst begins: trailing deadlines only (they are in the heap)
        this.leadingAt = Number.NEGATIVE_INFINITY;
      }
    }
  }

  /**
   * Told before a watcher message's changes are added: `whole` is false when the watcher said it
   * had more events to look at. Such a delivery starts no leading edge, however few its changes:
   * it is the first part of a backlog (an agent that was stopped, a busy watcher), and its first
   * paths shipped alone would split the rest's batch (a directory's files, then not folded into
   * one recursion, lane/fold-changes.ts).
   */
  delivery(whole: boolean): void {
    this.deliveryWhole = whole;
  }

  /**
   * The watcher's message said whether it has more events to look at. A burst is not over while
   * it has (the cap, maxDelayMs from the oldest change, still bounds the wait).
   */
  watcherBehind(behind: boolean): void {
    this.burst.watcherBehind(behind);
  }

  /** Everything pending is replaced by one full sync of the root, due at once. */
  requestFullSync(now: number): void {
    this.trie.requestFullSync(now);
  }

  nextDeadline(): number | null {
    if (this.trie.fullSync) return this.trie.fullSyncSince;
    for (;;) {
      const at = this.heap.topAt();
      if (at === undefined) return null;
      // In a burst: not before it goes quiet (or the cap); once quiet, quietAt is past and `at` wins.
      if (this.isCurrent(at, this.heap.topPath()!))
        return this.burst.holding(at) ? Math.max(at, Math.min(this.burst.quietAt, this.holdCap)) : at;
      this.heap.pop();
    }
  }

  /** Removes and returns the entries due at `now` (a full sync when one is pending), else null. */
  due(now: number): SyncBatch | null {
    if (this.trie.fullSync) return this.takeAll();
    const burst = this.burst.holding(now);
    if (burst && now < this.holdCap) return null;
    if (!burst && now - this.lastAdd >= this.timing.delayMs) return this.takeAll();
    const entries: PendingEntry[] = [];
    const waiting: Deadline[] = [];
    for (;;) {
      const at = this.heap.topAt();
      if (at === undefined || at > now) break;
      const path = this.heap.topPath()!;
      this.heap.pop();
      if (!this.isCurrent(at, path)) continue;
      // A cap cut during a burst: a removal that is all a young entry holds may be half a move
      // (MOVE_HALVES_MS). Its first change, not the removal's time: a path removed again and
      // again still ships by its own cap.
      if (burst && this.removals.has(path) && now - this.trie.entry(path)!.first < MOVE_HALVES_MS) {
        waiting.push({ at, path });
        continue;
      }
      const e = this.trie.remove(path);
      this.leading.delete(path);
      this.removals.delete(path);
      if (e) entries.push({ path, kind: e.kind });
    }
    for (const d of waiting) this.heap.push(d.at, d.path);
    if (this.trie.size === 0) this.removals.clear(); // paths folded into a directory left it
    // The next cap counts from the oldest change still pending (a waiting removal's, maybe).
    if (burst) this.holdCap = (this.trie.oldestFirst() ?? now) + this.timing.maxDelayMs;
    if (entries.length === 0) return null;
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { fullSync: false, entries };
  }

  /**
   * Everything, for due(): a full sync, or every entry once the root has been quiet for delayMs
   * (each entry's deadline is then past: at most its last change plus delayMs). The trie goes out
   * whole and the heap is dropped. Taken deadline by deadline, a burst's cut popped every stale
   * deadline the burst left (one per change) and removed its paths from the trie one at a time:
   * 20 ms of the main thread for 5,000 paths, and 40 ms at the bench's burst-create cut, between
   * the burst's end and its rsync (issue 21, round 18).
   */
  private takeAll(): SyncBatch | null {
    const all = this.trie.takeAll();
    this.heap.clear();
    this.leading.clear();
    this.removals.clear();
    return all.fullSync || all.entries.length > 0 ? all : null;
  }

  /** Everything pending, without removing it (for the journal). */
  peek(): SyncBatch {
    return { fullSync: this.trie.fullSync, entries: this.trie.fullSync ? [] : this.trie.entries() };
  }

  /** When the oldest pending change happened, for status; null when nothing is pending. */
  oldestPendingSince(): number | null {
    return this.trie.oldestFirst();
  }

  private deadlineOf(e: TimedEntry): number {
    return Math.min(e.last + this.timing.delayMs, e.first + this.timing.maxDelayMs);
  }

  private schedule(path: BytePath): void {
    const e = this.trie.entry(path);
    if (e) this.heap.push(this.deadlineOf(e), path);
  }

  private isCurrent(at: number, path: BytePath): boolean {
    const e = this.trie.entry(path);
    if (e === null) return false;
    // A leading deadline holds while the path has not changed since.
    return this.deadlineOf(e) === at || (this.leading.get(path) === at && e.last === at);
  }
}

/*
 * Removals wait here until the watcher has reported the whole deletion: the worker can split an
 * `rm -rf` over several messages, and a removal that reached the aggregator before the message
 * whose file count trips the mass-deletion brake could ship first. The worker says with each
 * message whether it still had events to look at (`settled`), but a live `rm -rf` reaches the
 * watcher over time and it settles between its parts; so removals are let through once the
 * watcher is settled AND no removal came for REMOVAL_QUIET_MS (a deletion in progress keeps them
 * waiting), or SETTLE_MAX_MS after the first waiting one (a deletion that never ends must not wait
 * for ever: by then the brake has seen `files` of them if it is fast enough to matter).
 * Pure: `now` is given; new and changed files never wait here.
 */
import type { BytePath } from '../shared/bytepath.js';

/** Removals go when none came for this long (and the watcher is settled)... */
export const REMOVAL_QUIET_MS = 1000;
/** ...or when the first of them has waited this long. */
export const SETTLE_MAX_MS = 10_000;

export class RemovalGate<E extends { readonly root: number; readonly path: BytePath }> {
  /** The removals held, in the order first seen; some may have appeared again since (not in `live`). */
  private order: E[] = [];
  /**
   * The paths that still wait, per root. Every new file asks whether a removal of its path waits:
   * a filter of the list for each one took 2.7 s of the main thread for a deploy's 10,000 new files
   * against its 10,000 waiting removals (issue 21, round 23).
   */
  private readonly live = new Map<number, Set<BytePath>>();
  private count = 0;
  private since: number | null = null;
  private last = 0;
  private settled = true;

  get size(): number {
    return this.count;
  }

  /** A removal seen while the watcher is not settled (or others wait): it waits, in order. */
  hold(e: E, now: number): void {
    this.since ??= now;
    this.last = now;
    let paths = this.live.get(e.root);
    if (!paths) this.live.set(e.root, (paths = new Set()));
    const before = paths.size;
    if (paths.add(e.path).size === before) return; // a second removal of it says nothing more
    this.count++;
    this.order.push(e);
  }

  /** The path exists again: a removal of it that waits is moot (what exists now ships anyway). */
  appeared(root: number, path: BytePath): void {
    if (this.count === 0 || !this.live.get(root)?.delete(path)) return;
    if (--this.count === 0) this.clear();
  }

  /** What the watcher said with its last message. */
  settle(settled: boolean): void {
    this.settled = settled;
  }

  /** When the waiting removals go (unless more come); null when none waits. */
  deadline(): number | null {
    if (this.since === null) return null;
    const max = this.since + SETTLE_MAX_MS;
    // Not settled: the watcher's next message (it owes one) decides, not a timer.
    return this.settled ? Math.min(max, this.last + REMOVAL_QUIET_MS) : max;
  }

  /** The waiting removals, in the order seen, when their time came (`force`: now, e.g. stopping). */
  take(now: number, force = false): E[] {
    const at = this.deadline();
    if (at === null || (!force && now < at)) return [];
    // Each path once, where it was first seen; none that appeared again (and was not removed since).
    const out = this.order.filter((e) => this.live.get(e.root)!.delete(e.path));
    this.clear();
    return out;
  }

  private clear(): void {
    this.order = [];
    this.live.clear();
    this.count = 0;
    this.since = null;
  }
}

/*
 * Removals wait here until the watcher has reported the whole deletion: the worker can split an
 * `rm -rf` over several messages, and a removal that reached the aggregator before the message
 * whose file count trips the mass-deletion brake could ship first. The worker says with each
 * message whether it still had events to look at (`settled`); removals are let through only on
 * a settled message, or SETTLE_MAX_MS after the first waiting one (a watcher that never settles
 * must not hold a deletion for ever). Pure: `now` is given; new and changed files never wait here.
 */
import type { BytePath } from '../shared/bytepath.js';

/** A removal waits for the watcher to settle at most this long. */
export const SETTLE_MAX_MS = 5000;

export class RemovalGate<E extends { readonly root: number; readonly path: BytePath }> {
  private waiting: E[] = [];
  private since: number | null = null;

  get size(): number {
    return this.waiting.length;
  }

  /** A removal seen while the watcher is not settled (or others wait): it waits, in order. */
  hold(e: E, now: number): void {
    this.since ??= now;
    this.waiting.push(e);
  }

  /** The path exists again: a removal of it that waits is moot (what exists now ships anyway). */
  appeared(root: number, path: BytePath): void {
    if (this.waiting.length === 0) return;
    this.waiting = this.waiting.filter((e) => e.root !== root || e.path !== path);
    if (this.waiting.length === 0) this.since = null;
  }

  /** When the waiting removals go even if the watcher does not settle; null when none waits. */
  deadline(): number | null {
    return this.since === null ? null : this.since + SETTLE_MAX_MS;
  }

  /** The waiting removals, in the order seen, when the watcher settled or the wait is over. */
  take(now: number, settled: boolean): E[] {
    if (this.since === null || (!settled && now < this.since + SETTLE_MAX_MS)) return [];
    const out = this.waiting;
    this.waiting = [];
    this.since = null;
    return out;
  }
}

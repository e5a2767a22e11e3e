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
  private waiting: E[] = [];
  private since: number | null = null;
  private last = 0;
  private settled = true;

  get size(): number {
    return this.waiting.length;
  }

  /** A removal seen while the watcher is not settled (or others wait): it waits, in order. */
  hold(e: E, now: number): void {
    this.since ??= now;
    this.last = now;
    this.waiting.push(e);
  }

  /** The path exists again: a removal of it that waits is moot (what exists now ships anyway). */
  appeared(root: number, path: BytePath): void {
    if (this.waiting.length === 0) return;
    this.waiting = this.waiting.filter((e) => e.root !== root || e.path !== path);
    if (this.waiting.length === 0) this.since = null;
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
    const out = this.waiting;
    this.waiting = [];
    this.since = null;
    return out;
  }
}

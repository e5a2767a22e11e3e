/**
 * How the tree scan (scan.ts) paces its reads: in slices of the worker's time, with a turn of the
 * event loop between them, and through the threadpool while the cache looks cold.
 */
import type { Clock } from '../shared/clock.js';
import { nextTurn } from '../shared/one-shot.js';

/** How long a scan reads before it lets the event loop run: short next to the kernel queue's
 *  16,384 events at any plausible event rate, long next to the cost of one turn of the loop. */
export const SLICE_MS = 10;
/** A synchronous read this slow (a warm one takes microseconds) says the cache is cold... */
export const SLOW_READ_MS = 3;
/** ...and this many reads then go through the threadpool before a synchronous one is tried
 *  again; twice as many each time that one is slow too, up to COLD_READS_MAX. */
export const COLD_READS = 32;
export const COLD_READS_MAX = 4096;

/** The scan's slices of SLICE_MS, with a turn of the event loop between them. */
export class Slices {
  private end: number;

  constructor(private readonly clock: Pick<Clock, 'now'>) {
    this.end = clock.now() + SLICE_MS;
  }

  used(): boolean {
    return this.clock.now() >= this.end;
  }

  /** A turn of the event loop, then a new slice. */
  async next(): Promise<void> {
    await nextTurn();
    this.end = this.clock.now() + SLICE_MS;
  }
}

/** Whether the cache looks cold, from how long the synchronous reads take (see SLOW_READ_MS). */
export class ColdCache {
  private left = 0;
  private span = COLD_READS;

  /** True when this read should go through the threadpool. */
  useThreadpool(): boolean {
    if (this.left === 0) return false;
    this.left--;
    return true;
  }

  /** A synchronous read took `ms`. */
  took(ms: number): void {
    if (ms < SLOW_READ_MS) {
      this.span = COLD_READS;
      return;
    }
    this.left = this.span;
    this.span = Math.min(this.span * 2, COLD_READS_MAX);
  }
}

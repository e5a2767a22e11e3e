/** One re-armable timer: arming again replaces the pending call (edge code's only kind of timer). */
export class OneShot {
  private handle: NodeJS.Timeout | null = null;

  get armed(): boolean {
    return this.handle !== null;
  }

  /** Calls `fn` in `ms`, instead of whatever was armed. */
  arm(ms: number, fn: () => void): void {
    this.cancel();
    this.handle = setTimeout(() => {
      this.handle = null;
      fn();
    }, ms);
  }

  /** arm() unless already armed. */
  ensure(ms: number, fn: () => void): void {
    if (!this.handle) this.arm(ms, fn);
  }

  cancel(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
  }
}

/**
 * The one timer of a component whose pure core says when it must next act (`nextDeadline()`,
 * absolute monotonic ms): set() after every transition; the same deadline leaves it running.
 */
export class DeadlineTimer {
  private readonly shot = new OneShot();
  private at: number | null = null;

  /** Calls `fn(at)` at `at` (null: never), `now` being the clock's now. */
  set(at: number | null, now: number, fn: (at: number) => void): void {
    if (at === this.at && (at === null || this.shot.armed)) return;
    this.at = at;
    if (at === null) return this.shot.cancel();
    this.shot.arm(Math.max(0, at - now), () => {
      this.at = null;
      fn(at);
    });
  }
}

/**
 * Resolves on a later turn of the event loop (setImmediate: after the I/O callbacks due now): what
 * a long synchronous loop awaits between chunks so the rest of the agent runs meanwhile.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

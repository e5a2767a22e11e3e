/**
 * How late a periodic tick runs: the health check's "event loop responsive". Pure: it is fed
 * monotonic times (Clock.now()), so a wall-clock step is never read as a blocked loop (an hour's
 * step once showed as `event loop blocked for 3599781 ms`).
 */
export class LoopLag {
  private expected: number;

  constructor(
    private readonly intervalMs: number,
    now: number,
  ) {
    this.expected = now + intervalMs;
  }

  /** The tick ran at `now`: how late it was (ms), and the next tick is expected an interval later. */
  tick(now: number): number {
    const lag = Math.max(0, now - this.expected);
    this.expected = now + this.intervalMs;
    return lag;
  }
}

import { mock } from 'node:test';
import type { Clock } from '../../src/shared/clock.js';

/**
 * A clock for unit tests whose wall time can step (NTP, `date -s`) while its monotonic time only
 * moves with advance(). With `mockTimers`, node:test's mock timers are enabled: advance() also
 * fires the setTimeout/setInterval timers that fall due, and Date.now() shows the stepped wall
 * time, so code that (wrongly) schedules by Date.now() goes wrong in the test as it would on a
 * machine whose clock stepped. Call restore() when done. (Date.now is replaced by hand, not by
 * the mock timers' Date: those schedule their timers by it, so stepping it would move the timers,
 * which real timers, on the monotonic clock, never do.)
 */
export class SteppingClock implements Clock {
  private mono = 0;
  private wall: number;
  private readonly realDateNow = Date.now;

  constructor(
    wallStart = Date.UTC(2026, 11, 3, 12, 0, 0),
    private readonly mockTimers = false,
  ) {
    this.wall = wallStart;
    if (mockTimers) {
      mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
      Date.now = () => this.wall;
    }
  }

  now(): number {
    return this.mono;
  }

  wallNow(): number {
    return this.wall;
  }

  /** Time passes: both clocks move, and due timers fire (in order, at their times). */
  advance(ms: number): void {
    for (let left = ms; left > 0;) {
      const d = Math.min(left, 10);
      this.mono += d;
      this.wall += d;
      if (this.mockTimers) mock.timers.tick(d);
      left -= d;
    }
  }

  /** The wall clock steps by `ms` (negative: back); monotonic time does not move. */
  stepWall(ms: number): void {
    this.wall += ms;
  }

  restore(): void {
    if (!this.mockTimers) return;
    mock.timers.reset();
    Date.now = this.realDateNow;
  }
}

import type { Clock } from '../shared/clock.js';

/**
 * The one timer that drives the pure aggregators: armed for the earliest `nextDeadline()`,
 * re-armed after every tick and whenever new events may have moved the deadline earlier.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly nextDeadline: () => number | null,
    private readonly tick: (now: number) => void,
  ) {}

  /** Call after anything that may have changed the next deadline. */
  rearm(): void {
    const d = this.nextDeadline();
    if (d === null) {
      this.cancel();
      return;
    }
    if (this.timer && d >= this.armedFor) return;
    this.cancel();
    this.armedFor = d;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.armedFor = Infinity;
        this.tick(this.clock.now());
        this.rearm();
      },
      Math.max(0, d - this.clock.now()),
    );
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }
}

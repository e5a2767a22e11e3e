/**
 * Bursts of a root's events: a `tar x`, `cp -r` or `git checkout` writes thousands of files a
 * second. Sending what is due while such a burst goes on starts rsync runs that compete with the
 * writer for the CPU, each one paying rsync's start-up again (the bench's burst-create: three
 * serial batches, the first 20 ms after the first event, 1.4-1.5x one rsync after the burst).
 * During a burst the aggregator therefore holds what is due until the root has been quiet for
 * BURST.quietMs (capped by its maxDelay, so a burst that goes on for seconds still ships about
 * once per maxDelay). A lone edit never counts as a burst: it takes BURST.events events within
 * one BURST.windowMs to make one, far above a person's or an editor's rate, and above a stream
 * of a hundred files a second (the bench's bigfile small files, which keep their latency).
 * More than BURST.delivery events at one instant (one message from the watcher, which sends
 * what it saw in 10 ms: over 3,200 events a second) start one too: the first messages of an
 * `rm` of 3,000 files held 128 and 64 events, under BURST.events in their window, and shipped
 * as runs of their own before the rest (the bench's burst-delete: 1 to 5 rsync runs, issue 21).
 * A burst also stays on while the watcher says it has more events to look at (`behind`): on a
 * busy machine its next message came 130 ms after one of 2,000 events, the burst counted as
 * quiet after 50 ms, and a 5,000-file burst-modify shipped as two runs back to back (1.2 + 1.8 s
 * against 2.0 s for one run of all of it). With that flag, 30 ms of quiet is enough. Against 50 (A/B
 * repeat 5): burst-delete 195 against 211 ms, rename 311 against 329, burst-modify 552 against
 * 619, burst-create 1077 against 1180; deploy 2317 against 2254 (faster in 3 of 5). Each side split
 * one burst-create repeat into more runs, and 30 one deploy repeat (issue 21, round 30).
 */
export const BURST = { windowMs: 100, events: 200, quietMs: 30, delivery: 32 } as const;

/** Pure: the event times come in as parameters. */
export class BurstWatch {
  private window = Number.NEGATIVE_INFINITY;
  private count = 0;
  private prevCount = 0;
  private lastEvent = Number.NEGATIVE_INFINITY;
  private high = false;
  /** Events at `lastEvent`: one delivery from the watcher. */
  private atOnce = 0;
  /** The watcher's last message said more events were coming. */
  private behind = false;

  constructor(
    private readonly rules: {
      readonly windowMs: number;
      readonly events: number;
      readonly quietMs: number;
      readonly delivery: number;
    } = BURST,
  ) {}

  /** One event at `now`. True when this event started a burst (the root was not in one). */
  event(now: number): boolean {
    const was = this.holding(now);
    const w = Math.floor(now / this.rules.windowMs);
    if (w !== this.window) {
      this.prevCount = w === this.window + 1 ? this.count : 0;
      this.window = w;
      this.count = 0;
    }
    this.count++;
    this.atOnce = now === this.lastEvent ? this.atOnce + 1 : 1;
    this.lastEvent = now;
    // One large delivery makes its window as busy as BURST.events would.
    if (this.atOnce > this.rules.delivery) this.count = Math.max(this.count, this.rules.events);
    // This window or the one before it was busy: a burst, until it goes quiet or slows down.
    this.high = this.count >= this.rules.events || this.prevCount >= this.rules.events;
    return !was && this.high;
  }

  /** The watcher has (true) or has not (false) more events to look at; its next message says again. */
  watcherBehind(behind: boolean): void {
    this.behind = behind;
  }

  /** A burst is on at `now`: busy lately, and not quiet for quietMs yet (or more events coming). */
  holding(now: number): boolean {
    return this.high && (this.behind || now - this.lastEvent < this.rules.quietMs);
  }

  /** When the burst counts as over if no event comes (monotonic ms); never while more are coming. */
  get quietAt(): number {
    return this.behind ? Number.POSITIVE_INFINITY : this.lastEvent + this.rules.quietMs;
  }
}

/**
 * Overflow detection. Nothing available to Node reports IN_Q_OVERFLOW, so a separate process
 * creates canary files in a directory that the watcher worker watches too: the canary shares the
 * kernel queue with the roots, so a canary it never reports means the queue dropped events and
 * every root needs a full sync. Pure: feed it the names seen and the time.
 *
 * A canary is named `c<slot>.<seq>`: `slot` is the monotonic clock, floor(now / interval) (a
 * wall-clock step changes nothing), and `seq` counts
 * the files that writer made. A gap in `seq` is a canary written and never reported: the kernel
 * dropped events. A gap in `slot` with consecutive `seq` means the writer itself was frozen
 * (SIGSTOP of the whole service, a suspended VM, a cgroup freeze): it could not show an overflow
 * that happened meanwhile, so that counts as a loss too. Numbering by ticks alone would hide it.
 */

/** Why events may have been lost. */
export interface CanaryLoss {
  readonly reason: 'lost' | 'stalled' | 'silent';
  /** Canary files never reported (`lost`), intervals the writer skipped (`stalled`), 0 (`silent`). */
  readonly missing: number;
}

export interface CanaryCheckOptions {
  /**
   * Skipped clock slots tolerated before a stall counts: a timer that fires late under load
   * skips a slot or two without any freeze. @default 5 (500 ms at the 100 ms interval)
   */
  readonly stallSlots?: number;
  /**
   * No canary reported for this long (ms) means the watcher may be dead or hopelessly behind.
   * @default 10_000 (a busy watcher lstat'ing a big burst is seconds late, not ten)
   */
  readonly silentAfterMs?: number;
}

/** The canary file for clock slot `slot` (floor of monotonic ms / interval), the writer's `seq`th. */
export function canaryName(slot: number, seq: number): string {
  return `c${slot}.${seq}`;
}

export class CanaryCheck {
  private last: { slot: number; seq: number } | null = null;
  private lastSeenAt: number;
  private silent = false;
  private readonly stallSlots: number;
  private readonly silentAfterMs: number;

  /** `now`: when watching began (silence is counted from there until the first canary). */
  constructor(now: number, opts: CanaryCheckOptions = {}) {
    this.lastSeenAt = now;
    this.stallSlots = opts.stallSlots ?? 5;
    this.silentAfterMs = opts.silentAfterMs ?? 10_000;
  }

  /** A canary file `name` was reported at `now`: a loss, or null when none shows. */
  seen(name: string, now: number): CanaryLoss | null {
    const m = /^c(\d+)\.(\d+)$/.exec(name);
    if (!m) return null;
    const slot = Number(m[1]);
    const seq = Number(m[2]);
    this.lastSeenAt = now;
    this.silent = false;
    const last = this.last;
    this.last = { slot, seq };
    // First canary, or a restarted writer (its count starts again): resynchronise without alarm.
    if (last === null || seq <= last.seq || slot < last.slot) return null;
    const lost = seq - last.seq - 1;
    if (lost > 0) return { reason: 'lost', missing: lost };
    const skipped = slot - last.slot - 1;
    if (skipped > this.stallSlots) return { reason: 'stalled', missing: skipped };
    return null;
  }

  /** Asked periodically: a `silent` loss once when no canary has been reported for too long. */
  check(now: number): CanaryLoss | null {
    if (this.silent || now - this.lastSeenAt < this.silentAfterMs) return null;
    this.silent = true;
    return { reason: 'silent', missing: 0 };
  }

  /** Since when no canary has been reported (for the log). */
  get lastSeen(): number {
    return this.lastSeenAt;
  }
}

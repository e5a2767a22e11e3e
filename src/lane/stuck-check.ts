/**
 * The stuck check, pure (lane.ts owns its timer). A batch still running after SLOW_BATCH_MS makes
 * the lane ask whether its remote answers at all. A remote that accepts connections and then
 * hangs fails only when rsync's I/O timeout ends (30 s or more): if the liveness probe gets no
 * answer either, what is pending and in flight is written to the fail log now, so operators see
 * it within 30 s; without `<timeout>` (rsync then has no I/O timeout of its own, see
 * rsync/args.ts) the rsync is ended after a few silent probes. A slow transfer from a live remote
 * is left alone.
 */

export const SLOW_BATCH_MS = 10_000;
/** Probes in a row without an answer before the rsync is ended (when `<timeout>` is off). */
export const UNANSWERED_BEFORE_KILL = 3;

/** When to look: nothing runs; later (the oldest rsync is younger than the limit); ask now. */
type StuckLook =
  | { readonly kind: 'none' }
  | { readonly kind: 'later'; readonly inMs: number }
  | { readonly kind: 'ask'; readonly ageMs: number };

/** What the answer means: fine; end the rsync (silent for `silentMs`); write the fail log. */
type StuckVerdict =
  | { readonly kind: 'fine' }
  | { readonly kind: 'end-rsync'; readonly silentMs: number }
  | { readonly kind: 'fail-log'; readonly reason: string };

export class StuckCheck {
  /** Liveness probes in a row that got no answer while an rsync ran. */
  private unanswered = 0;

  /** `oldestStart`: when the oldest rsync running now started (null: none runs, or the lane stopped). */
  look(now: number, oldestStart: number | null): StuckLook {
    if (oldestStart === null) {
      this.unanswered = 0;
      return { kind: 'none' };
    }
    const age = now - oldestStart;
    return age < SLOW_BATCH_MS ? { kind: 'later', inMs: SLOW_BATCH_MS - age } : { kind: 'ask', ageMs: age };
  }

  /** The liveness probe answered (or not) and an rsync still runs; `ageMs` from look(). */
  answered(answers: boolean, rsyncHasTimeout: boolean, ageMs: number): StuckVerdict {
    this.unanswered = answers ? 0 : this.unanswered + 1;
    if (answers) return { kind: 'fine' };
    if (this.unanswered >= UNANSWERED_BEFORE_KILL && !rsyncHasTimeout) {
      const silentMs = this.unanswered * SLOW_BATCH_MS;
      this.unanswered = 0;
      return { kind: 'end-rsync', silentMs };
    }
    return {
      kind: 'fail-log',
      reason: `the remote stopped answering while an rsync has been running for ${Math.round(ageMs / 1000)} s`,
    };
  }
}

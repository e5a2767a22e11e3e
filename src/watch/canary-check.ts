/**
 * Overflow detection. Nothing available to Node reports IN_Q_OVERFLOW, so a separate process
 * creates numbered files `c<N>` in a canary directory that the watcher worker watches too: the
 * canary shares the kernel queue with the roots, so a gap in the numbers it reports means the
 * queue dropped events and every root needs a full sync. Pure: feed it the names seen.
 */
export class CanaryCheck {
  private last: number | null = null;

  /** Returns how many canaries were skipped (0 = none lost) for a created canary name. */
  seen(name: string): number {
    const m = /^c(\d+)$/.exec(name);
    if (!m) return 0;
    const n = Number(m[1]);
    if (this.last === null || n <= this.last) {
      // First canary, or the writer restarted its count: resynchronise without alarm.
      this.last = n;
      return 0;
    }
    const gap = n - this.last - 1;
    this.last = n;
    return gap;
  }
}

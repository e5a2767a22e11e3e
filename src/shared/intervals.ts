/** A part's periodic timers, unref'd (they never keep the process alive), cleared together. */
export class Intervals {
  private readonly timers: NodeJS.Timeout[] = [];

  every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  clear(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}

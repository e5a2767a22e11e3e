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

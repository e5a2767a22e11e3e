import type { BytePath } from '../shared/bytepath.js';

const INITIAL = 64;

/**
 * A binary min-heap of deadlines (a time and a path) in two parallel arrays: the times in a
 * Float64Array, the paths in an array. A `{ at, path }` object per deadline, its time a boxed
 * double, cost 67 bytes of each pending path's 333 in the aggregator; these cost 16, plus the
 * arrays' room to grow (issue 21, round 29). Sifts move a hole instead of swapping through
 * destructuring: each `[x, y] = [y, x]` allocated an array until the optimiser got to it.
 */
export class DeadlineHeap {
  private at = new Float64Array(INITIAL);
  private paths: BytePath[] = [];

  get size(): number {
    return this.paths.length;
  }

  /** The earliest deadline's time; undefined when the heap is empty. */
  topAt(): number | undefined {
    return this.paths.length > 0 ? this.at[0] : undefined;
  }

  /** The earliest deadline's path; undefined when the heap is empty. */
  topPath(): BytePath | undefined {
    return this.paths[0];
  }

  push(at: number, path: BytePath): void {
    let i = this.paths.length;
    if (i === this.at.length) this.grow();
    this.paths.push(path);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (at >= this.at[p]!) break;
      this.at[i] = this.at[p]!;
      this.paths[i] = this.paths[p]!;
      i = p;
    }
    this.at[i] = at;
    this.paths[i] = path;
  }

  /** Drops the earliest deadline (nothing when empty). */
  pop(): void {
    const n = this.paths.length - 1;
    if (n < 0) return;
    const lastAt = this.at[n]!;
    const lastPath = this.paths.pop()!;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.at[r]! < this.at[l]! ? r : l;
      if (this.at[m]! >= lastAt) break;
      this.at[i] = this.at[m]!;
      this.paths[i] = this.paths[m]!;
      i = m;
    }
    this.at[i] = lastAt;
    this.paths[i] = lastPath;
  }

  clear(): void {
    this.paths = [];
    this.at = new Float64Array(INITIAL);
  }

  private grow(): void {
    const bigger = new Float64Array(this.at.length * 2);
    bigger.set(this.at);
    this.at = bigger;
  }
}

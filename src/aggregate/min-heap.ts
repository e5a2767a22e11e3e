/**
 * A binary min-heap; `cmp(a, b) < 0` means a comes first. Sifts move a hole instead of swapping
 * through destructuring: each `[x, y] = [y, x]` allocated an array until the optimiser got to it,
 * 2 MiB of garbage per 5,000-file burst on the main thread (issue 21, heap sampling).
 */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly cmp: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (this.cmp(item, parent) >= 0) break;
      a[i] = parent;
      i = p;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const m = r < a.length && this.cmp(a[r]!, a[l]!) < 0 ? r : l;
        const child = a[m]!;
        if (this.cmp(child, last) >= 0) break;
        a[i] = child;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }
}

import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { PathFilter } from './filter.js';
import { countFiles, listDir } from './scan.js';
import type { WatchHandle, WatchTable } from './watch-table.js';

/**
 * Directories whose file count an event made uncertain ('created' is also an existing file
 * renamed over, or a rename event of one already counted): read again, counted, RECOUNT_MS
 * after the first such event. One readdir per busy directory per second; no names are kept.
 * While events are still being looked at (a burst), the reads wait, up to RECOUNT_DEFER_MAX_MS:
 * draining the kernel queue comes first, the count may lag a few seconds.
 */
const RECOUNT_MS = 1000;
const RECOUNT_DEFER_MAX_MS = 10_000;

interface RecountRoot {
  readonly table: WatchTable<WatchHandle>;
  readonly filter: PathFilter;
}

export class FileRecount {
  private readonly uncounted = new Map<number, Set<BytePath>>();
  private timer: NodeJS.Timeout | null = null;
  private since = 0;

  constructor(
    private readonly roots: readonly RecountRoot[],
    /** False while events are still being looked at. */
    private readonly idle: () => boolean,
    private readonly clock: Clock,
  ) {}

  later(ri: number, dirRel: BytePath): void {
    let dirs = this.uncounted.get(ri);
    if (!dirs) this.uncounted.set(ri, (dirs = new Set()));
    dirs.add(dirRel);
    if (this.timer) return;
    this.since = this.clock.now();
    this.timer = setTimeout(() => this.recount(), RECOUNT_MS);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private recount(): void {
    if (!this.idle() && this.clock.now() - this.since < RECOUNT_DEFER_MAX_MS) {
      this.timer = setTimeout(() => this.recount(), RECOUNT_MS);
      return;
    }
    this.timer = null;
    for (const [ri, dirs] of this.uncounted) {
      const { table, filter } = this.roots[ri]!;
      for (const rel of dirs) {
        const entries = table.has(rel) ? listDir(table.absOf(rel)) : null;
        if (entries) table.setFiles(rel, countFiles(entries, rel === '' ? '' : `${rel}/`, filter));
      }
    }
    this.uncounted.clear();
  }
}

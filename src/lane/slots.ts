import PQueue from 'p-queue';

/** Where a lane runs its rsync processes: a share of the agent's `-n` slots. */
export interface RsyncSlots {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The `-n` cap on rsync processes, shared fairly between remote hosts: each host may hold at
 * most its share of the slots (`-n` divided by the number of hosts, at least one), so a host
 * that hangs or crawls keeps its own lanes waiting, never the others (architecture.md §3,
 * invariant 4). By host, not by module: a hung daemon hangs all its modules at once. With fewer
 * slots than hosts every host still gets one, and `-n` still caps the total.
 */
export class FairSlots {
  private readonly global: PQueue;
  private readonly perHost = new Map<string, PQueue>();

  constructor(
    private readonly max: number,
    private readonly hosts: number,
  ) {
    this.global = new PQueue({ concurrency: Math.max(1, max) });
  }

  /** The slots of one remote host (by its address). */
  forHost(host: string): RsyncSlots {
    let own = this.perHost.get(host);
    if (!own) {
      own = new PQueue({ concurrency: Math.max(1, Math.floor(this.max / Math.max(1, this.hosts))) });
      this.perHost.set(host, own);
    }
    const queue = own;
    return { run: (fn) => queue.add(() => this.global.add(fn, { throwOnTimeout: true }), { throwOnTimeout: true }) };
  }
}

import PQueue from 'p-queue';

/** Where a lane runs its rsync processes: a share of the agent's `-n` slots. */
export interface RsyncSlots {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The `-n` cap on rsync processes, shared fairly between remote hosts (by address, not by
 * module: a hung daemon hangs all its modules at once). Each host has its share, `-n` divided by
 * the number of hosts and at least one, and no more: a host that hangs or crawls keeps its own
 * lanes waiting, never the others (architecture.md §3, invariant 4). The shares add up to `-n` at
 * most, so no cap over all hosts is needed; with fewer slots than hosts each host still has one,
 * and the total is the number of hosts. A cap over all hosts once let one hung host hold the only
 * slot of `-n 1` for its rsync's whole timeout while the healthy remote got nothing (the outage
 * test "two remotes, one hanging").
 */
export class FairSlots {
  /** Remote hosts the slots are split between (one at least). */
  readonly hosts: number;
  /** Each host's share of `-n`. */
  readonly share: number;
  /** How many rsync processes may run at once over all hosts: the shares added up. */
  readonly total: number;
  private readonly perHost = new Map<string, PQueue>();

  constructor(max: number, hosts: number) {
    this.hosts = Math.max(1, hosts);
    this.share = Math.max(1, Math.floor(max / this.hosts));
    this.total = this.share * this.hosts;
  }

  /** The slots of one remote host (by its address). */
  forHost(host: string): RsyncSlots {
    let queue = this.perHost.get(host);
    if (!queue) {
      queue = new PQueue({ concurrency: this.share });
      this.perHost.set(host, queue);
    }
    const own = queue;
    return { run: (fn) => own.add(fn, { throwOnTimeout: true }) };
  }
}

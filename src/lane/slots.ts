import PQueue from 'p-queue';

/** Where a lane runs its rsync processes: a share of the agent's `-n` slots. */
export interface RsyncSlots {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** One remote host's slots: its share of `-n`, the first of them its own. */
interface HostSlots {
  readonly queue: PQueue;
  ownBusy: boolean;
}

/**
 * The `-n` cap on rsync processes, shared fairly between remote hosts (by address, not by
 * module: a hung daemon hangs all its modules at once). Each host has one slot of its own and
 * may take more from the rest of `-n`, up to its share (`-n` divided by the number of hosts), so
 * a host that hangs or crawls keeps its own lanes waiting, never the others (architecture.md §3,
 * invariant 4). With `-n` at least the number of hosts, `-n` caps the total. Below it, every
 * host still has its slot and the total is the number of hosts: a cap shared by all once let
 * one hung host hold the only slot of `-n 1` for its rsync's whole timeout, and the healthy
 * remote got nothing meanwhile (the outage test "two remotes, one hanging").
 */
export class FairSlots {
  /** Beyond the hosts' own slots, the rest of `-n`; null when `-n` leaves none. */
  private readonly shared: PQueue | null;
  private readonly share: number;
  private readonly perHost = new Map<string, HostSlots>();

  constructor(max: number, hosts: number) {
    const h = Math.max(1, hosts);
    this.shared = max > h ? new PQueue({ concurrency: max - h }) : null;
    this.share = Math.max(1, Math.floor(max / h));
  }

  /** How many rsync processes may run at once: `-n`, or one per host when that is more. */
  static total(max: number, hosts: number): number {
    return Math.max(max, hosts, 1);
  }

  /** The slots of one remote host (by its address). */
  forHost(host: string): RsyncSlots {
    let own = this.perHost.get(host);
    if (!own) {
      own = { queue: new PQueue({ concurrency: this.share }), ownBusy: false };
      this.perHost.set(host, own);
    }
    const slots = own;
    return { run: (fn) => slots.queue.add(() => this.runIn(slots, fn), { throwOnTimeout: true }) };
  }

  /**
   * In the host's own slot when it is free, else in a shared one. The host's queue admits `share`
   * at a time, which is 1 when there are no shared slots: then the own slot is always free here.
   */
  private async runIn<T>(host: HostSlots, fn: () => Promise<T>): Promise<T> {
    if (host.ownBusy && this.shared) return this.shared.add(fn, { throwOnTimeout: true });
    host.ownBusy = true;
    try {
      return await fn();
    } finally {
      host.ownBusy = false;
    }
  }
}

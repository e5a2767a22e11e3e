import type { BytePath } from '../shared/bytepath.js';

/** One fs.watch event waiting for its lstat: directory `dirRel` of root `ri` named `name`. */
export interface FsEventJob {
  readonly ri: number;
  readonly dirRel: BytePath;
  readonly name: BytePath;
  /** dirKey(ri, dirRel), made once per event. */
  readonly dk: string;
  type: 'rename' | 'change';
  /**
   * How many events had come before its last one (a name waiting twice is one job): a look at the
   * disk taken once more had come is newer than that event (dir-listings.ts).
   */
  seq: number;
}

/** One directory of one root, as a key. */
export const dirKey = (ri: number, dirRel: BytePath): string => `${ri}\0${dirRel}`;

/**
 * The events waiting to be looked at: deduplicated while they wait (a 'rename' wins over a
 * 'change' of the same name, since it may mean the path appeared or vanished) and handled with
 * bounded concurrency, in arrival order, once the event loop's read of the kernel's queue is done:
 * libuv calls back once per event, and handled at once, each event had its own lstat before the
 * next was even read; gathered, a directory's events share one listing of it (dir-listings.ts).
 */
export class EventQueue {
  private readonly jobs: FsEventJob[] = [];
  private readonly queued = new Map<string, FsEventJob>();
  /** Jobs waiting per directory (dirKey). */
  private readonly perDir = new Map<string, number>();
  private running = 0;
  private added = 0;
  private later: NodeJS.Immediate | null = null;

  constructor(
    private readonly concurrency: number,
    private readonly handle: (job: FsEventJob) => Promise<void>,
    /** Cleared each time the last job is done (dir-listings.ts: no listing is of use then). */
    private readonly scratch: { clear(): void } = { clear: () => {} },
  ) {}

  add(ri: number, dirRel: BytePath, name: BytePath, type: string): void {
    const dk = dirKey(ri, dirRel);
    const key = `${dk}\0${name}`;
    const seq = this.added++;
    const prev = this.queued.get(key);
    if (prev) {
      if (type === 'rename') prev.type = 'rename';
      prev.seq = seq;
      return;
    }
    const job: FsEventJob = { ri, dirRel, name, dk, type: type === 'rename' ? 'rename' : 'change', seq };
    this.queued.set(key, job);
    this.perDir.set(dk, (this.perDir.get(dk) ?? 0) + 1);
    this.jobs.push(job);
    // After the rest of this read of the kernel's queue: a directory's events, gathered, are
    // answered by one listing of it (dir-listings.ts).
    this.later ??= setImmediate(() => {
      this.later = null;
      this.pump();
    });
  }

  /** Nothing waiting and nothing being handled. */
  get idle(): boolean {
    return this.running === 0 && this.jobs.length === 0;
  }

  /** Events taken in so far: a look at the disk now is newer than every job numbered below this. */
  get arrived(): number {
    return this.added;
  }

  /** Jobs of the directory `dk` (dirKey) still waiting to be handled. */
  waitingIn(dk: string): number {
    return this.perDir.get(dk) ?? 0;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      this.queued.delete(`${job.dk}\0${job.name}`);
      const left = this.perDir.get(job.dk)! - 1;
      if (left === 0) this.perDir.delete(job.dk);
      else this.perDir.set(job.dk, left);
      this.running++;
      void this.handle(job).finally(() => {
        this.running--;
        this.pump();
        if (this.idle) this.scratch.clear();
      });
    }
  }
}

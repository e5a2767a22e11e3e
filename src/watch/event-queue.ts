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
  /**
   * The jobs waiting, by directory (dirKey, still one string per event) then name: no second key of
   * both joined. That key, made at each add and again at each pump, was the largest part of what the
   * watcher thread's events left for a full GC to free (a deploy's 20,000 events: 2.5 of 12.9 MB
   * that outlived the young generation; issue 21, round 30).
   */
  private readonly queued = new Map<string, Map<BytePath, FsEventJob>>();
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
    const seq = this.added++;
    let names = this.queued.get(dk);
    const prev = names?.get(name);
    if (prev) {
      if (type === 'rename') prev.type = 'rename';
      prev.seq = seq;
      return;
    }
    const job: FsEventJob = { ri, dirRel, name, dk, type: type === 'rename' ? 'rename' : 'change', seq };
    if (!names) this.queued.set(dk, (names = new Map<BytePath, FsEventJob>()));
    names.set(name, job);
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
    return this.queued.get(dk)?.size ?? 0;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      const names = this.queued.get(job.dk)!;
      names.delete(job.name);
      if (names.size === 0) this.queued.delete(job.dk);
      this.running++;
      void this.handle(job).finally(() => {
        this.running--;
        this.pump();
        if (this.idle) this.scratch.clear();
      });
    }
  }
}

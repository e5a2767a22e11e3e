import type { BytePath } from '../shared/bytepath.js';

/** One fs.watch event waiting for its lstat: directory `dirRel` of root `ri` named `name`. */
export interface FsEventJob {
  readonly ri: number;
  readonly dirRel: BytePath;
  readonly name: BytePath;
  type: 'rename' | 'change';
}

/**
 * The events waiting to be looked at: deduplicated while they wait (a 'rename' wins over a
 * 'change' of the same name, since it may mean the path appeared or vanished) and handled with
 * bounded concurrency, in arrival order.
 */
export class EventQueue {
  private readonly jobs: FsEventJob[] = [];
  private readonly queued = new Map<string, FsEventJob>();
  private running = 0;

  constructor(
    private readonly concurrency: number,
    private readonly handle: (job: FsEventJob) => Promise<void>,
  ) {}

  add(ri: number, dirRel: BytePath, name: BytePath, type: string): void {
    const key = `${ri}\0${dirRel}\0${name}`;
    const prev = this.queued.get(key);
    if (prev) {
      if (type === 'rename') prev.type = 'rename';
      return;
    }
    const job: FsEventJob = { ri, dirRel, name, type: type === 'rename' ? 'rename' : 'change' };
    this.queued.set(key, job);
    this.jobs.push(job);
    this.pump();
  }

  /** Nothing waiting and nothing being handled. */
  get idle(): boolean {
    return this.running === 0 && this.jobs.length === 0;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      this.queued.delete(`${job.ri}\0${job.dirRel}\0${job.name}`);
      this.running++;
      void this.handle(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }
}

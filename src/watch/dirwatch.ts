import type { Worker } from 'node:worker_threads';
import type { Logger } from '../shared/logger.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { ChangeEvent, Watcher, WatcherHandlers, WatcherStats, WatchRootSpec } from './types.js';
import { extendsRoots } from './root-state.js';
import { startWatcherThread, takeEarlyThread, type EarlyThread } from './watcher-thread.js';

/**
 * The main thread's face of the dirwatch worker (see dirwatch-worker.ts for why it is a worker
 * and how it watches). Events arrive here in batches, in the order the worker saw them.
 */
export class DirWatch implements Watcher {
  private worker: Worker | null = null;
  private statsSeq = 0;
  private readonly statsWaiters = new Map<number, (s: WatcherStats) => void>();
  private closing = false;
  private isReady = false;
  /** What the worker said between begin() and start() (or flow()), in order: they hand it on. */
  private held: Array<() => void> | null = [];
  /** Settles when the worker is ready or fails before: start() returns it. */
  private readonly readiness: Promise<void>;
  private waiter!: { resolve(): void; reject(err: Error): void };

  constructor(
    private readonly roots: readonly WatchRootSpec[],
    private readonly handlers: WatcherHandlers,
    private readonly logger: Logger,
  ) {
    this.readiness = new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
    // After flow() the worker may be ready, or fail, before start() is called to hear it.
    this.readiness.catch(() => undefined);
  }

  begin(): void {
    if (this.worker) return;
    const early = this.adoptable(takeEarlyThread());
    const worker = early?.worker ?? startWatcherThread();
    this.worker = worker;
    worker.postMessage(
      early?.roots
        ? ({ type: 'all-roots', roots: this.roots } satisfies ToWorker)
        : ({ type: 'roots', roots: this.roots, final: true } satisfies ToWorker),
    );
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'stats') {
        this.statsWaiters.get(msg.id)?.({ watchedDirs: msg.watchedDirs, eventsSeen: msg.eventsSeen });
        this.statsWaiters.delete(msg.id);
      } else if (msg.type !== 'closed') this.inOrder(() => this.onMessage(msg));
    });
    worker.on('error', (err) => {
      this.logger.error(`watcher worker failed: ${err.stack ?? String(err)}`);
      this.inOrder(() => this.onError(err));
    });
    worker.on('exit', (code) => this.inOrder(() => this.onExit(code)));
    for (const m of early?.said ?? []) worker.emit('message', m);
  }

  /** An early thread (watcher-thread.ts) serves if the roots it scans begin these; else it ends. */
  private adoptable(early: EarlyThread | null): EarlyThread | null {
    if (!early?.roots) return early;
    if (extendsRoots(early.roots, this.roots)) return early;
    void early.worker.terminate();
    return null;
  }

  /** From now on what the worker sees is handed on as it comes, while its first scan runs (Watcher.flow). */
  flow(): void {
    this.begin();
    this.worker?.postMessage({ type: 'flow' } satisfies ToWorker);
    this.release();
  }

  start(): Promise<void> {
    this.begin();
    this.release();
    return this.readiness;
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const f of held) f();
  }

  private inOrder(f: () => void): void {
    if (this.held) this.held.push(f);
    else f();
  }

  private onMessage(msg: Exclude<FromWorker, { type: 'stats' | 'closed' }>): void {
    switch (msg.type) {
      case 'ready':
        this.isReady = true;
        this.handlers.onEvents([], msg.files);
        this.waiter.resolve();
        break;
      case 'events':
        this.handlers.onEvents(
          // Indexed, not destructured: under --jitless an array pattern runs the iterator protocol,
          // an iterator and a result object per element (issue 21, round 30).
          msg.events.map((e): ChangeEvent =>
            e[3] === undefined
              ? { root: e[0], path: e[1], kind: e[2] }
              : { root: e[0], path: e[1], kind: e[2], movedFrom: e[3] },
          ),
          // Counted so far, during the first scan: not the roots' counts yet (the brake's base).
          this.isReady ? msg.files : undefined,
          msg.settled,
        );
        break;
      case 'problem':
        this.handlers.onProblem(msg.problem);
        break;
    }
  }

  private onError(err: Error): void {
    if (!this.isReady) this.waiter.reject(err);
    else this.handlers.onProblem({ root: -1, code: 'worker-error', message: `watcher worker failed: ${err.message}` });
  }

  private onExit(code: number): void {
    if (this.closing) return;
    if (!this.isReady) this.waiter.reject(new Error(`watcher worker exited with code ${code} before it was ready`));
    else this.handlers.onProblem({ root: -1, code: 'worker-exit', message: `watcher worker exited with code ${code}` });
  }

  stats(): Promise<WatcherStats> {
    const w = this.worker;
    if (!w) return Promise.resolve({ watchedDirs: this.roots.map(() => 0), eventsSeen: 0 });
    const id = ++this.statsSeq;
    return new Promise((resolve) => {
      this.statsWaiters.set(id, resolve);
      w.postMessage({ type: 'stats', id } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w || this.closing) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => {
      w.on('message', (m: FromWorker) => m.type === 'closed' && resolve());
      setTimeout(resolve, 6000).unref();
    });
    w.postMessage({ type: 'close' } satisfies ToWorker);
    await closed;
    await w.terminate();
    this.worker = null;
  }
}

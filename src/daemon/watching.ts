import path from 'node:path';
import type { SersyncConfig } from '../config/types.js';
import { toText } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import { Intervals } from '../shared/intervals.js';
import type { Logger } from '../shared/logger.js';
import type { CanaryCheckOptions, CanaryLoss } from '../watch/canary-check.js';
import { DirWatch } from '../watch/dirwatch.js';
import type { ChangeEvent, Watcher, WatcherHandlers, WatchProblem, WatchRootSpec } from '../watch/types.js';
import { rootSpecsOf } from '../watch/root-specs.js';
import { Canary } from './canary.js';

/** The canary as watching uses it (canary.ts). */
export interface CanaryPart {
  readonly dir: string;
  prepare(): Promise<void>;
  start(): void;
  seen(path: string): void;
  stop(): void;
}

interface WatchingDeps {
  readonly config: SersyncConfig;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Events of the sync roots (intake.ts). */
  readonly onEvents: (events: readonly ChangeEvent[], files?: readonly number[], settled?: boolean) => void;
  /** Events may have been lost in a root (-1: every root): it needs a full sync. */
  readonly lost: (root: number) => void;
  /** The canary saw a kernel queue overflow (for /metrics). */
  readonly overflowed: () => void;
  /** Root `root` itself is gone (deleted, unmounted): its lanes wait for it. */
  readonly rootGone?: (root: number) => void;
  /** @default DirWatch */
  readonly makeWatcher?: (roots: readonly WatchRootSpec[], handlers: WatcherHandlers, logger: Logger) => Watcher;
  /** The Canary's check (its stall tolerance). */
  readonly canary?: CanaryCheckOptions;
  /** @default a Canary in the state dir */
  readonly makeCanary?: (dir: string, onLoss: (loss: CanaryLoss, why: string) => void) => CanaryPart;
}

let instances = 0;

/**
 * Watching: the dirwatch worker on every sync root plus the canary's directory (a gap in the
 * canary's numbers means the kernel dropped events), the events routed to intake, and every
 * problem that may have cost events answered with a full sync of what it touched.
 */
export class Watching {
  private watcher: Watcher | null = null;
  private readonly canary: CanaryPart;
  private readonly intervals = new Intervals();
  private dirs: number[] = [];
  private alive = true;
  /** Roots the watcher saw go and not come back yet. */
  private readonly gone = new Set<number>();

  constructor(private readonly deps: WatchingDeps) {
    // One directory per agent instance: during a reload the old agent's writer still runs.
    const dir = path.join(deps.stateDir, `canary-${process.pid}-${++instances}`);
    const onLoss = (loss: CanaryLoss, why: string): void => {
      if (loss.reason === 'lost') deps.overflowed();
      deps.logger.child('canary').warn(`${why}; full sync of every root`);
      deps.lost(-1);
    };
    this.canary = deps.makeCanary
      ? deps.makeCanary(dir, onLoss)
      : new Canary(dir, deps.logger.child('canary'), deps.clock, onLoss, deps.canary);
  }

  /** Directories watched per sync root (refreshed every few seconds). */
  get watchedDirs(): readonly number[] {
    return this.dirs;
  }

  /** False once the watcher worker died: full syncs repair what it missed, health says so. */
  get watcherAlive(): boolean {
    return this.alive;
  }

  /** The watched roots that are missing now (health says so: not 200 while one is). */
  get missingRoots(): string[] {
    return [...this.gone].map((i) => this.deps.config.roots[i]?.path ?? '').filter((p) => p !== '');
  }

  /**
   * Starts the first scan (seconds for a big tree) so it can run while the agent probes the
   * remotes and opens its state; nothing it sees is delivered before flow() or start().
   */
  async begin(): Promise<void> {
    if (this.watcher) return;
    const { config } = this.deps;
    await this.canary.prepare();
    const specs = rootSpecsOf(config);
    const handlers: WatcherHandlers = {
      onEvents: (evs, files, settled) => this.onEvents(evs, files, settled),
      onProblem: (p) => this.onProblem(p),
    };
    const make = this.deps.makeWatcher ?? ((roots, h, l) => new DirWatch(roots, h, l));
    this.watcher = make([...specs, { path: this.canary.dir, excludes: [] }], handlers, this.deps.logger.child('watch'));
    this.watcher.begin?.();
  }

  /** The agent can sync: changes go on as they come, while the first scan still runs (Watcher.flow). */
  flow(): void {
    this.watcher?.flow?.();
  }

  /** Watches every root (resolves once all are watched), then starts the canary. */
  async start(): Promise<void> {
    const { config } = this.deps;
    const log = this.deps.logger.child('watch');
    await this.begin();
    if (!this.watcher) throw new Error('watching: no watcher after begin()');
    await this.watcher.start();
    this.canary.start();
    const stats = await this.watcher.stats();
    this.dirs = stats.watchedDirs.slice(0, config.roots.length);
    config.roots.forEach((r, i) =>
      log.info(
        `watching ${r.path} (${stats.watchedDirs[i] ?? 0} directories) -> ${r.remotes.map((x) => x.label).join(', ')}`,
      ),
    );
    this.intervals.every(
      5000,
      () =>
        void this.watcher
          ?.stats()
          .then((st) => (this.dirs = st.watchedDirs.slice(0, config.roots.length)))
          .catch(() => undefined),
    );
  }

  /** Stops the canary and closes the watcher; what it saw just before is delivered first. */
  async stop(): Promise<void> {
    this.intervals.clear();
    this.canary.stop();
    await this.watcher?.close();
  }

  /** In order: a loss the canary finds mid-batch comes after the events seen before it. */
  private onEvents(events: readonly ChangeEvent[], files?: readonly number[], settled?: boolean): void {
    const canaryRoot = this.deps.config.roots.length;
    let real: ChangeEvent[] = [];
    for (const e of events) {
      if (e.root !== canaryRoot) {
        real.push(e);
        continue;
      }
      if (e.kind !== 'created') continue;
      if (real.length > 0) this.deps.onEvents(real, undefined, false);
      real = [];
      this.canary.seen(e.path);
    }
    this.deps.onEvents(real, files?.slice(0, canaryRoot), settled);
  }

  private onProblem(p: WatchProblem): void {
    const log = this.deps.logger.child('watch');
    if (p.root === this.deps.config.roots.length) return log.warn(`canary directory: ${p.message}`);
    const where = p.path !== undefined && p.path !== '' ? ` (${toText(p.path)})` : '';
    if (p.code === 'root-gone') {
      this.gone.add(p.root);
      this.deps.rootGone?.(p.root);
      return log.error(`${p.message}`);
    }
    if (p.code === 'root-replaced') this.gone.delete(p.root);
    if (p.code === 'worker-exit' || p.code === 'worker-error') this.alive = false;
    log.error(`${p.code}: ${p.message}${where}; a full sync will repair what may have been missed`);
    this.deps.lost(p.root);
  }
}

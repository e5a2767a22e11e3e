import os from 'node:os';
import PQueue from 'p-queue';
import type { SersyncConfig } from '../config/types.js';
import { Aggregator } from '../aggregate/aggregator.js';
import { Lane, type LaneStatus } from '../lane/lane.js';
import { RsyncRunner } from '../rsync/runner.js';
import { probeRemote } from '../rsync/probe.js';
import { protectRules } from '../fullsync/protect-rules.js';
import { DirWatch } from '../watch/dirwatch.js';
import { compileFilter } from '../watch/filter.js';
import type { ChangeEvent, Watcher, WatchProblem } from '../watch/types.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { EXIT, ExitError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { toText } from '../shared/bytepath.js';
import { pendingKindFor } from './event-policy.js';
import { Scheduler } from './scheduler.js';

export interface AgentOptions {
  /** `-r`: one full sync per remote once the watches are up. */
  readonly initialSync: boolean;
  /** `-n`: the most rsync processes at once, over all lanes. @default 10 */
  readonly maxRsync: number;
  readonly clock?: Clock;
  readonly tmpDir?: string;
}

interface RootRuntime {
  readonly aggregator: Aggregator;
  readonly lanes: readonly Lane[];
}

/**
 * The composition root: builds every stage for a config and owns start/stop order.
 * watcher → event policy (<inotify>) → aggregator (debounce, per root) → lanes (per remote) → rsync.
 */
export class Agent {
  private readonly clock: Clock;
  private readonly runner: RsyncRunner;
  private readonly roots: RootRuntime[];
  private readonly scheduler: Scheduler;
  private watcher: Watcher | null = null;
  private stopping = false;
  private eventsSeen = 0;

  constructor(
    private readonly config: SersyncConfig,
    private readonly opts: AgentOptions,
    private readonly logger: Logger,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.runner = new RsyncRunner(this.clock);
    const limiter = new PQueue({ concurrency: Math.max(1, opts.maxRsync) });
    const filter = compileFilter(config.filter.enabled ? config.filter.excludes : []);
    const protect = protectRules(config.filter.enabled ? config.filter.excludes : []);
    for (const expr of protect.untranslated) {
      logger.warn(`<filter> expression ${JSON.stringify(expr)} has no rsync glob equivalent: files matching it are never sent, but a remote-only file matching it is not protected from --delete`);
    }
    this.roots = config.roots.map((root) => ({
      aggregator: new Aggregator(
        { delayMs: config.debounce.delayMs, maxDelayMs: config.debounce.maxDelayMs },
        { maxPathsPerDir: config.debounce.maxPathsPerDir, maxPendingPaths: config.debounce.maxPendingPaths },
      ),
      lanes: root.remotes.map(
        (remote) =>
          new Lane({ root, remote, config, filter, protect: protect.globs, runner: this.runner, limiter, clock: this.clock, logger: logger.child('lane'), tmpDir: opts.tmpDir ?? os.tmpdir() }),
      ),
    }));
    this.scheduler = new Scheduler(this.clock, () => this.nextDeadline(), (now) => this.flushDue(now));
  }

  /** Probes every remote, starts watching, then (with -r) queues the initial full syncs. */
  async start(): Promise<void> {
    await this.probeRemotes();
    const log = this.logger.child('watch');
    const started = this.clock.now();
    this.watcher = new DirWatch(
      this.config.roots.map((r) => ({ path: r.path, excludes: this.config.filter.enabled ? this.config.filter.excludes : [] })),
      { onEvents: (evs) => this.onEvents(evs), onProblem: (p) => this.onProblem(p) },
      log,
    );
    await this.watcher.start();
    const stats = await this.watcher.stats();
    this.config.roots.forEach((r, i) =>
      log.info(`watching ${r.path} (${stats.watchedDirs[i] ?? 0} directories) -> ${r.remotes.map((x) => x.label).join(', ')}`),
    );
    log.info(`ready in ${this.clock.now() - started} ms`);
    // After the watches exist, so nothing changed during the full sync is missed.
    if (this.opts.initialSync) for (const r of this.roots) for (const l of r.lanes) l.requestFullSync('-r');
  }

  /** Stops watching, ships what is pending, waits (bounded) for in-flight batches. */
  async stop(timeoutMs = 30_000): Promise<{ drained: boolean; pendingPaths: number }> {
    if (this.stopping) return { drained: false, pendingPaths: this.pendingPaths() };
    this.stopping = true;
    await this.watcher?.close();
    this.scheduler.cancel();
    this.flushDue(Number.POSITIVE_INFINITY);
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.whenSettled().then(() => this.pendingPaths() === 0),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    for (const r of this.roots) for (const l of r.lanes) l.stop();
    return { drained, pendingPaths: this.pendingPaths() };
  }

  private async whenSettled(): Promise<void> {
    for (;;) {
      const lanes = this.roots.flatMap((r) => r.lanes);
      await Promise.all(lanes.map((l) => l.whenSettled()));
      if (lanes.every((l) => l.isIdle() || l.status().state === 'retrying')) return;
    }
  }

  /** Resolves when nothing is pending in any aggregator or lane. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const lanes = this.roots.flatMap((r) => r.lanes);
      if (this.roots.every((r) => r.aggregator.size === 0 && !r.aggregator.nextDeadline()) && lanes.every((l) => l.isIdle())) return;
      await Promise.all(lanes.map((l) => l.whenIdle()));
      if (this.roots.some((r) => r.aggregator.size > 0)) await new Promise((r) => setTimeout(r, 10));
    }
  }

  status(): { eventsSeen: number; lanes: LaneStatus[]; aggregated: number[] } {
    return {
      eventsSeen: this.eventsSeen,
      lanes: this.roots.flatMap((r) => r.lanes.map((l) => l.status())),
      aggregated: this.roots.map((r) => r.aggregator.size),
    };
  }

  private pendingPaths(): number {
    return this.roots.reduce((n, r) => n + r.aggregator.size + r.lanes.reduce((m, l) => m + l.pendingCount, 0), 0);
  }

  private async probeRemotes(): Promise<void> {
    const log = this.logger.child('probe');
    const seen = new Map<string, Promise<void>>();
    const errors: string[] = [];
    for (const root of this.config.roots) {
      for (const remote of root.remotes) {
        if (seen.has(remote.label)) continue;
        seen.set(
          remote.label,
          probeRemote(this.runner, this.config.rsync, remote).then((r) => {
            if (r.outcome === 'ok') log.info(`remote ${remote.label}: module answers`);
            else if (r.outcome === 'config')
              errors.push(`${this.config.file}: remote ${remote.ip} module "${remote.module}": ${r.answer || `rsync exit ${r.exitCode}`} (fix the module name, user or password file)`);
            else log.warn(`remote ${remote.label} unreachable at startup (${r.answer || `rsync exit ${r.exitCode}`}); running anyway and retrying`);
          }),
        );
      }
    }
    await Promise.all(seen.values());
    if (errors.length > 0) throw new ExitError(errors, EXIT.CONFIG);
  }

  private onEvents(events: readonly ChangeEvent[]): void {
    if (this.stopping) return;
    const now = this.clock.now();
    const toggles = this.config.inotify;
    this.eventsSeen += events.length;
    for (const e of events) {
      const kind = pendingKindFor(e.kind, toggles);
      const rt = this.roots[e.root];
      if (kind === null || !rt) continue;
      rt.aggregator.add(e.path, kind, now);
    }
    this.scheduler.rearm();
  }

  private onProblem(p: WatchProblem): void {
    const log = this.logger.child('watch');
    const where = p.path !== undefined ? ` (${toText(p.path)})` : '';
    log.error(`${p.code}: ${p.message}${where}; a full sync will repair what may have been missed`);
    const targets = p.root < 0 ? this.roots : [this.roots[p.root]].filter((r): r is RootRuntime => r !== undefined);
    const now = this.clock.now();
    for (const r of targets) r.aggregator.requestFullSync(now);
    this.scheduler.rearm();
  }

  private nextDeadline(): number | null {
    let min: number | null = null;
    for (const r of this.roots) {
      const d = r.aggregator.nextDeadline();
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  private flushDue(now: number): void {
    for (const r of this.roots) {
      const batch = r.aggregator.due(now);
      if (!batch) continue;
      for (const lane of r.lanes) {
        if (batch.fullSync) lane.requestFullSync('events may have been lost');
        else lane.enqueue(batch.entries);
      }
    }
  }
}

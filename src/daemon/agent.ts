import os from 'node:os';
import type { Remote, SersyncConfig } from '../config/types.js';
import { protectRules } from '../fullsync/protect-rules.js';
import type { JournalRecord } from '../journal/codec.js';
import type { Lane, LaneListener } from '../lane/lane.js';
import { MoveHints } from '../lane/move-hints.js';
import type { Plugin } from '../plugins/types.js';
import type { RepairLaneResult, RepairRequest } from '../status/repair-request.js';
import { RsyncRunner } from '../rsync/runner.js';
import { SshMasters } from '../rsync/ssh-masters.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { Intervals } from '../shared/intervals.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { Logger } from '../shared/logger.js';
import { healthPolicyFor, type Health, type AgentHealthPolicy } from '../status/agent-health.js';
import { compileFilter } from '../watch/filter.js';
import { DeletionBrake, type Released } from './deletion-brake.js';
import { DurableState } from './durable-state.js';
import { LaneFleet } from './fleet.js';
import { Intake } from './intake.js';
import { Observability } from './observability.js';
import { PluginFeed } from './plugin-feed.js';
import { Verifying } from './verifying.js';
import { VersionsRetention } from './retention.js';
import type { AgentSnapshot, AgentState, StatusDocument } from './status-doc.js';
import { defaultStateDir } from './state-dir.js';
import { Watching } from './watching.js';

export { defaultStateDir } from './state-dir.js';

export interface AgentOptions {
  /** `-r`: one full sync per remote once the watches are up. */
  readonly initialSync: boolean;
  /** `-n`: the most rsync processes at once, over all lanes. @default 10 */
  readonly maxRsync: number;
  /** Journal and canary directory. @default `$STATE_DIRECTORY`, else `<failLog path>.state` */
  readonly stateDir?: string;
  readonly clock?: Clock;
  readonly tmpDir?: string;
  readonly version?: string;
  /** A config reload: the previous agent hands over its pending paths; no unclean-stop recovery. */
  readonly reload?: boolean;
  /** `<sersync><plugin start="true">`: told about paths once they reached the first remote. */
  readonly plugin?: Plugin;
  /** When an rsync counts as stuck (health). @default healthPolicyFor(config.rsync) */
  readonly healthPolicy?: AgentHealthPolicy;
  /** After an unclean stop, a full sync of every root (see DurableDeps). @default true */
  readonly recoveryFullSync?: boolean;
}

/** How a stop ended: `drained` when everything reached every remote; the rest is journaled. */
export interface StopResult {
  readonly drained: boolean;
  readonly pendingPaths: number;
  readonly pendingFullSyncs: number;
}

/**
 * The composition root: builds the parts for a config, wires them, and owns start/stop order.
 * watching (dirwatch worker + canary) → intake (<inotify>, <filter>, aggregators, journal) →
 * fleet (a lane per root × remote, -n slots, probes) → rsync; durable state (fail log, journal,
 * recovery, reload hand-over); observability (metrics, health, /status); the plugin feed;
 * verifying (`<verify schedule>`, POST /repair).
 * A new part is one more field here, built in the constructor, plus a line in start() and one in
 * stopIntake() or stop(). (Nearly 300 lines: the reload steps and the status views are the
 * agent's public face, a line or two each, and belong with the start/stop order.)
 */
export class Agent {
  private readonly clock: Clock;
  private readonly watching: Watching;
  private readonly intake: Intake;
  private readonly fleet: LaneFleet;
  private readonly durable: DurableState;
  private readonly observability: Observability;
  private readonly plugin: PluginFeed | null;
  /** `<deleteGuard>`: holds a root's deletions during a mass deletion. */
  private readonly brake: DeletionBrake;
  /** Repairs into the lanes (`<verify schedule>`, POST /repair). */
  private readonly verifying: Verifying;
  private readonly retention: VersionsRetention;
  /** Over ssh: one multiplexed master connection per remote host, shared by every rsync to it. */
  private readonly masters: SshMasters | null;
  /** `<crontab>`: a full sync every N minutes. */
  private readonly schedules = new Intervals();
  private stopping = false;
  private started = false;
  private probed = false;

  constructor(
    private readonly config: SersyncConfig,
    private readonly opts: AgentOptions,
    private readonly logger: Logger,
  ) {
    const clock = (this.clock = opts.clock ?? systemClock);
    const stateDir = opts.stateDir ?? defaultStateDir(config);
    const excludes = config.filter.enabled ? config.filter.excludes : [];
    const filter = compileFilter(excludes);
    const protect = protectRules(excludes);
    for (const expr of protect.untranslated) {
      logger.info(
        `<filter> expression ${JSON.stringify(expr)} has no rsync glob equivalent: deleting syncs first run as a dry run to find remote-only files matching it, and keep them`,
      );
    }
    const moves = config.roots.map(() => new MoveHints());
    const listener: LaneListener = {
      failed: (l, f) => this.durable.laneFailed(l, f),
      cleared: (l) => this.durable.laneCleared(l),
      batchDone: (l, r) => {
        this.observability.batchDone(l, r);
        if (r.ok && r.full) this.plugin?.deliveredFullSync(l);
      },
      delivered: (l, entries) => this.plugin?.delivered(l, entries),
    };
    const runner = new RsyncRunner(clock);
    const masters = (this.masters = config.rsync.ssh
      ? new SshMasters(
          config.rsync,
          config.roots.flatMap((r) => r.remotes),
          stateDir,
          logger.child('ssh'),
          clock,
        )
      : null);
    const ssh = masters ? { ssh: (r: Remote) => masters.control(r) } : {};
    const brake = (this.brake = new DeletionBrake({
      config,
      clock,
      logger,
      journal: (rec) => this.durable.record(rec),
      ship: (i, entries) => this.fleet.enqueue(i, entries),
    }));
    this.fleet = new LaneFleet({
      config,
      runner,
      clock,
      logger,
      maxRsync: opts.maxRsync,
      filter,
      protect: protect.globs,
      moves,
      tmpDir: opts.tmpDir ?? os.tmpdir(),
      listener,
      deletesHeld: (i) => brake.holding(i),
      ...ssh,
    });
    this.observability = new Observability({
      clock,
      version: opts.version ?? '',
      policy: opts.healthPolicy ?? healthPolicyFor(config.rsync),
      observed: {
        phase: () => ({ started: this.started, stopping: this.stopping }),
        roots: () => this.rootSnapshots(),
        eventsSeen: () => this.intake.eventsSeen,
        watcherAlive: () => this.watching.watcherAlive,
        failLog: () => this.durable.records(),
        plugin: () => this.plugin?.stats() ?? null,
        verify: () => this.verifying.status(),
        missingRoots: () => this.watching.missingRoots,
      },
    });
    this.durable = new DurableState({
      config,
      stateDir,
      clock,
      logger,
      reload: opts.reload === true,
      lanes: this.fleet.byRoot,
      undelivered: (i) => [this.intake.peek(i), ...this.fleet.undelivered(i)],
      fullSyncAll: (reason) => this.fullSyncAll(reason),
      replayed: (rec) => this.observability.replayed(rec),
      brake,
      ...(opts.recoveryFullSync === false ? { recoveryFullSync: false } : {}),
    });
    this.intake = new Intake({
      config,
      filter,
      clock,
      moves,
      outlet: this.fleet,
      journal: this.durable,
      count: this.observability,
      brake,
    });
    this.watching = new Watching({
      config,
      stateDir,
      clock,
      logger,
      onEvents: (evs, files, settled) => this.intake.onEvents(evs, files, settled),
      lost: (root) => this.intake.lost(root),
      overflowed: () => this.observability.overflow(),
      rootGone: (i) => this.fleet.rootGone(i),
    });
    const firstLane = (root: string): Lane | undefined =>
      this.fleet.byRoot[config.roots.findIndex((r) => r.path === root)]?.[0];
    this.plugin = opts.plugin ? new PluginFeed(opts.plugin, config, firstLane, clock, logger) : null;
    this.verifying = new Verifying({
      config,
      runner,
      filter,
      protect: protect.globs,
      tmpDir: opts.tmpDir ?? os.tmpdir(),
      clock,
      logger,
      laneFor: (root, remote) => this.fleet.laneFor(root, remote),
      journal: (rec) => this.durable.record(rec),
      ...ssh,
    });
    this.retention = new VersionsRetention({
      config,
      runner,
      clock,
      logger,
      report: (r) => this.observability.retention(r),
      ...ssh,
    });
  }

  /** Starts watching, probes every remote and opens the state meanwhile, then replays what earlier runs left. */
  async start(): Promise<void> {
    const started = this.clock.now();
    await this.watching.begin();
    try {
      if (!this.probed) await this.fleet.probeAll();
      await this.durable.open();
      void this.brake.sweep();
    } catch (err) {
      // A start that fails (a remote refuses, the state is unusable) leaves no scan running:
      // the process exits, or a reload keeps the old agent.
      await this.watching.stop();
      throw err;
    }
    await this.watching.start();
    const d = this.config.debounce;
    const log = this.logger.child('watch');
    log.info(
      `debounce: ${d.delayMs} ms quiet, at most ${d.maxDelayMs} ms; at most ${this.opts.maxRsync} rsync processes at once`,
    );
    log.info(`ready in ${this.clock.now() - started} ms`);
    this.started = true;
    // Spawned, not awaited up: until a master answers, rsync logs in directly (ControlMaster=no).
    await this.masters?.start();
    // After the watches exist, so nothing changed during these syncs is missed.
    if (this.opts.initialSync) this.fullSyncAll('-r');
    this.durable.start();
    if (this.config.crontab.enabled)
      this.schedules.every(this.config.crontab.scheduleMin * 60_000, () => this.fullSyncAll('<crontab>'));
    this.observability.start();
    this.verifying.start();
    this.retention.start();
  }

  /** Stops watching, ships what is pending, waits (bounded) for in-flight batches, journals the rest. */
  async stop(timeoutMs = 30_000): Promise<StopResult> {
    if (this.stopping) return this.left(false);
    await this.stopIntake();
    // A full sync that waits (refused on an empty root, or retrying) covers changes that are not
    // counted as paths: stopping with one is not "nothing pending".
    const drained =
      (await withTimeout(
        this.fleet.whenSettled().then(() => this.pendingPaths() === 0 && this.fleet.pendingFullSyncs === 0),
        timeoutMs,
      )) ?? false;
    this.fleet.stop();
    await this.durable.close();
    await this.masters?.stop();
    return this.left(drained);
  }

  private left(drained: boolean): StopResult {
    return { drained, pendingPaths: this.pendingPaths(), pendingFullSyncs: this.fleet.pendingFullSyncs };
  }

  /** Only the probes: a new config's remotes are checked before anything of the old one stops. */
  async probe(): Promise<void> {
    await this.fleet.probeAll();
    this.probed = true;
  }

  /** Undo pauseLanes() (a reload that could not start). */
  resume(): void {
    this.fleet.resume();
  }

  /**
   * Config reload, step 1: start no new rsync and let running ones finish (bounded), while the
   * watcher keeps recording changes. Step 2 is handOver().
   */
  async pauseLanes(timeoutMs = 30_000): Promise<void> {
    await withTimeout(this.fleet.pause(), timeoutMs);
  }

  /**
   * Config reload, step 2: stop watching and return everything not yet delivered (the paused
   * lanes kept what the watcher and aggregator gave them meanwhile; the aggregator is drained
   * too). The journal is closed with exactly that content, so the new agent can take it over
   * (adoptJournal) without two writers on one file.
   */
  async handOver(): Promise<JournalRecord[]> {
    await this.stopIntake();
    this.fleet.stop();
    const records = await this.durable.handOver();
    await this.masters?.stop();
    return records;
  }

  /** Config reload, step 3: the new agent takes the journal over (durable-state.ts, adopt). */
  adoptJournal(): Promise<void> {
    return this.durable.adopt();
  }

  /** What the previous agent (same state dir) had not delivered; unknown roots are reported. */
  inject(records: readonly JournalRecord[], addedLanes: ReadonlySet<string>): void {
    const known = new Set(this.config.roots.map((r) => r.path));
    const dropped = new Set(
      records.filter((r) => r.type !== 'clean' && !known.has(r.root)).map((r) => (r.type === 'clean' ? '' : r.root)),
    );
    for (const root of dropped)
      this.logger.warn(`config reload: ${root} is no longer watched; its pending changes are dropped`);
    this.durable.recover(records, true);
    for (const l of this.fleet.lanes)
      if (addedLanes.has(`${l.root.path}\0${l.remote.label}`)) l.requestFullSync('a remote added by a config reload');
  }

  /** `POST /repair` (sersync-ts verify --repair while this agent runs). */
  repair(req: RepairRequest): Promise<{ readonly lanes: readonly RepairLaneResult[] } | { readonly error: string }> {
    return this.verifying.repair(req);
  }

  /** `sersync-ts release-deletes` (POST /release-deletes): the held deletions of one root, or all, ship. */
  releaseDeletes(root: string | null): readonly Released[] | { readonly error: string } {
    return this.brake.release(root);
  }

  /** `root\0remote` for every lane (to find what a reload added). */
  laneKeys(): Set<string> {
    return this.fleet.keys();
  }

  /** Resolves when nothing is pending in any aggregator or lane. */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.intake.idle && this.fleet.idle) return;
      await this.fleet.whenIdle();
      if (this.intake.pendingPaths > 0) await new Promise((r) => setTimeout(r, 10));
    }
  }

  snapshot(): AgentSnapshot {
    return this.observability.snapshot();
  }

  health(): Health {
    return this.observability.health();
  }

  state(): AgentState {
    return this.observability.state();
  }

  statusDocument(): StatusDocument {
    return this.observability.statusDocument();
  }

  metrics(): string {
    return this.observability.metrics();
  }

  /** One line per lane, for SIGUSR1 and the log. */
  statusLines(): string[] {
    return this.observability.statusLines();
  }

  /** No more events or timers: the watcher drains and closes, and what it saw goes to the lanes. */
  private async stopIntake(): Promise<void> {
    this.stopping = true;
    this.schedules.clear();
    this.durable.stop();
    this.observability.stop();
    await this.verifying.stop();
    await this.retention.stop();
    await this.watching.stop();
    this.intake.drain();
  }

  /** -r, <crontab>, recovery after an unclean stop: every lane of every root gets a full sync. */
  private fullSyncAll(reason: string): void {
    this.observability.fullSync(reason);
    this.config.roots.forEach((r, i) => {
      this.durable.record({ type: 'full', root: r.path });
      this.fleet.fullSync(i, reason);
    });
  }

  private pendingPaths(): number {
    return this.intake.pendingPaths + this.fleet.pendingPaths;
  }

  private rootSnapshots(): AgentSnapshot['roots'] {
    const lanes = this.fleet.statuses();
    return this.config.roots.map((r, i) => ({
      path: r.path,
      watchedDirs: this.watching.watchedDirs[i] ?? 0,
      aggregatedPaths: this.intake.size(i),
      oldestPendingSince: this.intake.oldestPendingSince(i),
      lanes: lanes[i]!,
      brake: this.brake.status(i),
    }));
  }
}

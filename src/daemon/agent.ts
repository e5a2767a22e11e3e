import os from 'node:os';
import path from 'node:path';
import type { Remote, SersyncConfig } from '../config/types.js';
import { Aggregator } from '../aggregate/aggregator.js';
import type { PendingEntry } from '../aggregate/types.js';
import { FailLogStore } from '../faillog/store.js';
import type { FailRecord } from '../faillog/record.js';
import { PendingJournal } from '../journal/journal.js';
import type { JournalRecord } from '../journal/codec.js';
import { Lane, type LaneFailure, type LaneListener } from '../lane/lane.js';
import { RsyncRunner } from '../rsync/runner.js';
import { probeRemote, type ProbeResult } from '../rsync/probe.js';
import { protectRules } from '../fullsync/protect-rules.js';
import { DirWatch } from '../watch/dirwatch.js';
import { compileFilter, type PathFilter } from '../watch/filter.js';
import type { ChangeEvent, Watcher, WatchProblem } from '../watch/types.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { EXIT, ExitError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { toText } from '../shared/bytepath.js';
import { Canary } from './canary.js';
import { Metrics } from '../status/metrics.js';
import { assessHealth, healthPolicyFor, ProgressWatch, type Health, type HealthPolicy, type RunInFlight } from '../status/health.js';
import { agentState, statusDocument, updateGauges, type AgentSnapshot, type AgentState } from './status-doc.js';
import type { BatchReport, LaneStatus } from '../lane/lane.js';
import type { Plugin } from '../plugins/types.js';
import { toPluginEvents } from '../plugins/events.js';
import { GuardedPlugin } from '../plugins/guard.js';
import { pluginWatch } from '../plugins/registry.js';
import { scopeIn, scopePaths, type PluginScope } from '../plugins/scope.js';
import { pendingKindFor } from '../watch/event-policy.js';
import { MoveHints } from '../lane/move-hints.js';
import { FairSlots } from '../lane/slots.js';
import { Scheduler } from './scheduler.js';

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
  readonly healthPolicy?: HealthPolicy;
}

interface RootRuntime {
  readonly path: string;
  readonly aggregator: Aggregator;
  readonly lanes: readonly Lane[];
  /** Directories moved within this root, so its lanes can reuse what the remotes hold. */
  readonly moves: MoveHints;
}

/** The journal is compacted when this many records were appended since the last checkpoint... */
const CHECKPOINT_RECORDS = 50_000;
/** ...or this often while anything was appended. */
const CHECKPOINT_MS = 10_000;

/** The promise's value, or undefined when it takes longer than `ms`. */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

let instances = 0;

/**
 * Journal and canary directory when --state-dir is not given: systemd's StateDirectory= (it sets
 * $STATE_DIRECTORY, the first entry when several), else next to the fail log.
 */
export function defaultStateDir(config: SersyncConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (config.failLog.stateDir) return config.failLog.stateDir;
  const fromSystemd = env['STATE_DIRECTORY']?.split(':')[0];
  if (fromSystemd) return fromSystemd;
  return `${config.failLog.path}.state`;
}

/**
 * The composition root: builds every stage for a config and owns start/stop order.
 * watcher → event policy (<inotify>) → aggregator (debounce, per root) → lanes (per remote) → rsync;
 * journal (crash-safe pending paths), fail log (what a down remote missed), canary (lost events).
 */
export class Agent {
  private readonly clock: Clock;
  private readonly runner: RsyncRunner;
  private readonly roots: RootRuntime[];
  private readonly scheduler: Scheduler;
  private readonly stateDir: string;
  private readonly canary: Canary;
  /** `<filter>`, checked again at intake: an excluded path must never reach a lane. */
  private readonly filter: PathFilter;
  private watcher: Watcher | null = null;
  private journal: PendingJournal | null = null;
  private failLog: FailLogStore | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private started = false;
  private probed = false;
  private readonly slots: FairSlots;
  private eventsSeen = 0;
  private fullSyncs = 0;
  private readonly metricsReg = new Metrics();
  private readonly startedAt: number;
  private watchedDirs: number[] = [];
  private watcherAlive = true;
  private loopLagMs = 0;
  private readonly healthPolicy: HealthPolicy;
  private readonly progressWatch = new ProgressWatch();
  /** The plugin beside syncing, behind a guard, and what part of each sync root it sees. */
  private readonly plugin: GuardedPlugin | null;
  private readonly pluginScopes = new Map<string, PluginScope | null>();

  constructor(
    private readonly config: SersyncConfig,
    private readonly opts: AgentOptions,
    private readonly logger: Logger,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.runner = new RsyncRunner(this.clock);
    this.stateDir = opts.stateDir ?? defaultStateDir(config);
    this.healthPolicy = opts.healthPolicy ?? healthPolicyFor(config.rsync);
    // -n: every rsync this agent starts (batches, full syncs, probes) waits for a slot here.
    const slots = (this.slots = new FairSlots(opts.maxRsync, new Set(config.roots.flatMap((r) => r.remotes.map((x) => x.ip))).size));
    const filter = compileFilter(config.filter.enabled ? config.filter.excludes : []);
    this.filter = filter;
    const protect = protectRules(config.filter.enabled ? config.filter.excludes : []);
    for (const expr of protect.untranslated) {
      logger.info(`<filter> expression ${JSON.stringify(expr)} has no rsync glob equivalent: deleting syncs first run as a dry run to find remote-only files matching it, and keep them`);
    }
    const listener: LaneListener = {
      failed: (l, f) => this.laneFailed(l, f),
      cleared: (l) => this.laneCleared(l),
      batchDone: (l, r) => this.batchDone(l, r),
      delivered: (l, entries) => this.delivered(l, entries),
    };
    this.roots = config.roots.map((root) => {
      const moves = new MoveHints();
      return {
        path: root.path,
        moves,
        aggregator: new Aggregator(
          { delayMs: config.debounce.delayMs, maxDelayMs: config.debounce.maxDelayMs },
          { maxPathsPerDir: config.debounce.maxPathsPerDir, maxPendingPaths: config.debounce.maxPendingPaths },
        ),
        lanes: root.remotes.map(
          (remote) =>
            new Lane({
              root,
              remote,
              config,
              filter,
              protect: protect.globs,
              runner: this.runner,
              limiter: slots.forHost(remote.ip),
              clock: this.clock,
              logger: logger.child('lane'),
              tmpDir: opts.tmpDir ?? os.tmpdir(),
              listener,
              moves,
              probe: async () => (await this.probeOnce(remote)).outcome === 'ok',
              // Alive is any answer from the daemon, even a refusal ("max connections reached").
              liveness: async () => {
                const r = await probeRemote(this.runner, config.rsync, remote);
                return r.outcome !== 'unreachable' || r.answer.startsWith('@ERROR');
              },
            }),
        ),
      };
    });
    const plugin = opts.plugin;
    this.plugin = plugin ? (plugin instanceof GuardedPlugin ? plugin : new GuardedPlugin(plugin, logger.child(`plugin:${plugin.name}`))) : null;
    // Each plugin has its own root, inside a sync root; the sync root never changes (§9.14).
    const watch = this.plugin ? pluginWatch(config.plugins.name || this.plugin.name, config) : '';
    for (const r of config.roots) this.pluginScopes.set(r.path, this.plugin ? scopeIn(r.path, watch) : null);
    this.scheduler = new Scheduler(this.clock, () => this.nextDeadline(), (now) => this.flushDue(now));
    // One directory per agent instance: during a reload the old agent's writer still runs.
    this.canary = new Canary(path.join(this.stateDir, `canary-${process.pid}-${++instances}`), logger.child('canary'), this.clock, (loss, why) => this.eventsLost(loss.reason, why));
  }

  /** Starts watching, probes every remote and opens the state meanwhile, then replays what earlier runs left. */
  async start(): Promise<void> {
    const log = this.logger.child('watch');
    const started = this.clock.now();
    await this.canary.prepare();
    const specs = this.config.roots.map((r) => ({ path: r.path, excludes: this.config.filter.enabled ? this.config.filter.excludes : [] }));
    this.watcher = new DirWatch([...specs, { path: this.canary.dir, excludes: [] }], { onEvents: (evs) => this.onEvents(evs), onProblem: (p) => this.onProblem(p) }, log);
    // The first scan (seconds for a big tree) runs while the remotes are probed and the state is
    // opened; nothing it sees is delivered before start() below.
    this.watcher.begin?.();
    if (!this.probed) await this.probeRemotes();
    await this.openState();
    await this.watcher.start();
    this.canary.start();
    const stats = await this.watcher.stats();
    this.watchedDirs = stats.watchedDirs.slice(0, this.roots.length);
    this.config.roots.forEach((r, i) => log.info(`watching ${r.path} (${stats.watchedDirs[i] ?? 0} directories) -> ${r.remotes.map((x) => x.label).join(', ')}`));
    const d = this.config.debounce;
    log.info(`debounce: ${d.delayMs} ms quiet, at most ${d.maxDelayMs} ms; at most ${this.opts.maxRsync} rsync processes at once`);
    log.info(`ready in ${this.clock.now() - started} ms`);
    this.started = true;
    // After the watches exist, so nothing changed during these syncs is missed.
    if (this.opts.initialSync) this.fullSyncAll('-r');
    this.startTimers();
  }

  /** Stops watching, ships what is pending, waits (bounded) for in-flight batches, journals the rest. */
  async stop(timeoutMs = 30_000): Promise<{ drained: boolean; pendingPaths: number }> {
    if (this.stopping) return { drained: false, pendingPaths: this.pendingPaths() };
    await this.stopIntake();
    const drained = (await withTimeout(this.whenSettled().then(() => this.pendingPaths() === 0), timeoutMs)) ?? false;
    for (const r of this.roots) for (const l of r.lanes) l.stop();
    await this.journal?.close(this.undelivered());
    return { drained, pendingPaths: this.pendingPaths() };
  }

  /** Only the probes: a new config's remotes are checked before anything of the old one stops. */
  async probe(): Promise<void> {
    await this.probeRemotes();
    this.probed = true;
  }

  /** Undo pauseLanes() (a reload that could not start). */
  resume(): void {
    for (const r of this.roots) for (const l of r.lanes) l.resume();
  }

  /**
   * Config reload, step 1: start no new rsync and let running ones finish (bounded), while the
   * watcher keeps recording changes. Step 2 is handOver().
   */
  async pauseLanes(timeoutMs = 30_000): Promise<void> {
    await withTimeout(Promise.all(this.roots.flatMap((r) => r.lanes.map((l) => l.pause()))), timeoutMs);
  }

  /**
   * Config reload, step 2: stop watching and return everything not yet delivered (the paused
   * lanes kept what the watcher and aggregator gave them meanwhile; the aggregator is drained
   * too). The journal is closed with exactly that content, so the new agent can take it over
   * (adoptJournal) without two writers on one file.
   */
  async handOver(): Promise<JournalRecord[]> {
    await this.stopIntake();
    for (const r of this.roots) for (const l of r.lanes) l.stop();
    const records = this.undelivered();
    const journal = this.journal;
    this.journal = null;
    await journal?.close(records);
    return records;
  }

  /**
   * Config reload, step 3: the agent built for the new config opens the state dir's journal only
   * now, after the old agent closed it, and writes what it holds (the carried-over items included).
   */
  async adoptJournal(): Promise<void> {
    if (this.journal || !this.opts.reload) return;
    try {
      const { journal } = await PendingJournal.open(this.stateDir, this.logger.child('journal'));
      this.journal = journal;
    } catch (err) {
      this.logger.child('journal').error(`state directory ${this.stateDir}: ${(err as Error).message}; pending paths are not journaled`);
      return;
    }
    await this.journal.checkpoint(this.undelivered());
  }

  /** No more events or timers: the watcher drains and closes, and what it saw goes to the lanes. */
  private async stopIntake(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.canary.stop();
    await this.watcher?.close();
    this.scheduler.cancel();
    this.flushDue(Number.POSITIVE_INFINITY);
  }

  /** What the previous agent (same state dir) had not delivered; unknown roots are reported. */
  inject(records: readonly JournalRecord[], addedLanes: ReadonlySet<string>): void {
    const known = new Set(this.roots.map((r) => r.path));
    const dropped = new Set(records.filter((r) => r.type !== 'clean' && !known.has(r.root)).map((r) => (r.type === 'clean' ? '' : r.root)));
    for (const root of dropped) this.logger.warn(`config reload: ${root} is no longer watched; its pending changes are dropped`);
    this.recoverJournal(records, true);
    for (const r of this.roots) for (const l of r.lanes) if (addedLanes.has(`${r.path}\0${l.remote.label}`)) l.requestFullSync('a remote added by a config reload');
  }

  /** `root\0remote` for every lane (to find what a reload added). */
  laneKeys(): Set<string> {
    return new Set(this.roots.flatMap((r) => r.lanes.map((l) => `${r.path}\0${l.remote.label}`)));
  }

  /** Resolves when nothing is pending in any aggregator or lane. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const lanes = this.roots.flatMap((r) => r.lanes);
      if (this.roots.every((r) => r.aggregator.size === 0 && r.aggregator.nextDeadline() === null) && lanes.every((l) => l.isIdle())) return;
      await Promise.all(lanes.map((l) => l.whenIdle()));
      if (this.roots.some((r) => r.aggregator.size > 0)) await new Promise((r) => setTimeout(r, 10));
    }
  }

  snapshot(): AgentSnapshot {
    const now = this.clock.now();
    const lanes = this.roots.map((r) => r.lanes.map((l) => l.status()));
    const byLane = new Map<string, number>();
    for (const rec of this.failLog?.records() ?? []) byLane.set(`${rec.root}\0${rec.remote}`, rec.full ? 1 : rec.paths.length);
    const health = assessHealth({ now, loopLagMs: this.loopLagMs, watcherAlive: this.watcherAlive, runs: this.runsInFlight(lanes.flat(), now) }, this.healthPolicy);
    return {
      now,
      startedAt: this.startedAt,
      version: this.opts.version ?? '',
      stopping: this.stopping,
      started: this.started,
      watcherAlive: this.watcherAlive,
      health,
      roots: this.roots.map((r, i) => ({ path: r.path, watchedDirs: this.watchedDirs[i] ?? 0, aggregatedPaths: r.aggregator.size, oldestPendingSince: r.aggregator.oldestPendingSince(), lanes: lanes[i]! })),
      eventsSeen: this.eventsSeen,
      fullSyncs: this.fullSyncs,
      failLogEntries: this.failLog?.records().length ?? 0,
      failLogByLane: byLane,
      plugin: this.plugin ? { name: this.plugin.name, failures: this.plugin.failures, dropped: this.plugin.dropped } : null,
    };
  }

  /** Every rsync in flight, with when its progress last advanced (sampled here and every 500 ms). */
  private runsInFlight(lanes: readonly LaneStatus[], now: number): RunInFlight[] {
    const out: RunInFlight[] = [];
    for (const l of lanes) {
      const key = `${l.root} -> ${l.remote}`;
      const full = l.state === 'full-sync';
      const advancedAt = this.progressWatch.observe(key, l.inFlightSince, full ? l.progress : null, now);
      if (l.inFlightSince !== null && advancedAt !== null) out.push({ lane: key, kind: full ? 'full' : 'batch', since: l.inFlightSince, advancedAt });
    }
    return out;
  }

  health(): Health {
    return this.snapshot().health;
  }

  state(): AgentState {
    return agentState(this.snapshot());
  }

  statusDocument(): unknown {
    return statusDocument(this.snapshot());
  }

  metrics(): string {
    updateGauges(this.metricsReg, this.snapshot());
    return this.metricsReg.render();
  }

  /** One line per lane, for SIGUSR1 and the log. */
  statusLines(): string[] {
    const s = this.snapshot();
    const out = [`state ${agentState(s)}; ${s.eventsSeen} events; ${s.failLogEntries} fail-log entries; ${s.health.ok ? 'healthy' : `UNHEALTHY: ${s.health.reasons.join('; ')}`}`];
    for (const r of s.roots) {
      for (const l of r.lanes) {
        out.push(`${r.path} -> ${l.remote}: ${l.state}, ${l.pendingPaths + l.inFlightPaths} pending, ${l.batches} batches, last success ${l.lastSuccessAt ? new Date(l.lastSuccessAt).toISOString() : 'never'}${l.lastError ? `, last error: ${l.lastError}` : ''}`);
      }
    }
    return out;
  }

  private async whenSettled(): Promise<void> {
    for (;;) {
      const lanes = this.roots.flatMap((r) => r.lanes);
      await Promise.all(lanes.map((l) => l.whenSettled()));
      // 'stopped': stop() gave up waiting (its bounded wait ran out); nothing more will settle.
      if (lanes.every((l) => l.isIdle() || ['retrying', 'down', 'idle', 'stopped'].includes(l.status().state))) return;
      await new Promise((r) => setImmediate(r)); // a lane that resolved at once must not spin the loop
    }
  }

  private pendingPaths(): number {
    return this.roots.reduce((n, r) => n + r.aggregator.size + r.lanes.reduce((m, l) => m + l.pendingCount, 0), 0);
  }

  // --- state: fail log and journal --------------------------------------------------------------

  private async openState(): Promise<void> {
    try {
      this.failLog = await FailLogStore.open(this.config.failLog.path, this.logger.child('faillog'));
    } catch (err) {
      throw new ExitError([`${this.config.file}: sersync/failLog@path: ${(err as Error).message}`], EXIT.CONFIG);
    }
    // A reload: the running agent still owns the journal; adoptJournal() takes it after handOver().
    if (this.opts.reload) return this.replayFailLog('startup');
    try {
      const { journal, recovered } = await PendingJournal.open(this.stateDir, this.logger.child('journal'));
      this.journal = journal;
      this.recoverJournal(recovered.records, recovered.clean || recovered.fresh);
    } catch (err) {
      throw new ExitError([`state directory ${this.stateDir}: ${(err as Error).message}`], EXIT.CONFIG);
    }
    this.replayFailLog('startup');
  }

  private recoverJournal(records: readonly JournalRecord[], clean: boolean): void {
    const log = this.logger.child('journal');
    let paths = 0;
    for (const rec of records) {
      if (rec.type === 'clean') continue;
      const rt = this.roots.find((r) => r.path === rec.root);
      if (!rt) continue;
      if (rec.type === 'full') for (const l of rt.lanes) l.requestFullSync('journaled from the last run');
      else {
        paths++;
        for (const l of rt.lanes) l.enqueue([{ path: rec.path, kind: rec.kind }]);
      }
    }
    if (paths > 0) log.info(`${paths} path(s) journaled by the last run are synced again`);
    if (!clean) {
      // TEST-ONLY switch, honoured only when set to 1: skip the recovery full sync, so crash tests
      // prove that the journal alone carries the changes (the full sync would hide a broken one).
      // Never set it in production: changes still in the kernel queue at the crash are then lost.
      if (process.env['SERSYNC_TEST_NO_UNCLEAN_FULL_SYNC'] === '1') {
        log.warn('the last run did not stop cleanly; SERSYNC_TEST_NO_UNCLEAN_FULL_SYNC=1 (test only): no recovery full sync, only the journal is replayed');
        return;
      }
      log.warn('the last run did not stop cleanly (crash, kill -9, power loss): changes still in the kernel queue then were never seen, so every root gets a full sync');
      this.fullSyncAll('recovery after an unclean stop');
    }
  }

  private undelivered(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (const r of this.roots) {
      const agg = r.aggregator.peek();
      const batches = [agg, ...r.lanes.map((l) => l.undelivered())];
      if (batches.some((b) => b.fullSync)) out.push({ type: 'full', root: r.path });
      const seen = new Set<string>();
      for (const b of batches) {
        for (const e of b.entries) {
          if (seen.has(e.path)) continue;
          seen.add(e.path);
          out.push({ type: 'path', root: r.path, path: e.path, kind: e.kind });
        }
      }
    }
    return out;
  }

  private async checkpoint(): Promise<void> {
    if (!this.journal || this.stopping || this.journal.appended === 0) return;
    // A failed compaction (disk full) keeps the old journal, which still holds everything.
    await this.journal.checkpoint(this.undelivered()).catch((err: unknown) => this.logger.child('journal').error(`cannot compact the journal in ${this.stateDir}: ${String(err)}; will try again`));
  }

  /** Fail-log records go back into their lanes (never run through sh). A down lane keeps them. */
  private replayFailLog(why: string): void {
    const store = this.failLog;
    if (!store) return;
    const log = this.logger.child('faillog');
    const keptByDownLane = new Map<Lane, { entries: number; paths: number }>();
    for (const rec of store.records()) {
      const lane = this.laneFor(rec.root, rec.remote);
      if (!lane) {
        log.warn(`fail log entry for ${rec.root} -> ${rec.remote} matches no configured remote; kept (run it by hand with sh, or delete it)`);
        continue;
      }
      if (lane.status().health === 'down') {
        // Its probe replays everything the moment the remote answers; say so once per lane and tick.
        const kept = keptByDownLane.get(lane) ?? { entries: 0, paths: 0 };
        keptByDownLane.set(lane, { entries: kept.entries + 1, paths: kept.paths + rec.paths.length });
        continue;
      }
      log.info(`replaying ${rec.full ? 'a full sync' : `${rec.paths.length} path(s)`} for ${rec.root} -> ${rec.remote} (${why})`);
      this.metricsReg.inc('replays_total', 'Fail-log entries replayed.', { root: rec.root, remote: rec.remote });
      if (rec.full) lane.requestFullSync(`fail log (${why})`);
      else lane.enqueue(rec.paths.map((p): PendingEntry => ({ path: p, kind: 'path' })));
    }
    for (const [lane, kept] of keptByDownLane) {
      log.info(`fail-log replay (${why}): ${lane.root.path} -> ${lane.remote.label} still down, ${kept.entries} entr${kept.entries === 1 ? 'y' : 'ies'} (${kept.paths} path(s)) kept`);
    }
  }

  private laneFor(root: string, remote: string): Lane | undefined {
    return this.roots.find((r) => r.path === root)?.lanes.find((l) => l.remote.label === remote);
  }

  private laneFailed(lane: Lane, f: LaneFailure): void {
    const record: FailRecord = { time: this.clock.now(), root: lane.root.path, remote: lane.remote.label, exitCode: f.exitCode, reason: f.reason, full: f.full, paths: f.paths, argv: f.argv };
    this.failLog?.add(record).catch((err: unknown) => this.logger.error(`cannot write the fail log ${this.config.failLog.path}: ${String(err)}`));
  }

  private laneCleared(lane: Lane): void {
    const store = this.failLog;
    if (!store?.records().some((r) => r.root === lane.root.path && r.remote === lane.remote.label)) return;
    store.remove(lane.root.path, lane.remote.label).then(
      () => this.logger.child('faillog').info(`${lane.root.path} -> ${lane.remote.label}: delivered; its fail log entries are removed`),
      (err: unknown) => this.logger.error(`cannot rewrite the fail log ${this.config.failLog.path}: ${String(err)}`),
    );
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.config.failLog.timeToExecuteMin * 60_000, () => this.replayFailLog(`every ${this.config.failLog.timeToExecuteMin} min`));
    if (this.config.crontab.enabled) every(this.config.crontab.scheduleMin * 60_000, () => this.fullSyncAll('<crontab>'));
    every(CHECKPOINT_MS, () => void this.checkpoint());
    every(5000, () => void this.watcher?.stats().then((st) => (this.watchedDirs = st.watchedDirs.slice(0, this.roots.length))).catch(() => undefined));
    // Event-loop lag: how late a 500 ms tick runs (the health check's "loop responsive").
    let expected = this.clock.now() + 500;
    every(500, () => {
      const now = this.clock.now();
      this.loopLagMs = Math.max(0, now - expected);
      expected = now + 500;
      this.runsInFlight(this.roots.flatMap((r) => r.lanes.map((l) => l.status())), now);
    });
  }

  /**
   * Plugins run after the sync, once per path: when the root's first remote has it. A plugin with
   * its own localpath sees only that subtree, relative to it. Nothing it throws reaches the lane.
   */
  private delivered(lane: Lane, entries: readonly PendingEntry[]): void {
    const plugin = this.plugin;
    const scope = this.pluginScopes.get(lane.root.path);
    const rt = this.roots.find((r) => r.path === lane.root.path);
    if (!plugin || !scope || rt?.lanes[0] !== lane) return;
    plugin.guard('delivered', () => {
      const paths = scopePaths(scope.prefix, entries.map((e) => ({ path: e.path, tree: e.kind === 'tree' })));
      if (paths.length > 0) plugin.handle(toPluginEvents(scope.root, paths, this.clock.now()));
    });
  }

  /** A full sync reached the root's first remote: its paths are not told one by one, so say so. */
  private deliveredFullSync(lane: Lane): void {
    const plugin = this.plugin;
    const scope = this.pluginScopes.get(lane.root.path);
    const rt = this.roots.find((r) => r.path === lane.root.path);
    if (!plugin || !scope || rt?.lanes[0] !== lane) return;
    plugin.fullSync(scope.root, this.clock.now());
  }

  private batchDone(lane: Lane, r: BatchReport): void {
    const labels = { root: lane.root.path, remote: lane.remote.label };
    const m = this.metricsReg;
    m.inc('batches_total', 'rsync batches and full syncs finished.', { ...labels, kind: r.full ? 'full' : 'batch', result: r.ok ? 'ok' : 'failed' });
    m.inc('rsync_runs_total', 'rsync processes run.', labels, r.rsyncRuns);
    if (r.ok) m.inc('paths_synced_total', 'Paths delivered by successful batches.', labels, r.paths);
    if (r.bytesSent !== null) m.inc('bytes_sent_total', 'Bytes rsync sent (from --stats).', labels, r.bytesSent);
    m.observeDuration('rsync_duration_seconds', 'Duration of rsync batches and full syncs.', { ...labels, kind: r.full ? 'full' : 'batch' }, r.durationMs / 1000);
    if (!r.ok) m.inc('rsync_failures_total', 'Failed rsync runs by exit code.', { ...labels, exit_code: String(r.exitCode) });
    if (r.ok && r.full) this.deliveredFullSync(lane);
  }

  // --- events --------------------------------------------------------------------------------

  private async probeRemotes(): Promise<void> {
    const log = this.logger.child('probe');
    const seen = new Map<string, Promise<void>>();
    const errors: string[] = [];
    for (const root of this.config.roots) {
      for (const remote of root.remotes) {
        if (seen.has(remote.label)) continue;
        seen.set(
          remote.label,
          this.probeOnce(remote).then((r) => {
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

  /** One probe of a remote, in a -n slot like every other rsync. */
  private probeOnce(remote: Remote): Promise<ProbeResult> {
    return this.slots.forHost(remote.ip).run(() => probeRemote(this.runner, this.config.rsync, remote));
  }

  private onEvents(events: readonly ChangeEvent[]): void {
    // Also while stopping: the watcher drains what happened just before the stop.
    const now = this.clock.now();
    const toggles = this.config.inotify;
    const canaryRoot = this.roots.length;
    for (const e of events) {
      if (e.root === canaryRoot) {
        if (e.kind === 'created') this.canary.seen(e.path);
        continue;
      }
      this.eventsSeen++;
      const kind = pendingKindFor(e.kind, toggles);
      const rt = this.roots[e.root];
      if (!rt) continue;
      this.metricsReg.inc('events_total', 'Filesystem events seen, by kind.', { root: rt.path, kind: e.kind });
      if (kind === null) continue;
      if (this.filter.active && this.isExcluded(e)) continue;
      if (e.movedFrom !== undefined) rt.moves.record(e.path, e.movedFrom, now);
      rt.aggregator.add(e.path, kind, now);
      this.journal?.record({ type: 'path', root: rt.path, path: e.path, kind });
    }
    if (this.journal && this.journal.appended > CHECKPOINT_RECORDS) void this.checkpoint();
    this.scheduler.rearm();
  }

  /** A removed path may have been a directory or not: excluded as either, it stays untouched. */
  private isExcluded(e: ChangeEvent): boolean {
    const dir = e.kind === 'dir-created' || e.kind === 'dir-changed';
    return e.kind === 'removed' ? this.filter.excluded(e.path, true) || this.filter.excluded(e.path, false) : this.filter.excluded(e.path, dir);
  }

  private eventsLost(reason: string, why: string): void {
    if (reason === 'lost') this.metricsReg.inc('overflows_total', 'Kernel event queue overflows detected by the canary.', {});
    this.logger.child('canary').warn(`${why}; full sync of every root`);
    for (const r of this.roots) this.requestRootFullSync(r);
  }

  private onProblem(p: WatchProblem): void {
    const log = this.logger.child('watch');
    if (p.root === this.roots.length) return log.warn(`canary directory: ${p.message}`);
    const where = p.path !== undefined && p.path !== '' ? ` (${toText(p.path)})` : '';
    if (p.code === 'root-gone') return log.error(`${p.message}`);
    if (p.code === 'worker-exit' || p.code === 'worker-error') this.watcherAlive = false;
    log.error(`${p.code}: ${p.message}${where}; a full sync will repair what may have been missed`);
    const targets = p.root < 0 ? this.roots : [this.roots[p.root]].filter((r): r is RootRuntime => r !== undefined);
    for (const r of targets) this.requestRootFullSync(r);
  }

  private requestRootFullSync(r: RootRuntime): void {
    this.fullSyncs++;
    this.metricsReg.inc('full_syncs_total', 'Full syncs requested, by reason.', { reason: 'lost events or watcher problem' });
    r.aggregator.requestFullSync(this.clock.now());
    this.journal?.record({ type: 'full', root: r.path });
    this.scheduler.rearm();
  }

  private fullSyncAll(reason: string): void {
    this.fullSyncs++;
    this.metricsReg.inc('full_syncs_total', 'Full syncs requested, by reason.', { reason });
    for (const r of this.roots) {
      this.journal?.record({ type: 'full', root: r.path });
      for (const l of r.lanes) l.requestFullSync(reason);
    }
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
        if (batch.fullSync) {
          lane.requestFullSync('too many changes at once, lost events, or a watcher problem');
        } else lane.enqueue(batch.entries);
      }
    }
  }
}

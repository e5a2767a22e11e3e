import os from 'node:os';
import type { Remote, SersyncConfig } from '../config/types.js';
import { protectRules } from '../delete-safety/protect-rules.js';
import type { Lane, LaneListener } from '../lane/lane.js';
import { MoveHints } from '../lane/move-hints.js';
import { RsyncRunner } from '../rsync/runner.js';
import type { SshControl } from '../rsync/ssh-command.js';
import { SshMasters } from '../rsync/ssh-masters.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { healthPolicyFor, type AgentHealthPolicy } from '../status/agent-health.js';
import type { Plugin } from '../plugins/types.js';
import { compileFilter, type PathFilter } from '../watch/filter.js';
import { DeletionBrake } from './deletion-brake.js';
import { DurableState } from './durable-state.js';
import { LaneFleet } from './fleet.js';
import { Intake } from './intake.js';
import { Observability } from './observability.js';
import { PluginFeed } from './plugin-feed.js';
import { VersionsRetention } from './retention.js';
import type { AgentSnapshot } from './status-doc.js';
import type { EarlyProbes } from '../rsync/probe.js';
import { Verifying } from './verifying.js';
import { Watching } from './watching.js';

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
  /**
   * The canary's stall tolerance (canary-check.ts): a test that forbids a full sync raises it, so
   * a canary writer starved on a loaded machine does not ask for one. @default 5 slots
   */
  readonly canaryStallSlots?: number;
  /** The remotes' probes begun before the agent loaded (cli/early-start.ts): taken instead of probing them again. */
  readonly earlyProbes?: EarlyProbes;
}

/** The agent's parts (see Agent): built once, wired to one another. */
export interface AgentParts {
  readonly watching: Watching;
  readonly intake: Intake;
  readonly fleet: LaneFleet;
  readonly durable: DurableState;
  readonly observability: Observability;
  readonly plugin: PluginFeed | null;
  /** `<deleteGuard>`: holds a root's deletions during a mass deletion. */
  readonly brake: DeletionBrake;
  /** Repairs into the lanes (`<verify schedule>`, POST /repair). */
  readonly verifying: Verifying;
  readonly retention: VersionsRetention;
  /** Over ssh: one multiplexed master connection per remote host, shared by every rsync to it. */
  readonly masters: SshMasters | null;
}

/** Where the agent stands, for health and /status. */
type AgentPhase = () => { readonly started: boolean; readonly stopping: boolean };

/** What several parts are built from. */
interface Common {
  readonly config: SersyncConfig;
  readonly opts: AgentOptions;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly stateDir: string;
  readonly filter: PathFilter;
  readonly protect: readonly string[];
  readonly runner: RsyncRunner;
  readonly tmpDir: string;
  readonly ssh: { ssh?: (r: Remote) => SshControl };
}

type Building = { -readonly [K in keyof AgentParts]: AgentParts[K] };

/**
 * Builds the parts in order. A part that calls another reads it from `p` when it calls, not when
 * it is built: the wiring has cycles (the lanes journal through durable state, which replays into
 * the lanes).
 */
export function buildParts(
  common: Omit<Common, 'filter' | 'protect' | 'runner' | 'tmpDir' | 'ssh'>,
  phase: AgentPhase,
): AgentParts {
  const { config, logger, clock } = common;
  const excludes = config.filter.enabled ? config.filter.excludes : [];
  const protect = protectRules(excludes);
  for (const expr of protect.untranslated) {
    logger.info(
      `<filter> expression ${JSON.stringify(expr)} has no rsync glob equivalent: deleting syncs first run as a dry run to find remote-only files matching it, and keep them`,
    );
  }
  const p = { masters: null, plugin: null } as unknown as Building;
  p.masters = config.rsync.ssh
    ? new SshMasters(
        config.rsync,
        config.roots.flatMap((r) => r.remotes),
        common.stateDir,
        logger.child('ssh'),
        clock,
      )
    : null;
  const masters = p.masters;
  const c: Common = {
    ...common,
    filter: compileFilter(excludes),
    protect: protect.globs,
    runner: new RsyncRunner(clock),
    tmpDir: common.opts.tmpDir ?? os.tmpdir(),
    ssh: masters ? { ssh: (r: Remote) => masters.control(r) } : {},
  };
  const moves = config.roots.map(() => new MoveHints());
  buildDelivery(p, c, moves);
  buildState(p, c, moves, phase);
  buildEdges(p, c);
  return p;
}

/** The brake and the lanes. */
function buildDelivery(p: Building, c: Common, moves: readonly MoveHints[]): void {
  const { config, clock, logger } = c;
  const listener: LaneListener = {
    failed: (l, f) => p.durable.laneFailed(l, f),
    cleared: (l) => p.durable.laneCleared(l),
    batchDone: (l, r) => {
      p.observability.batchDone(l, r);
      if (r.ok && r.full) p.plugin?.deliveredFullSync(l);
    },
    delivered: (l, entries) => p.plugin?.delivered(l, entries),
  };
  const brake = (p.brake = new DeletionBrake({
    config,
    clock,
    logger,
    journal: (rec) => p.durable.record(rec),
    ship: (i, entries) => p.fleet.enqueue(i, entries),
  }));
  p.fleet = new LaneFleet({
    config,
    runner: c.runner,
    clock,
    logger,
    maxRsync: c.opts.maxRsync,
    filter: c.filter,
    protect: c.protect,
    moves,
    tmpDir: c.tmpDir,
    listener,
    deletesHeld: (i) => brake.holding(i),
    ...c.ssh,
  });
}

/** Metrics and health, the journal and fail log, the intake between the watcher and the lanes. */
function buildState(p: Building, c: Common, moves: readonly MoveHints[], phase: AgentPhase): void {
  const { config, clock, logger, opts } = c;
  p.observability = new Observability({
    clock,
    version: opts.version ?? '',
    policy: opts.healthPolicy ?? healthPolicyFor(config.rsync),
    observed: {
      phase,
      roots: () => rootSnapshots(config, p),
      eventsSeen: () => p.intake.eventsSeen,
      watcherAlive: () => p.watching.watcherAlive,
      failLog: () => p.durable.records(),
      plugin: () => p.plugin?.stats() ?? null,
      verify: () => p.verifying.status(),
      missingRoots: () => p.watching.missingRoots,
    },
  });
  p.durable = new DurableState({
    config,
    stateDir: c.stateDir,
    clock,
    logger,
    reload: opts.reload === true,
    lanes: p.fleet.byRoot,
    undelivered: (i) => [p.intake.peek(i), ...p.fleet.undelivered(i)],
    fullSyncAll: (reason) => fullSyncAll(config, p, reason),
    replayed: (rec) => p.observability.replayed(rec),
    brake: p.brake,
    ...(opts.recoveryFullSync === false ? { recoveryFullSync: false } : {}),
  });
  p.intake = new Intake({
    config,
    filter: c.filter,
    clock,
    moves,
    outlet: p.fleet,
    journal: p.durable,
    count: p.observability,
    brake: p.brake,
    logger: logger.child('intake'),
  });
}

/** The watcher, the plugin, verify's repairs and the versions' retention. */
function buildEdges(p: Building, c: Common): void {
  const { config, clock, logger, opts } = c;
  p.watching = new Watching({
    config,
    stateDir: c.stateDir,
    clock,
    logger,
    onEvents: (evs, files, settled) => p.intake.onEvents(evs, files, settled),
    lost: (root) => p.intake.lost(root),
    overflowed: () => p.observability.overflow(),
    rootGone: (i) => p.fleet.rootGone(i),
    ...(opts.canaryStallSlots !== undefined ? { canary: { stallSlots: opts.canaryStallSlots } } : {}),
  });
  const firstLane = (root: string): Lane | undefined =>
    p.fleet.byRoot[config.roots.findIndex((r) => r.path === root)]?.[0];
  p.plugin = opts.plugin ? new PluginFeed(opts.plugin, config, firstLane, clock, logger) : null;
  p.verifying = new Verifying({
    config,
    runner: c.runner,
    filter: c.filter,
    protect: c.protect,
    tmpDir: c.tmpDir,
    clock,
    logger,
    laneFor: (root, remote) => p.fleet.laneFor(root, remote),
    journal: (rec) => p.durable.record(rec),
    ...c.ssh,
  });
  p.retention = new VersionsRetention({
    config,
    runner: c.runner,
    clock,
    logger,
    report: (r) => p.observability.retention(r),
    ...c.ssh,
  });
}

/** -r, <crontab>, recovery after an unclean stop: every lane of every root gets a full sync. */
export function fullSyncAll(config: SersyncConfig, p: AgentParts, reason: string): void {
  p.observability.fullSync(reason);
  config.roots.forEach((r, i) => {
    p.durable.record({ type: 'full', root: r.path });
    p.fleet.fullSync(i, reason);
  });
}

function rootSnapshots(config: SersyncConfig, p: AgentParts): AgentSnapshot['roots'] {
  const lanes = p.fleet.statuses();
  return config.roots.map((r, i) => ({
    path: r.path,
    watchedDirs: p.watching.watchedDirs[i] ?? 0,
    aggregatedPaths: p.intake.size(i),
    oldestPendingSince: p.intake.oldestPendingSince(i),
    lanes: lanes[i]!,
    brake: p.brake.status(i),
  }));
}

import type { SersyncConfig } from '../config/types.js';
import type { JournalRecord } from '../journal/codec.js';
import type { RepairLaneResult, RepairRequest } from '../status/repair-request.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { Intervals } from '../shared/intervals.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { Logger } from '../shared/logger.js';
import type { Health } from '../status/agent-health.js';
import { buildParts, fullSyncAll, type AgentOptions, type AgentParts } from './agent-parts.js';
import type { Released } from './deletion-brake.js';
import type { AgentSnapshot, AgentState, StatusDocument } from './status-doc.js';
import { defaultStateDir } from './state-dir.js';

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
 * The parts are built and wired in agent-parts.ts; a new part is one more field of AgentParts,
 * built there, plus a line in start() and one in stopIntake() or stop() here.
 */
export class Agent {
  private readonly clock: Clock;
  private readonly p: AgentParts;
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
    this.clock = opts.clock ?? systemClock;
    this.p = buildParts(
      { config, opts, logger, clock: this.clock, stateDir: opts.stateDir ?? defaultStateDir(config) },
      () => ({ started: this.started, stopping: this.stopping }),
    );
  }

  /** Starts watching, probes every remote and opens the state meanwhile, then replays what earlier runs left. */
  async start(): Promise<void> {
    const started = this.clock.now();
    await this.p.watching.begin();
    try {
      if (!this.probed) await this.p.fleet.probeAll(this.opts.earlyProbes);
      await this.p.durable.open();
      // The remotes answer and the journal is open: what changes during the rest of a big
      // tree's scan syncs now. A reload's agent waits: the running one owns the journal.
      if (!this.opts.reload) this.p.watching.flow();
      void this.p.brake.sweep();
    } catch (err) {
      // A start that fails (a remote refuses, the state is unusable) leaves no scan running:
      // the process exits, or a reload keeps the old agent.
      await this.p.watching.stop();
      throw err;
    }
    await this.p.watching.start();
    const d = this.config.debounce;
    const log = this.logger.child('watch');
    const { total, share, hosts } = this.p.fleet.rsyncCap;
    const split =
      total !== this.opts.maxRsync ? ` (-n ${this.opts.maxRsync}: ${share} for each of ${hosts} remote hosts)` : '';
    log.info(
      `debounce: ${d.delayMs} ms quiet, at most ${d.maxDelayMs} ms; at most ${total} rsync processes at once${split}`,
    );
    log.info(`ready in ${this.clock.now() - started} ms`);
    this.started = true;
    // Spawned, not awaited up: until a master answers, rsync logs in directly (ControlMaster=no).
    await this.p.masters?.start();
    // After the watches exist, so nothing changed during these syncs is missed.
    if (this.opts.initialSync) fullSyncAll(this.config, this.p, '-r');
    this.p.durable.start();
    if (this.config.crontab.enabled)
      this.schedules.every(this.config.crontab.scheduleMin * 60_000, () =>
        fullSyncAll(this.config, this.p, '<crontab>'),
      );
    this.p.observability.start();
    this.p.verifying.start();
    this.p.retention.start();
  }

  /** Stops watching, ships what is pending, waits (bounded) for in-flight batches, journals the rest. */
  async stop(timeoutMs = 30_000): Promise<StopResult> {
    if (this.stopping) return this.left(false);
    await this.stopIntake();
    // A full sync that waits (refused on an empty root, or retrying) covers changes that are not
    // counted as paths: stopping with one is not "nothing pending".
    const drained =
      (await withTimeout(
        this.p.fleet.whenSettled().then(() => this.pendingPaths() === 0 && this.p.fleet.pendingFullSyncs === 0),
        timeoutMs,
      )) ?? false;
    this.p.fleet.stop();
    await this.p.durable.close();
    await this.p.masters?.stop();
    return this.left(drained);
  }

  private left(drained: boolean): StopResult {
    return { drained, pendingPaths: this.pendingPaths(), pendingFullSyncs: this.p.fleet.pendingFullSyncs };
  }

  /** Only the probes: a new config's remotes are checked before anything of the old one stops. */
  async probe(): Promise<void> {
    await this.p.fleet.probeAll();
    this.probed = true;
  }

  /** Undo pauseLanes() (a reload that could not start). */
  resume(): void {
    this.p.fleet.resume();
  }

  /**
   * Config reload, step 1: start no new rsync and let running ones finish (bounded), while the
   * watcher keeps recording changes. Step 2 is handOver().
   */
  async pauseLanes(timeoutMs = 30_000): Promise<void> {
    await withTimeout(this.p.fleet.pause(), timeoutMs);
  }

  /**
   * Config reload, step 2: stop watching and return everything not yet delivered (the paused
   * lanes kept what the watcher and aggregator gave them meanwhile; the aggregator is drained
   * too). The journal is closed with exactly that content, so the new agent can take it over
   * (adoptJournal) without two writers on one file.
   */
  async handOver(): Promise<JournalRecord[]> {
    await this.stopIntake();
    this.p.fleet.stop();
    const records = await this.p.durable.handOver();
    await this.p.masters?.stop();
    return records;
  }

  /** Config reload, step 3: the new agent takes the journal over (durable-state.ts, adopt). */
  adoptJournal(): Promise<void> {
    return this.p.durable.adopt();
  }

  /** What the previous agent (same state dir) had not delivered; unknown roots are reported. */
  inject(records: readonly JournalRecord[], addedLanes: ReadonlySet<string>): void {
    const known = new Set(this.config.roots.map((r) => r.path));
    const dropped = new Set(
      records.filter((r) => r.type !== 'clean' && !known.has(r.root)).map((r) => (r.type === 'clean' ? '' : r.root)),
    );
    for (const root of dropped)
      this.logger.warn(`config reload: ${root} is no longer watched; its pending changes are dropped`);
    this.p.durable.recover(records, true);
    for (const l of this.p.fleet.lanes)
      if (addedLanes.has(`${l.root.path}\0${l.remote.label}`)) l.requestFullSync('a remote added by a config reload');
  }

  /** `POST /repair` (sersync-ts verify --repair while this agent runs). */
  repair(req: RepairRequest): Promise<{ readonly lanes: readonly RepairLaneResult[] } | { readonly error: string }> {
    return this.p.verifying.repair(req);
  }

  /** `sersync-ts release-deletes` (POST /release-deletes): the held deletions of one root, or all, ship. */
  releaseDeletes(root: string | null): readonly Released[] | { readonly error: string } {
    return this.p.brake.release(root);
  }

  /** `root\0remote` for every lane (to find what a reload added). */
  laneKeys(): Set<string> {
    return this.p.fleet.keys();
  }

  /** Resolves when nothing is pending in any aggregator or lane. */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.p.intake.idle && this.p.fleet.idle) return;
      await this.p.fleet.whenIdle();
      if (this.p.intake.pendingPaths > 0) await new Promise((r) => setTimeout(r, 10));
    }
  }

  snapshot(): AgentSnapshot {
    return this.p.observability.snapshot();
  }

  health(): Health {
    return this.p.observability.health();
  }

  state(): AgentState {
    return this.p.observability.state();
  }

  statusDocument(): StatusDocument {
    return this.p.observability.statusDocument();
  }

  metrics(): string {
    return this.p.observability.metrics();
  }

  /** One line per lane, for SIGUSR1 and the log. */
  statusLines(): string[] {
    return this.p.observability.statusLines();
  }

  /** No more events or timers: the watcher drains and closes, and what it saw goes to the lanes. */
  private async stopIntake(): Promise<void> {
    this.stopping = true;
    this.schedules.clear();
    this.p.durable.stop();
    this.p.observability.stop();
    await this.p.verifying.stop();
    await this.p.retention.stop();
    await this.p.watching.stop();
    this.p.intake.drain();
  }

  private pendingPaths(): number {
    return this.p.intake.pendingPaths + this.p.fleet.pendingPaths;
  }
}

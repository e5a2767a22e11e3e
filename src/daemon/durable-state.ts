import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { SersyncConfig } from '../config/types.js';
import type { FailRecord } from '../faillog/record.js';
import { FailLogStore } from '../faillog/store.js';
import type { JournalRecord } from '../journal/codec.js';
import { PendingJournal } from '../journal/journal.js';
import type { LaneFailure, LaneRef, LaneStatus } from '../lane/lane.js';
import { failRecordOf } from '../lane/report.js';
import type { Clock } from '../shared/clock.js';
import { EXIT, ExitError } from '../shared/errors.js';
import { Intervals } from '../shared/intervals.js';
import type { Logger } from '../shared/logger.js';
import { StateLock } from './state-lock.js';
import { undeliveredRecords } from './undelivered.js';

/** The journal is compacted when this many records were appended since the last checkpoint... */
const CHECKPOINT_RECORDS = 50_000;
/** ...or this often while anything was appended. */
const CHECKPOINT_MS = 10_000;

/** A lane as durable state needs it: where replayed and recovered work goes. */
export interface StateLane extends LaneRef {
  enqueue(entries: readonly PendingEntry[]): void;
  requestFullSync(reason: string): void;
  status(): Pick<LaneStatus, 'health'>;
}

interface DurableDeps {
  readonly config: SersyncConfig;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A config reload: the running agent still owns the journal until adopt(). */
  readonly reload: boolean;
  /** Lanes per root, in config order. */
  readonly lanes: readonly (readonly StateLane[])[];
  /** Everything not yet delivered, per root: what the aggregator holds, then each lane's. */
  readonly undelivered: (root: number) => readonly SyncBatch[];
  /** After an unclean stop, every root gets a full sync (agent.ts, fullSyncAll). */
  readonly fullSyncAll: (reason: string) => void;
  /**
   * False only in tests that prove the journal alone carries the changes (the recovery full sync
   * would hide a broken one); in production changes still in the kernel queue at a crash would
   * then be lost. @default true
   */
  readonly recoveryFullSync?: boolean;
  /** A fail-log entry went back into its lane (for /metrics). */
  readonly replayed: (rec: FailRecord) => void;
  /** The mass-deletion brake (deletion-brake.ts): held deletions, journaled and recovered first. */
  readonly brake?: { records(): JournalRecord[]; recover(rec: JournalRecord & { type: 'held' | 'release' }): void };
}

/**
 * Durable state: the fail log (what a down remote missed; sersync's file, but safe and replayed
 * from its records) and the journal (every change taken, so a crash loses nothing), with the
 * recovery at startup and the hand-over of a config reload.
 */
export class DurableState {
  private failLog: FailLogStore | null = null;
  private journal: PendingJournal | null = null;
  private lock: StateLock | null = null;
  private readonly intervals = new Intervals();
  private closed = false;

  constructor(private readonly deps: DurableDeps) {}

  /** Fail-log records now (for /status and /metrics). */
  records(): readonly FailRecord[] {
    return this.failLog?.records() ?? [];
  }

  /** Opens the fail log and the journal, puts back what the last run left, replays the fail log. */
  async open(): Promise<void> {
    const { config, stateDir } = this.deps;
    // A reload's new agent runs in the process that holds the lock; adopt() checks it.
    if (!this.deps.reload) this.takeLock();
    try {
      this.failLog = await FailLogStore.open(config.failLog.path, this.deps.logger.child('faillog'));
    } catch (err) {
      throw new ExitError([`${config.file}: sersync/failLog@path: ${(err as Error).message}`], EXIT.CONFIG);
    }
    // A reload: the running agent still owns the journal; adopt() takes it after its hand-over.
    if (this.deps.reload) return this.replay('startup');
    try {
      const { journal, recovered } = await PendingJournal.open(stateDir, this.deps.logger.child('journal'));
      this.journal = journal;
      this.recover(recovered.records, recovered.clean || recovered.fresh);
    } catch (err) {
      throw new ExitError([`state directory ${stateDir}: ${(err as Error).message}`], EXIT.CONFIG);
    }
    this.replay('startup');
  }

  /** The periodic replay of the fail log and compaction of the journal. */
  start(): void {
    const min = this.deps.config.failLog.timeToExecuteMin;
    this.intervals.every(min * 60_000, () => this.replay(`every ${min} min`));
    this.intervals.every(CHECKPOINT_MS, () => void this.checkpoint());
  }

  /** Stopping: no more replays or compaction (what is undelivered is written once, by close or handOver). */
  stop(): void {
    this.closed = true;
    this.intervals.clear();
  }

  /** A change taken by intake. */
  record(rec: JournalRecord): void {
    this.journal?.record(rec);
  }

  /** A burst was recorded: compact when it grew large. */
  recorded(): void {
    if (this.journal && this.journal.appended > CHECKPOINT_RECORDS) void this.checkpoint();
  }

  /** Journaled work (the last run's, or a reloaded agent's) goes back into its lanes. */
  recover(records: readonly JournalRecord[], clean: boolean): void {
    const log = this.deps.logger.child('journal');
    let paths = 0;
    // Holds first: a lane must not ship a journaled path's deletion before its hold is back.
    for (const rec of records) if (rec.type === 'held' || rec.type === 'release') this.deps.brake?.recover(rec);
    for (const rec of records) {
      if (rec.type === 'clean' || rec.type === 'held' || rec.type === 'release') continue;
      const lanes = this.lanesOf(rec.root);
      if (!lanes) continue;
      if (rec.type === 'full') for (const l of lanes) l.requestFullSync('journaled from the last run');
      else {
        paths++;
        for (const l of lanes) l.enqueue([{ path: rec.path, kind: rec.kind }]);
      }
    }
    if (paths > 0) log.info(`${paths} path(s) journaled by the last run are synced again`);
    if (clean) return;
    if (this.deps.recoveryFullSync === false) {
      log.warn(
        'the last run did not stop cleanly; the recovery full sync is off (recoveryFullSync: false): only the journal is replayed',
      );
      return;
    }
    log.warn(
      'the last run did not stop cleanly (crash, kill -9, power loss): changes still in the kernel queue then were never seen, so every root gets a full sync',
    );
    this.deps.fullSyncAll('recovery after an unclean stop');
  }

  /** Fail-log records go back into their lanes (never run through sh). A down lane keeps them. */
  replay(why: string): void {
    const store = this.failLog;
    if (!store) return;
    const log = this.deps.logger.child('faillog');
    const keptByDownLane = new Map<StateLane, { entries: number; paths: number }>();
    for (const rec of store.records()) {
      const lane = this.lanesOf(rec.root)?.find((l) => l.remote.label === rec.remote);
      if (!lane) {
        log.warn(
          `fail log entry for ${rec.root} -> ${rec.remote} matches no configured remote; kept (run it by hand with sh, or delete it)`,
        );
        continue;
      }
      if (lane.status().health === 'down') {
        // Its probe replays everything the moment the remote answers; say so once per lane and tick.
        const kept = keptByDownLane.get(lane) ?? { entries: 0, paths: 0 };
        keptByDownLane.set(lane, { entries: kept.entries + 1, paths: kept.paths + rec.paths.length });
        continue;
      }
      log.info(
        `replaying ${rec.full ? 'a full sync' : `${rec.paths.length} path(s)`} for ${rec.root} -> ${rec.remote} (${why})`,
      );
      this.deps.replayed(rec);
      if (rec.full) lane.requestFullSync(`fail log (${why})`);
      else lane.enqueue(rec.paths.map((p): PendingEntry => ({ path: p, kind: 'path' })));
    }
    for (const [lane, kept] of keptByDownLane) {
      log.info(
        `fail-log replay (${why}): ${lane.root.path} -> ${lane.remote.label} still down, ${kept.entries} entr${kept.entries === 1 ? 'y' : 'ies'} (${kept.paths} path(s)) kept`,
      );
    }
  }

  /** A lane is down: what it could not deliver goes to the fail log. */
  laneFailed(lane: LaneRef, f: LaneFailure): void {
    const record = failRecordOf(lane, f, this.deps.clock.wallNow());
    this.failLog
      ?.add(record)
      .catch((err: unknown) =>
        this.deps.logger.error(`cannot write the fail log ${this.deps.config.failLog.path}: ${String(err)}`),
      );
  }

  /** A lane delivered everything: its fail-log entries go. */
  laneCleared(lane: LaneRef): void {
    const store = this.failLog;
    if (!store?.records().some((r) => r.root === lane.root.path && r.remote === lane.remote.label)) return;
    store.remove(lane.root.path, lane.remote.label).then(
      () =>
        this.deps.logger
          .child('faillog')
          .info(`${lane.root.path} -> ${lane.remote.label}: delivered; its fail log entries are removed`),
      (err: unknown) =>
        this.deps.logger.error(`cannot rewrite the fail log ${this.deps.config.failLog.path}: ${String(err)}`),
    );
  }

  /** Everything not yet delivered, as journal records (each path once per root). */
  undelivered(): JournalRecord[] {
    const held = this.deps.brake?.records() ?? [];
    return [
      ...held,
      ...undeliveredRecords(
        this.deps.config.roots.map((r, i) => ({ root: r.path, batches: this.deps.undelivered(i) })),
      ),
    ];
  }

  /** Stop: the journal is closed holding exactly what is undelivered. */
  async close(): Promise<void> {
    await this.journal?.close(this.undelivered());
    this.lock?.release();
  }

  /** Reload, the old agent: closes the journal with what is undelivered and returns it for the new one. */
  async handOver(): Promise<JournalRecord[]> {
    const records = this.undelivered();
    const journal = this.journal;
    this.journal = null;
    await journal?.close(records);
    return records;
  }

  /**
   * Reload, the new agent: it opens the state dir's journal only now, after the old agent closed
   * it, and writes what it holds (the carried-over items included).
   */
  async adopt(): Promise<void> {
    if (this.journal || !this.deps.reload) return;
    try {
      this.takeLock();
      const { journal } = await PendingJournal.open(this.deps.stateDir, this.deps.logger.child('journal'));
      this.journal = journal;
    } catch (err) {
      this.deps.logger
        .child('journal')
        .error(`state directory ${this.deps.stateDir}: ${(err as Error).message}; pending paths are not journaled`);
      return;
    }
    await this.journal.checkpoint(this.undelivered());
  }

  /** One agent per state directory (state-lock.ts); this process may hold it already (a reload). */
  private takeLock(): void {
    const { stateDir } = this.deps;
    let got: ReturnType<typeof StateLock.take>;
    try {
      got = StateLock.take(stateDir);
    } catch (err) {
      throw new ExitError([`state directory ${stateDir}: ${(err as Error).message}`], EXIT.CONFIG);
    }
    if (!(got instanceof StateLock)) {
      throw new ExitError(
        [
          `state directory ${stateDir}: another sersync-ts (pid ${got.pid}) is running on it (${got.file}), and two agents would both write its journal: stop that one first, or give this one its own --state-dir and <failLog path>`,
        ],
        EXIT.FAILURE,
      );
    }
    this.lock = got;
  }

  private lanesOf(root: string): readonly StateLane[] | undefined {
    const i = this.deps.config.roots.findIndex((r) => r.path === root);
    return i < 0 ? undefined : this.deps.lanes[i];
  }

  private async checkpoint(): Promise<void> {
    if (!this.journal || this.closed || this.journal.appended === 0) return;
    // A failed compaction (disk full) keeps the old journal, which still holds everything.
    await this.journal
      .checkpoint(this.undelivered())
      .catch((err: unknown) =>
        this.deps.logger
          .child('journal')
          .error(`cannot compact the journal in ${this.deps.stateDir}: ${String(err)}; will try again`),
      );
  }
}

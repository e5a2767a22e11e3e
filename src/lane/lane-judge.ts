/**
 * What a lane's finished batch, probe or stuck check means: the verdict the machine
 * (lane-machine.ts) gets, and the record of it (health, stats, the failure the fail log names,
 * the lines operators read). Split from lane.ts, which performs the actions: this part only
 * judges and reports, it starts nothing.
 */
import fs from 'node:fs/promises';
import type { SyncBatch } from '../aggregate/types.js';
import type { Logger } from '../shared/logger.js';
import { toText } from '../shared/bytepath.js';
import { succeeded } from '../rsync/exit-codes.js';
import { refusalContext } from '../rsync/refusals.js';
import {
  DEFAULT_LANE_HEALTH,
  HealthRules,
  type FailureCause,
  type HealthRecord,
  type Judged,
  type ProbeAnswer,
} from './lane-health.js';
import type { Verdict } from './lane-state.js';
import { biggestFile } from './large-look.js';
import { blockedNote, failureLine, summarizeRun } from './report.js';
import { fullLine, splitNoRoom } from './room.js';
import type { TransferOutcome } from './transfer.js';
import type { LaneDeps, LaneRef } from './types.js';
import type { LaneWork } from './work.js';

/** A refused full sync (empty root) is retried this often until the root has content again. */
const REFUSED_RETRY_MS = 5000;

type BlockCause = Exclude<FailureCause, 'transient'>;

/** A verdict and the health record as judged: both go to the machine in one event. */
type Judgement = Judged<Verdict>;

/**
 * Every judgement starts from the lane's health record (its one state holds it) and returns the
 * next one: the judge keeps no health of its own.
 */
export class LaneJudge {
  private readonly rules: HealthRules;
  readonly stats = {
    batches: 0,
    rsyncRuns: 0,
    fullSyncs: 0,
    lastFullSyncAt: null as number | null,
    lastSuccessAt: null as number | null,
    lastError: null as string | null,
  };
  /** The failure the fail log names (exit code and reason). */
  lastFailure: { exitCode: number; reason: string } = { exitCode: -1, reason: '' };
  private lastLoggedExit: number | null = null;
  private refusedLogged = false;

  constructor(
    private readonly deps: LaneDeps,
    private readonly lane: LaneRef,
    private readonly work: LaneWork,
    private readonly log: Logger,
    private readonly name: string,
  ) {
    this.rules = new HealthRules(deps.health ?? DEFAULT_LANE_HEALTH, deps.random ?? Math.random);
  }

  /**
   * Reports a finished batch (log, stats, listener) and asks the health rules what comes next.
   * Synchronous, on purpose: `h` is the lane's health as it is now, and the verdict's health
   * replaces it when dispatched; an await in between would let a large-slot batch, a probe or a
   * root-missing block land meanwhile and be overwritten (a lost update).
   */
  judge(
    h: HealthRecord,
    batch: SyncBatch,
    slot: 'main' | 'large',
    outcome: TransferOutcome,
    startedAt: number,
    rootGone: boolean,
  ): Judgement {
    // Big files found in a main batch: they go through the large-file slot instead.
    const large = outcome.kind !== 'refused' && outcome.large ? new Set(outcome.large.map((e) => e.path)) : null;
    if (outcome.kind !== 'refused' && outcome.large) {
      this.work.large.hold(outcome.large, this.deps.clock.now());
      this.log.debug(
        () =>
          `${outcome.large!.length} big or still written file(s) wait for the large-file slot: ${outcome.large!.map((e) => JSON.stringify(toText(e.path))).join(' ')}`,
      );
    }
    if (outcome.kind === 'nothing') return this.succeeded(h);
    if (outcome.kind === 'refused') return this.refusedFullSync(h, outcome.reason, rootGone, startedAt);
    this.refusedLogged = false;
    this.stats.batches++;
    this.stats.rsyncRuns += outcome.rsyncRuns;
    const { result } = outcome;
    const run = summarizeRun(
      this.name,
      { full: batch.fullSync, large: slot === 'large', paths: outcome.paths, rsyncRuns: outcome.rsyncRuns },
      result,
      refusalContext(this.deps.config.rsync, this.deps.remote, { configFile: this.deps.config.file }),
    );
    this.deps.listener.batchDone(this.lane, run.report);
    if (run.report.ok) {
      if (batch.fullSync) {
        this.stats.fullSyncs++;
        this.stats.lastFullSyncAt = this.deps.clock.wallNow();
      }
      this.log.info(run.line);
      if (!batch.fullSync)
        this.deps.listener.delivered(
          this.lane,
          large ? batch.entries.filter((e) => !large.has(e.path)) : batch.entries,
        );
      return this.succeeded(h);
    }
    if (run.refusal?.kind === 'full' && !batch.fullSync && !rootGone)
      return this.noRoom(h, batch, result.stderr, run.refusal.line);
    this.work.requeue(batch);
    if (rootGone || run.refusal?.kind === 'refused')
      return this.blockedBy(
        h,
        rootGone ? 'root-missing' : 'refused',
        run.refusal?.line ?? '',
        result.exitCode,
        startedAt,
        rootGone ? '' : `${run.line}; `,
      );
    return this.failed(h, run, result.exitCode, startedAt);
  }

  /** A batch failed (not refused, not out of room): the rules say retry or down; logged once per change. */
  private failed(
    h: HealthRecord,
    run: ReturnType<typeof summarizeRun>,
    exitCode: number,
    startedAt: number,
  ): Judgement {
    this.stats.lastError = `exit ${exitCode}: ${run.reason}`;
    this.lastFailure = { exitCode, reason: run.reason };
    const { health, decision } = this.rules.failure(h, this.deps.clock.now(), startedAt);
    const attempts = health.failures;
    // Logged when the failure changes (or the lane goes down), not on every repeat.
    const loud =
      this.lastLoggedExit !== exitCode ||
      (decision.kind === 'down' && attempts === this.rules.policy.attemptsBeforeDown);
    const msg = failureLine(run, decision, attempts);
    if (!loud) this.log.debug(msg);
    else if (run.config) this.log.error(run.refusal ? msg : `${msg} (check the config or the remote)`);
    else this.log.warn(msg);
    this.lastLoggedExit = exitCode;
    return { decision, health };
  }

  /** A full sync refused to run: the root is gone, or empty (never wipe the remote from it). */
  private refusedFullSync(h: HealthRecord, reason: string, rootGone: boolean, startedAt: number): Judgement {
    this.work.requeue({ fullSync: true, entries: [] });
    if (rootGone) return this.blockedBy(h, 'root-missing', '', -1, startedAt);
    // Try again later: the root may fill up.
    this.stats.lastError = reason;
    if (!this.refusedLogged) this.log.error(`${reason}; will check again every ${REFUSED_RETRY_MS / 1000} s`);
    this.refusedLogged = true;
    return { decision: { kind: 'refused', retryInMs: REFUSED_RETRY_MS }, health: h };
  }

  /** After a batch, once its slot let go of its files: a receiver that was full takes everything again (logged once). */
  noteRoom(j: Judgement): Judgement {
    if (j.decision.kind !== 'ok' || this.work.large.deferredCount > 0) return j;
    const { health, decision: wasFull } = this.rules.room(j.health);
    if (wasFull) this.log.info(`${this.deps.remote.label} has room again: the files that did not fit are delivered`);
    return { decision: j.decision, health };
  }

  /**
   * Blocked without a failed batch of its own (Lane.block): when to probe and the record, or
   * null when the lane is blocked so already.
   */
  block(h: HealthRecord, cause: BlockCause, answer: string): { probeInMs: number; health: HealthRecord } | null {
    if (h.state === cause) return null;
    const now = this.deps.clock.now();
    const { health, decision: d } = this.rules.failure(h, now, now, cause);
    const probeInMs = d.kind === 'down' ? d.probeInMs : 0;
    this.noteBlocked(true, cause, answer, -1, probeInMs);
    return { probeInMs, health };
  }

  /** A blocked lane's probe answered (or not): logs the change, says whether to send again. */
  probed(
    h: HealthRecord,
    answer: ProbeAnswer | boolean,
    rootMissing: boolean,
  ): { recovered: boolean; probeInMs: number; health: HealthRecord } {
    const { health, decision: d } = this.rules.probe(h, answer);
    if (d.kind === 'recovered')
      this.log.info(
        rootMissing
          ? `watched root ${this.deps.root.path} is back: sending what is pending`
          : `${this.deps.remote.label} answers again: sending everything pending now`,
      );
    else if (health.state !== h.state)
      this.log.warn(
        `${this.deps.remote.label}: ${health.state === 'down' ? 'no longer refuses but does not answer either: down' : 'now refuses'}`,
      );
    return { recovered: d.kind === 'recovered', probeInMs: d.kind === 'stay-down' ? d.probeInMs : 0, health };
  }

  /** The stuck check found the remote silent: the reason the fail log and status give. */
  silent(reason: string): void {
    this.lastFailure = { exitCode: -1, reason };
    this.stats.lastError = reason;
  }

  /**
   * The receiver had no room: the files it named (else the batch's biggest) wait in the large
   * file slot until the backoff says, the rest goes back to the main slot at once, so what fits
   * arrives. Deletions go first while the lane is full (they free space: lane.send).
   */
  private noRoom(h: HealthRecord, batch: SyncBatch, stderr: string, refusal: string): Judgement {
    const { held, rest } = splitNoRoom(batch.entries, stderr, (es) => biggestFile(this.deps.root.path, es));
    const { health, decision: retryInMs } = this.rules.full(h);
    const first = this.work.large.deferredCount === 0;
    this.work.requeue({ fullSync: false, entries: rest });
    this.work.large.defer(held, this.deps.clock.now() + retryInMs);
    const line = fullLine(this.deps.remote.label, refusal, this.work.large.deferredCount, retryInMs);
    this.stats.lastError = line;
    if (first) this.log.warn(`${line}: ${held.map((e) => JSON.stringify(toText(e.path))).join(' ')}`);
    else this.log.debug(line);
    return { decision: { kind: 'full' }, health };
  }

  /** A batch failed because the receiver refused or the root is gone: blocked at once, probed until fixed. */
  private blockedBy(
    h: HealthRecord,
    cause: BlockCause,
    answer: string,
    exitCode: number,
    startedAt: number,
    batchLine = '',
  ): Judgement {
    const { health, decision: d } = this.rules.failure(h, this.deps.clock.now(), startedAt, cause);
    const probeInMs = d.kind === 'down' ? d.probeInMs : 0;
    this.noteBlocked(h.state !== cause, cause, answer, exitCode, probeInMs, batchLine);
    this.lastLoggedExit = exitCode;
    return { decision: { kind: 'down', probeInMs }, health };
  }

  /** The line (loud once, when the lane becomes blocked so) and the reason status and the fail log show. */
  private noteBlocked(
    loud: boolean,
    cause: BlockCause,
    answer: string,
    exitCode: number,
    probeInMs: number,
    batchLine = '',
  ): void {
    const { reason, line } = blockedNote(cause, this.deps.root.path, this.deps.remote.label, answer, probeInMs);
    this.lastFailure = { exitCode, reason };
    this.stats.lastError = reason;
    if (loud) this.log.error(`${batchLine}${line}`);
    else this.log.debug(`${batchLine}${line}`);
  }

  private succeeded(h: HealthRecord): Judgement {
    const { health, decision: recovered } = this.rules.success(h);
    if (recovered) this.log.info(`${this.deps.remote.label} is back: delivered after earlier failures`);
    this.lastLoggedExit = null;
    this.stats.lastSuccessAt = this.deps.clock.wallNow();
    if (this.work.catchUp()) this.deps.listener.cleared(this.lane);
    return { decision: { kind: 'ok' }, health };
  }
}

/** The root (or any path) is a directory now. */
export async function isDirectory(path: string): Promise<boolean> {
  return fs.stat(path).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

/** The transfer failed (ran and failed, or refused to run). */
export function failed(outcome: TransferOutcome): boolean {
  return outcome.kind === 'refused' || (outcome.kind === 'ran' && !succeeded(outcome.result));
}

/** The transfer threw (it should not): judged as a run that could not start. */
export function threw(err: unknown): TransferOutcome {
  const text = String(err);
  const result = { exitCode: -1, signal: null, stderr: text, durationMs: 0, bytesSent: null, filesTransferred: null };
  return { kind: 'ran', result: { ...result, spawnError: text }, paths: 0, rsyncRuns: 0 };
}

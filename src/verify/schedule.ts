import type { PendingEntry } from '../aggregate/types.js';
import type { Remote, WatchRoot } from '../config/types.js';
import { compareLane, type CompareDeps, type CompareResult } from './compare.js';
import { driftSampleLine, oneLine } from './format.js';
import { formatRepair, type RepairOutcome } from './repair.js';
import { driftCount, type VerifyReport } from './report.js';
import type { LaneVerifyStatus, VerifyStatus } from './status.js';

/**
 * When the scheduled verify runs. Pure: time is a parameter. The first run is one period after
 * the start (the agent's own `-r` full sync comes first); each next one a period after the last
 * FINISHED, so runs never overlap, and a run that takes long (it reads both trees in full) never
 * makes runs back to back.
 */
export class VerifyCadence {
  private next = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(private readonly everyMs: number) {}

  start(now: number): void {
    this.next = now + this.everyMs;
  }

  /** The next run's time; null while one runs (the next is planned when it finishes). */
  nextDeadline(): number | null {
    return this.running || this.next === Number.POSITIVE_INFINITY ? null : this.next;
  }

  /** Starts a run when one is due at `now` and none is running. */
  tryStart(now: number): boolean {
    if (this.running || now < this.next) return false;
    this.running = true;
    return true;
  }

  finished(now: number): void {
    this.running = false;
    this.next = now + this.everyMs;
  }
}

export interface VerifyScheduleDeps extends CompareDeps {
  /** A full sync runs or waits on this lane: its check is skipped this time (it would only see the sync's own work). */
  readonly busy: (root: string, remote: string) => boolean;
  /** Sends drift through the agent's own lane; resolves once delivered, the lane is down, or `signal` aborts (stop). */
  readonly repair: (
    root: string,
    remote: string,
    entries: readonly PendingEntry[],
    signal: AbortSignal,
  ) => Promise<RepairOutcome>;
  /** @default compareLane */
  readonly compare?: (root: WatchRoot, remote: Remote, signal: AbortSignal) => Promise<CompareResult>;
}

/** setTimeout's limit (about 24.8 days): a longer wait is armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `<verify schedule="MIN">` in the running agent: every (root, remote) is compared by content,
 * one at a time (each comparison reads both trees in full: several at once would only compete
 * for the same disks), and the result goes to /status, /metrics and, on drift, a warning line
 * naming the paths.
 *
 * It repairs by itself (unless `repair="false"`): a mirror agent that found its remote different
 * from the root has one job, to make it the same, and it already owns the lanes that do that with
 * every rule of a sync (filter, protect, the fail log while the remote is down). The warning line
 * still names what drifted, so the operator learns that something changes the remote (or that
 * events were lost). `repair="false"` only reports, e.g. to find out who writes there first.
 */
export class VerifySchedule {
  private readonly cadence: VerifyCadence;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private abort = new AbortController();
  private stopped = false;
  private readonly lanes = new Map<string, LaneVerifyStatus>();
  private runs = 0;
  private lastStartedAt: number | null = null;
  private lastFinishedAt: number | null = null;

  constructor(private readonly deps: VerifyScheduleDeps) {
    this.cadence = new VerifyCadence(deps.config.verify.scheduleMin * 60_000);
  }

  start(): void {
    this.cadence.start(this.deps.clock.now());
    this.deps.logger.info(
      `scheduled verify every ${this.deps.config.verify.scheduleMin} min${this.deps.config.verify.repair ? ', repairing what differs' : ', report only (repair="false")'}`,
    );
    this.arm();
  }

  /** No new run; a running one is ended (its rsync aborted, a repair's wait ended: the lane keeps the paths) and waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.current;
  }

  /** The pass the timer starts, now (tests, and an operator's future trigger). */
  runNow(): Promise<void> {
    if (!this.cadence.tryStart(Number.POSITIVE_INFINITY)) return this.current ?? Promise.resolve();
    return this.run();
  }

  status(): VerifyStatus {
    const v = this.deps.config.verify;
    const order = this.deps.config.roots.flatMap((r) => r.remotes.map((x) => `${r.path}\0${x.label}`));
    return {
      scheduleMin: v.scheduleMin,
      repair: v.repair,
      running: this.current !== null,
      runs: this.runs,
      lastStartedAt: this.lastStartedAt,
      lastFinishedAt: this.lastFinishedAt,
      lanes: order.map((k) => this.lanes.get(k)).filter((l): l is LaneVerifyStatus => l !== undefined),
    };
  }

  private arm(): void {
    const due = this.cadence.nextDeadline();
    if (this.stopped || due === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (this.cadence.tryStart(this.deps.clock.now())) void this.run();
        else this.arm();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, due - this.deps.clock.now())),
    );
    this.timer.unref();
  }

  private run(): Promise<void> {
    const wall = (): number => this.deps.clock.wallNow();
    this.lastStartedAt = wall();
    this.current = this.pass()
      .catch((err: unknown) =>
        this.deps.logger.error(`scheduled verify failed: ${(err as Error).stack ?? String(err)}`),
      )
      .finally(() => {
        this.current = null;
        this.runs++;
        this.lastFinishedAt = wall();
        this.cadence.finished(this.deps.clock.now());
        this.arm();
      });
    return this.current;
  }

  private async pass(): Promise<void> {
    const { deps } = this;
    const wall = (): number => deps.clock.wallNow();
    const compare =
      deps.compare ??
      ((root: WatchRoot, remote: Remote, signal: AbortSignal) => compareLane(deps, root, remote, signal));
    for (const root of deps.config.roots) {
      for (const remote of root.remotes) {
        if (this.stopped) return;
        const key = `${root.path}\0${remote.label}`;
        const before = this.lanes.get(key);
        const base = { root: root.path, remote: remote.label, report: before?.report ?? null, repair: null };
        if (deps.busy(root.path, remote.label)) {
          this.lanes.set(key, {
            ...base,
            result: 'skipped',
            at: wall(),
            reason: 'a full sync runs or waits on this lane',
          });
          continue;
        }
        const { verdict, repair } = await compare(root, remote, this.abort.signal);
        if (this.stopped) return;
        if (verdict.kind === 'unchecked') {
          deps.logger.warn(`verify ${root.path} -> ${remote.label}: cannot be checked: ${oneLine(verdict.reason)}`);
          this.lanes.set(key, { ...base, result: 'unchecked', at: wall(), reason: verdict.reason });
          continue;
        }
        const r = verdict.report;
        const n = driftCount(r);
        const status: LaneVerifyStatus = {
          ...base,
          report: r,
          result: n === 0 ? 'identical' : 'drift',
          at: wall(),
          reason: null,
        };
        this.lanes.set(key, status);
        if (n === 0) {
          deps.logger.info(
            `verify ${root.path} -> ${remote.label}: identical (${r.checkedFiles ?? '?'} entries, ${(r.durationMs / 1000).toFixed(1)} s)`,
          );
          continue;
        }
        deps.logger.warn(`verify ${root.path} -> ${remote.label}: ${driftLine(r, n, deps.config.verify.repair)}`);
        if (!deps.config.verify.repair) continue;
        const outcome = await deps.repair(root.path, remote.label, repair, this.abort.signal);
        if (this.stopped) return;
        this.lanes.set(key, { ...status, repair: outcome });
        const line = `verify: ${formatRepair(outcome, 'through the lane')}`;
        if (outcome.delivered) deps.logger.info(line);
        else deps.logger.warn(line);
      }
    }
  }
}

/** A drifted lane's warning: how many paths, of which kinds, a sample, and whether they are repaired. */
function driftLine(r: VerifyReport, n: number, repairing: boolean): string {
  const kinds = `${r.differs.count} differ, ${r.missing.count} missing, ${r.extra?.count ?? 0} extra`;
  const then = repairing
    ? 'repairing them through the lane'
    : 'not repaired (<verify repair="false">; sersync-ts verify --repair does it)';
  return `${n} path${n === 1 ? '' : 's'} drifted (${kinds}): ${driftSampleLine(r)}; ${then}`;
}

/**
 * A lane's watch over its running rsyncs: the progress of a long full sync (logged every few
 * seconds) and the stuck check's look (stuck-check.ts), when the lane's machine says one is due
 * (lane-state.ts StuckWatch, on the lane's one timer). What the stuck check finds is handed back
 * through `StuckHooks` (end the rsyncs here, the fail log there).
 */
import type { TransferProgress } from '../rsync/progress.js';
import type { Logger } from '../shared/logger.js';
import { progressLine } from './report.js';
import { SLOW_BATCH_MS, StuckCheck } from './stuck-check.js';
import type { LaneDeps } from './types.js';

/** A long full sync logs its progress this often. */
const PROGRESS_LOG_MS = 5000;

/** What the stuck check needs of its lane. */
interface StuckHooks {
  /** When the oldest rsync now running started (null: none, or the lane is stopped). */
  oldestRunStart(): number | null;
  /** An rsync still runs and the lane is not stopped (checked again after the probe's answer). */
  stillRunning(): boolean;
  /** The remote is silent: `reason` goes to status, and what is pending and in flight to the fail log. */
  silent(reason: string): void;
}

export class RunWatch {
  progress: (TransferProgress & { startedAt: number }) | null = null;
  private progressLoggedAt = 0;
  private readonly stuck = new StuckCheck();
  /** One per rsync batch running now (either slot): aborting it ends that rsync. */
  private readonly running = new Set<AbortController>();

  constructor(
    private readonly deps: LaneDeps,
    private readonly log: Logger,
    private readonly name: string,
    private readonly hooks: StuckHooks,
  ) {}

  /** An rsync batch starts: its abort handle. */
  begin(): AbortController {
    const abort = new AbortController();
    this.running.add(abort);
    return abort;
  }

  end(abort: AbortController): void {
    this.running.delete(abort);
  }

  onProgress(p: TransferProgress, since: number | null): void {
    const now = this.deps.clock.now();
    this.progress = { ...p, startedAt: this.progress?.startedAt ?? since ?? now };
    if (now - this.progressLoggedAt >= PROGRESS_LOG_MS && now - (since ?? now) >= PROGRESS_LOG_MS) {
      this.progressLoggedAt = now;
      this.log.info(progressLine(this.name, p));
    }
  }

  /**
   * The stuck check's look: once the oldest rsync running has run SLOW_BATCH_MS, does the remote
   * still answer? (stuck-check.ts) Resolves to the ms until the next look; never rejects.
   */
  async look(): Promise<number> {
    const look = this.stuck.look(this.deps.clock.now(), this.hooks.oldestRunStart());
    if (look.kind === 'none') return SLOW_BATCH_MS;
    if (look.kind === 'later') return look.inMs;
    const answers = await (
      this.deps.liveness ? this.deps.liveness() : this.deps.probe().then((r) => r === true || r === 'ok')
    ).catch(() => false);
    if (!this.hooks.stillRunning()) return SLOW_BATCH_MS;
    const timeoutOff = this.deps.config.rsync.timeoutSec === null;
    const v = this.stuck.answered(answers, !timeoutOff, look.ageMs);
    if (v.kind === 'end-rsync') {
      // The failure then takes the usual way (retry, down, fail log).
      this.log.warn(
        `${this.deps.remote.label}: no answer for ${v.silentMs / 1000} s while an rsync runs: ending it (set <timeout> to leave this to rsync's --timeout)`,
      );
      for (const a of this.running) a.abort();
    } else if (v.kind === 'fail-log') {
      const then = timeoutOff ? 'the rsync is ended if it stays silent' : 'the rsync keeps its own --timeout';
      this.log.warn(
        `${this.deps.remote.label}: ${v.reason}; what is pending and in flight goes to the fail log (${then})`,
      );
      this.hooks.silent(v.reason);
    }
    return SLOW_BATCH_MS;
  }
}

import type { RsyncConfig } from '../config/types.js';

/** One rsync run in flight (a lane's batch or full sync), as the health check sees it. */
export interface RunInFlight {
  /** `root -> remote`, for the reason text. */
  readonly lane: string;
  readonly kind: 'batch' | 'full';
  /** When the run started. */
  readonly since: number;
  /**
   * When its --info=progress2 output last changed (bytes, files, files checked); `since` until
   * the first progress line. Only full syncs report progress: a batch's is always `since`.
   */
  readonly advancedAt: number;
}

/** The agent's health, as data: what /healthz, WATCHDOG=1 and the supervisor's heartbeat use. */
interface HealthInput {
  readonly now: number;
  /** How late the last event-loop tick ran (ms). */
  readonly loopLagMs: number;
  readonly watcherAlive: boolean;
  readonly runs: readonly RunInFlight[];
  /** Watched roots that are missing (deleted, unmounted): the agent waits for them. */
  readonly missingRoots?: readonly string[];
}

export interface AgentHealthPolicy {
  /** The event loop must answer within this. @default 5000 (ms) */
  readonly maxLoopLagMs: number;
  /** A batch (no progress output) running longer than this is stuck. */
  readonly maxBatchMs: number;
  /** A full sync whose progress has not advanced for this long is stuck (however long it ran). */
  readonly maxStallMs: number;
}

/** Without `<rsync><timeout>`: the stuck limit of a batch, and of a full sync without progress. */
export const DEFAULT_STUCK_MS = 3600_000;
/**
 * With `<timeout start="true" time="T">` rsync itself gives up after T s without I/O; a run that
 * has not finished (batch) or advanced (full sync) for STALL_FACTOR × T is past its timeout. The
 * 1 h floor stays: checking a big unchanged tree, or one large file in a batch, legitimately
 * shows nothing for a while, and a false "stuck" makes systemd restart a working agent.
 */
export const STALL_FACTOR = 3;

export const DEFAULT_AGENT_HEALTH_POLICY: AgentHealthPolicy = {
  maxLoopLagMs: 5000,
  maxBatchMs: DEFAULT_STUCK_MS,
  maxStallMs: DEFAULT_STUCK_MS,
};

/**
 * The health policy for a config: the stuck limits derive from `<rsync><timeout time>`. (A test
 * that needs a shorter limit gives the agent its own policy: AgentOptions.healthPolicy.)
 */
export function healthPolicyFor(rsync: Pick<RsyncConfig, 'timeoutSec'>): AgentHealthPolicy {
  const limit = Math.max(DEFAULT_STUCK_MS, rsync.timeoutSec !== null ? STALL_FACTOR * rsync.timeoutSec * 1000 : 0);
  return { ...DEFAULT_AGENT_HEALTH_POLICY, maxBatchMs: limit, maxStallMs: limit };
}

export interface Health {
  /** Everything works (/healthz 200, /status `healthy`). */
  readonly ok: boolean;
  readonly reasons: readonly string[];
  /**
   * The process itself works (no stuck loop, watcher or rsync): what the systemd watchdog and
   * the -d supervisor's heartbeat follow. A missing root is not ok but live: a restart cannot
   * bring it back (and the restart would stop at the config check), so the agent waits for it.
   */
  readonly live: boolean;
}

function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Pure: a remote being down is NOT unhealthy (the agent is doing its job); being stuck is. */
export function assessHealth(h: HealthInput, policy: AgentHealthPolicy = DEFAULT_AGENT_HEALTH_POLICY): Health {
  const reasons: string[] = [];
  if (h.loopLagMs > policy.maxLoopLagMs) reasons.push(`event loop blocked for ${h.loopLagMs} ms`);
  if (!h.watcherAlive) reasons.push('the watcher is not running');
  for (const r of h.runs) {
    if (r.kind === 'batch' && h.now - r.since > policy.maxBatchMs) {
      reasons.push(
        `${r.lane}: batch rsync running for ${duration(h.now - r.since)} (stuck limit ${duration(policy.maxBatchMs)})`,
      );
    } else if (r.kind === 'full' && h.now - r.advancedAt > policy.maxStallMs) {
      reasons.push(
        `${r.lane}: full sync has made no progress for ${duration(h.now - r.advancedAt)} (stuck limit ${duration(policy.maxStallMs)}; running for ${duration(h.now - r.since)})`,
      );
    }
  }
  const live = reasons.length === 0;
  for (const root of h.missingRoots ?? []) reasons.push(`watched root ${root} is missing`);
  return { ok: reasons.length === 0, reasons, live };
}

/** What of a progress report counts as moving: any of these numbers changed. */
interface ProgressMark {
  readonly bytes: number;
  readonly files: number;
  readonly toCheck: number | null;
  readonly total: number | null;
}

/**
 * Remembers, per lane, when a run's progress last changed. The agent samples every lane's
 * status often (its 500 ms loop tick and every health check), so "advanced" is accurate to
 * that sampling. A new run (another `since`) starts afresh.
 */
export class ProgressWatch {
  private readonly seen = new Map<string, { since: number; mark: string; at: number }>();

  /** When the run of `lane` (started `since`, now showing `progress`) last advanced. */
  observe(lane: string, since: number | null, progress: ProgressMark | null, now: number): number | null {
    if (since === null) {
      this.seen.delete(lane);
      return null;
    }
    const mark = progress ? `${progress.bytes}/${progress.files}/${progress.toCheck}/${progress.total}` : '';
    const prev = this.seen.get(lane);
    if (prev && prev.since === since && prev.mark === mark) return prev.at;
    // A fresh run starts at `since`; a changed mark moved now.
    const at = prev && prev.since === since ? now : mark === '' ? since : now;
    this.seen.set(lane, { since, mark, at });
    return at;
  }
}

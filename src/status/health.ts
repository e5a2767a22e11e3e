/** The agent's health, as data: what /healthz, WATCHDOG=1 and the supervisor's heartbeat use. */
export interface HealthInput {
  readonly now: number;
  /** How late the last event-loop tick ran (ms). */
  readonly loopLagMs: number;
  readonly watcherAlive: boolean;
  /** Per lane: when its current rsync started (null when none is running). */
  readonly inFlightSince: readonly (number | null)[];
}

export interface HealthPolicy {
  /** The event loop must answer within this. @default 5000 (ms) */
  readonly maxLoopLagMs: number;
  /** No single rsync may run longer than this before the agent counts as stuck. @default 6 h */
  readonly maxBatchMs: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { maxLoopLagMs: 5000, maxBatchMs: 6 * 3600_000 };

export interface Health {
  readonly ok: boolean;
  readonly reasons: readonly string[];
}

/** Pure: a remote being down is NOT unhealthy (the agent is doing its job); being stuck is. */
export function assessHealth(h: HealthInput, policy: HealthPolicy = DEFAULT_HEALTH_POLICY): Health {
  const reasons: string[] = [];
  if (h.loopLagMs > policy.maxLoopLagMs) reasons.push(`event loop blocked for ${h.loopLagMs} ms`);
  if (!h.watcherAlive) reasons.push('the watcher is not running');
  const stuck = h.inFlightSince.filter((t) => t !== null && h.now - t > policy.maxBatchMs).length;
  if (stuck > 0) reasons.push(`${stuck} rsync run(s) going for more than ${Math.round(policy.maxBatchMs / 60000)} min`);
  return { ok: reasons.length === 0, reasons };
}

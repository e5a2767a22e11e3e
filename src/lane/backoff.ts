/** Retry spacing for a lane: exponential with "full jitter", capped. Pure: randomness is passed in. */
export interface BackoffPolicy {
  /** First retry after about this long. @default 500 (ms) */
  readonly baseMs: number;
  /** Never wait longer than this between attempts. @default 30000 (ms) */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): a random value in [exp/2, exp] where
 * exp = min(cap, base * 2^(attempt-1)). Half-jitter keeps retries spread out (many lanes hitting
 * one recovering daemon) without ever retrying instantly.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/**
 * Retry spacing, one rule for every retry loop (lanes, the -d supervisor, ssh masters, unwatched
 * directories, the http/socket/refreshCDN plugins): exponential from a base, capped, optionally
 * half-jittered. Pure: randomness is passed in.
 */
export interface BackoffPolicy {
  /** First retry after about this long. */
  readonly baseMs: number;
  /** Never wait longer than this between attempts. */
  readonly capMs: number;
}

/** A lane's retries. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): exp = min(cap, base * 2^(attempt-1)).
 * With `random`, a value in [exp/2, exp] instead: half-jitter keeps retries spread out (many
 * lanes hitting one recovering daemon) without ever retrying instantly.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random?: () => number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return random ? Math.round(exp / 2 + (random() * exp) / 2) : exp;
}

/** The attempts of one retry loop: next() is the delay before the next one, reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random?: () => number,
  ) {}

  /** Retries so far since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    return backoffDelay(++this.attempt, this.policy, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}

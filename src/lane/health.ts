import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';

/**
 * A lane's health, as a pure state machine (no timers: it says how long to wait).
 * - healthy:  batches go out as they come;
 * - retrying: a batch failed; retry with exponential backoff;
 * - down:     `attemptsBeforeDown` failures in a row: what is pending goes to the fail log, and
 *             a cheap probe of the module runs every `probeIntervalMs` until it answers again.
 */
export type LaneHealthState = 'healthy' | 'retrying' | 'down';

export interface HealthPolicy {
  readonly backoff: BackoffPolicy;
  /**
   * Failures in a row before the lane is declared down. With the default backoff (0.5 s doubling,
   * half-jitter) the 5th failure comes 4-8 s after the first, so the first fail-log entry appears
   * well within 30 s of a remote going bad. @default 5
   */
  readonly attemptsBeforeDown: number;
  /** How often a down lane probes its remote (a listing of one directory entry: cheap). @default 2000 (ms) */
  readonly probeIntervalMs: number;
}

export const DEFAULT_HEALTH: HealthPolicy = { backoff: DEFAULT_BACKOFF, attemptsBeforeDown: 5, probeIntervalMs: 2000 };

export type FailureDecision = { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'down'; readonly probeInMs: number };

export class LaneHealth {
  private current: LaneHealthState = 'healthy';
  private failures = 0;

  constructor(
    private readonly policy: HealthPolicy,
    private readonly random: () => number,
  ) {}

  get state(): LaneHealthState {
    return this.current;
  }

  /** Failed attempts in the current streak. */
  get attempts(): number {
    return this.failures;
  }

  /** A batch succeeded. Returns true when this ends a failure streak. */
  onSuccess(): boolean {
    const recovered = this.failures > 0;
    this.failures = 0;
    this.current = 'healthy';
    return recovered;
  }

  onFailure(): FailureDecision {
    this.failures++;
    if (this.current === 'down' || this.failures >= this.policy.attemptsBeforeDown) {
      this.current = 'down';
      return { kind: 'down', probeInMs: this.policy.probeIntervalMs };
    }
    this.current = 'retrying';
    return { kind: 'retry', delayMs: backoffDelay(this.failures, this.policy.backoff, this.random) };
  }

  /** A probe of a down lane's remote answered (ok) or not. */
  onProbe(ok: boolean): { readonly kind: 'recovered' } | { readonly kind: 'stay-down'; readonly probeInMs: number } {
    if (!ok) return { kind: 'stay-down', probeInMs: this.policy.probeIntervalMs };
    // Not healthy yet: the replayed batch decides. Its failure starts a fresh (short) streak.
    this.current = 'retrying';
    this.failures = 0;
    return { kind: 'recovered' };
  }
}

import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../shared/backoff.js';

/**
 * A lane's health, as a pure state machine (no timers: it says how long to wait).
 * - healthy:  batches go out as they come;
 * - retrying: a batch failed; retry with exponential backoff;
 * - down:     `attemptsBeforeDown` failures in a row, or failures for `downAfterMs` (a remote that
 *             hangs fails slowly): what is pending goes to the fail log, and a cheap probe of the
 *             module runs every `probeIntervalMs` until it answers again.
 */
export type LaneHealthState = 'healthy' | 'retrying' | 'down';

export interface LaneHealthPolicy {
  readonly backoff: BackoffPolicy;
  /**
   * Failures in a row before the lane is declared down. With the default backoff (0.5 s doubling,
   * half-jitter) the 5th failure comes 4-8 s after the first, so the first fail-log entry appears
   * well within 30 s of a remote going bad. @default 5
   */
  readonly attemptsBeforeDown: number;
  /**
   * ...or failing for this long since the first failed attempt of the streak started. A remote
   * that accepts connections and then hangs costs a whole connect timeout per attempt (10 s by
   * default): five of them would take a minute; this keeps the first fail-log entry within 30 s.
   * @default 20000 (ms)
   */
  readonly downAfterMs: number;
  /**
   * How often a down lane probes its remote (a listing of one directory entry: cheap). When the
   * probe answers but the replayed batch fails again (a remote that is reachable yet keeps
   * failing: disk full, an unreadable file), the interval doubles per relapse, up to
   * `maxProbeIntervalMs`, so a persistent failure is not retried every 2 s forever.
   * @default 2000 (ms)
   */
  readonly probeIntervalMs: number;
  /** @default 60000 (ms) */
  readonly maxProbeIntervalMs: number;
}

export const DEFAULT_LANE_HEALTH: LaneHealthPolicy = { backoff: DEFAULT_BACKOFF, attemptsBeforeDown: 5, downAfterMs: 20_000, probeIntervalMs: 2000, maxProbeIntervalMs: 60_000 };

export type FailureDecision = { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'down'; readonly probeInMs: number };

export class LaneHealth {
  private current: LaneHealthState = 'healthy';
  private failures = 0;
  /** When the first failed attempt of the current streak started. */
  private streakSince = 0;
  /** Times the probe answered but the lane failed again, since the last success. */
  private relapses = 0;

  constructor(
    private readonly policy: LaneHealthPolicy,
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
    const recovered = this.failures > 0 || this.relapses > 0;
    this.failures = 0;
    this.relapses = 0;
    this.current = 'healthy';
    return recovered;
  }

  /** An attempt that started at `startedAt` failed at `now`. */
  onFailure(now: number, startedAt: number = now): FailureDecision {
    if (this.failures === 0) this.streakSince = startedAt;
    this.failures++;
    if (this.current === 'down' || this.failures >= this.policy.attemptsBeforeDown || now - this.streakSince >= this.policy.downAfterMs) {
      this.current = 'down';
      return { kind: 'down', probeInMs: this.probeInterval() };
    }
    this.current = 'retrying';
    return { kind: 'retry', delayMs: backoffDelay(this.failures, this.policy.backoff, this.random) };
  }

  /** A probe of a down lane's remote answered (ok) or not. */
  onProbe(ok: boolean): { readonly kind: 'recovered' } | { readonly kind: 'stay-down'; readonly probeInMs: number } {
    if (!ok) return { kind: 'stay-down', probeInMs: this.probeInterval() };
    // Not healthy yet: the replayed batch decides. If it fails, the lane is down again at once
    // (the streak goes on) and probes more slowly: only a success ends the streak.
    this.current = 'retrying';
    this.relapses++;
    return { kind: 'recovered' };
  }

  private probeInterval(): number {
    if (this.relapses === 0) return this.policy.probeIntervalMs;
    return backoffDelay(this.relapses + 1, { baseMs: this.policy.probeIntervalMs, capMs: this.policy.maxProbeIntervalMs }, this.random);
  }
}

import type { BlockCause } from './lane-machine.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../shared/backoff.js';

/**
 * A lane's health, as a pure state machine (no timers: it says how long to wait).
 * - healthy:  batches go out as they come;
 * - retrying: a batch failed; retry with exponential backoff;
 * - down:     `attemptsBeforeDown` failures in a row, or failures for `downAfterMs` (a remote that
 *             hangs fails slowly): what is pending goes to the fail log, and a cheap probe of the
 *             module runs every `probeIntervalMs` until it answers again.
 * - refused:  the receiver answered and said no (auth failed, access denied, unknown module,
 *             chroot failed, read only): a person must fix the receiving server. Like down, but at
 *             once (retrying cannot help) and probed with backoff, from `probeIntervalMs` up to
 *             `maxProbeIntervalMs`, so the lane converges by itself once the receiver is fixed.
 * - root-missing: the watched root itself is gone (deleted, unmounted): nothing can be sent (and
 *             nothing must be deleted remotely); its return is looked for every `probeIntervalMs`.
 */
export type LaneHealthState = 'healthy' | 'retrying' | 'down' | 'refused' | 'root-missing';

/** Why a batch failed, as far as health cares (the receiver's answer decides `refused`). */
export type FailureCause = 'transient' | 'refused' | 'root-missing';

/** What a probe found: the module answered, refused us, or did not answer (root-missing: the root is back or not). */
export type ProbeAnswer = 'ok' | 'refused' | 'unreachable';

/** The machine's word for a blocked health (lane-machine.ts `wait.down`); null: not blocked. */
export function blockCause(state: LaneHealthState): BlockCause | null {
  if (state === 'down') return 'unreachable';
  return state === 'refused' || state === 'root-missing' ? state : null;
}

/** Nothing can be sent in these states: the lane waits for a probe. */
export function blocked(state: LaneHealthState): boolean {
  return state === 'down' || state === 'refused' || state === 'root-missing';
}

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

export const DEFAULT_LANE_HEALTH: LaneHealthPolicy = {
  backoff: DEFAULT_BACKOFF,
  attemptsBeforeDown: 5,
  downAfterMs: 20_000,
  probeIntervalMs: 2000,
  maxProbeIntervalMs: 60_000,
};

export type FailureDecision =
  { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'down'; readonly probeInMs: number };

export class LaneHealth {
  private current: LaneHealthState = 'healthy';
  private failures = 0;
  /** When the first failed attempt of the current streak started. */
  private streakSince = 0;
  /** Times the probe answered but the lane failed again, since the last success. */
  private relapses = 0;
  /** Refusals in a row (failed batches and probes): the refused lane's probe backs off by these. */
  private refusals = 0;
  /** No-space answers since files last fit: the held files' retry backs off by these. */
  private fulls = 0;

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
    const recovered = this.failures > 0 || this.relapses > 0 || this.refusals > 0;
    this.failures = 0;
    this.relapses = 0;
    this.refusals = 0;
    this.current = 'healthy';
    return recovered;
  }

  /** An attempt that started at `startedAt` failed at `now`; `cause` refused or root-missing blocks the lane at once. */
  onFailure(now: number, startedAt: number = now, cause: FailureCause = 'transient'): FailureDecision {
    if (this.failures === 0) this.streakSince = startedAt;
    this.failures++;
    if (cause !== 'transient') return { kind: 'down', probeInMs: this.block(cause) };
    if (
      this.current === 'down' ||
      this.failures >= this.policy.attemptsBeforeDown ||
      now - this.streakSince >= this.policy.downAfterMs
    ) {
      this.current = 'down';
      return { kind: 'down', probeInMs: this.probeInterval() };
    }
    this.current = 'retrying';
    return { kind: 'retry', delayMs: backoffDelay(this.failures, this.policy.backoff, this.random) };
  }

  /**
   * The receiver had no room (No space left, quota). Not a failure of the lane: what fits still
   * goes; the files that did not fit wait, retried with backoff from `probeIntervalMs` up to
   * `maxProbeIntervalMs`. Returns when to retry them.
   */
  onFull(): number {
    this.fulls++;
    return backoffDelay(
      this.fulls,
      { baseMs: this.policy.probeIntervalMs, capMs: this.policy.maxProbeIntervalMs },
      this.random,
    );
  }

  /** The receiver has room again: every held file arrived. Returns true when it had been full. */
  onRoom(): boolean {
    const was = this.fulls > 0;
    this.fulls = 0;
    return was;
  }

  /** A probe of a blocked lane's remote (or, when root-missing, of its root) answered (ok) or not. */
  onProbe(
    answer: ProbeAnswer | boolean,
  ): { readonly kind: 'recovered' } | { readonly kind: 'stay-down'; readonly probeInMs: number } {
    const a = answer === true ? 'ok' : answer === false ? 'unreachable' : answer;
    if (a === 'refused') return { kind: 'stay-down', probeInMs: this.block('refused') };
    if (a === 'unreachable') {
      if (this.current === 'root-missing') return { kind: 'stay-down', probeInMs: this.policy.probeIntervalMs };
      this.current = 'down';
      this.refusals = 0;
      return { kind: 'stay-down', probeInMs: this.probeInterval() };
    }
    // Not healthy yet: the replayed batch decides. If it fails, the lane is down again at once
    // (the streak goes on) and probes more slowly: only a success ends the streak.
    if (this.current === 'down') this.relapses++;
    this.current = 'retrying';
    return { kind: 'recovered' };
  }

  /** Enters refused or root-missing; returns when to probe. */
  private block(cause: 'refused' | 'root-missing'): number {
    this.current = cause;
    if (cause === 'root-missing') return this.policy.probeIntervalMs;
    this.refusals++;
    return backoffDelay(
      this.refusals,
      { baseMs: this.policy.probeIntervalMs, capMs: this.policy.maxProbeIntervalMs },
      this.random,
    );
  }

  private probeInterval(): number {
    if (this.relapses === 0) return this.policy.probeIntervalMs;
    return backoffDelay(
      this.relapses + 1,
      { baseMs: this.policy.probeIntervalMs, capMs: this.policy.maxProbeIntervalMs },
      this.random,
    );
  }
}

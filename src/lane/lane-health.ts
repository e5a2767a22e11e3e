import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../shared/backoff.js';

/**
 * A lane's health policy, as pure functions of a record that the lane's one state holds (no
 * timers, no state of its own: it says how long to wait).
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

/**
 * Why nothing can be sent: the remote does not answer (or keeps failing), the receiver refused
 * us (a person must fix it), or the watched root is gone. /status words them down, refused,
 * root-missing (lane-state-name.ts blockedName).
 */
export type BlockCause = 'unreachable' | 'refused' | 'root-missing';

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

type FailureDecision =
  { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'down'; readonly probeInMs: number };

/**
 * A lane's health record: which health state, and the counters the policy decides by. It is part
 * of the lane's one state (lane-machine.ts `LaneState.health`): /status reads it from there.
 */
export interface HealthRecord {
  readonly state: LaneHealthState;
  /** Failed attempts in the current streak. */
  readonly failures: number;
  /** When the first failed attempt of the current streak started (monotonic ms). */
  readonly streakSince: number;
  /** Times the probe answered but the lane failed again, since the last success. */
  readonly relapses: number;
  /** Refusals in a row (failed batches and probes): the refused lane's probe backs off by these. */
  readonly refusals: number;
  /** No-space answers since files last fit: the held files' retry backs off by these. */
  readonly fulls: number;
}

export const HEALTHY: HealthRecord = {
  state: 'healthy',
  failures: 0,
  streakSince: 0,
  relapses: 0,
  refusals: 0,
  fulls: 0,
};

type ProbeDecision = { readonly kind: 'recovered' } | { readonly kind: 'stay-down'; readonly probeInMs: number };

/** A rule's answer: the next record, and what it decided. */
export interface Judged<T> {
  readonly health: HealthRecord;
  readonly decision: T;
}

/**
 * The policy as pure functions of a record (no state of its own: the lane's state holds the
 * record). `random` is the backoff's jitter, injected so tests are exact.
 */
export class HealthRules {
  constructor(
    readonly policy: LaneHealthPolicy,
    private readonly random: () => number,
  ) {}

  /** A batch succeeded. `decision`: this ends a failure streak. */
  success(h: HealthRecord): Judged<boolean> {
    const recovered = h.failures > 0 || h.relapses > 0 || h.refusals > 0;
    return { health: { ...h, state: 'healthy', failures: 0, relapses: 0, refusals: 0 }, decision: recovered };
  }

  /** An attempt that started at `startedAt` failed at `now`; `cause` refused or root-missing blocks the lane at once. */
  failure(
    h: HealthRecord,
    now: number,
    startedAt: number = now,
    cause: FailureCause = 'transient',
  ): Judged<FailureDecision> {
    const streak = { ...h, failures: h.failures + 1, streakSince: h.failures === 0 ? startedAt : h.streakSince };
    if (cause !== 'transient') {
      const b = this.block(streak, cause);
      return { health: b.health, decision: { kind: 'down', probeInMs: b.decision } };
    }
    if (
      h.state === 'down' ||
      streak.failures >= this.policy.attemptsBeforeDown ||
      now - streak.streakSince >= this.policy.downAfterMs
    ) {
      const down = { ...streak, state: 'down' as const };
      return { health: down, decision: { kind: 'down', probeInMs: this.probeInterval(down) } };
    }
    return {
      health: { ...streak, state: 'retrying' },
      decision: { kind: 'retry', delayMs: backoffDelay(streak.failures, this.policy.backoff, this.random) },
    };
  }

  /**
   * The receiver had no room (No space left, quota). Not a failure of the lane: what fits still
   * goes; the files that did not fit wait, retried with backoff from `probeIntervalMs` up to
   * `maxProbeIntervalMs`. `decision`: when to retry them (ms).
   */
  full(h: HealthRecord): Judged<number> {
    const fulls = h.fulls + 1;
    return { health: { ...h, fulls }, decision: this.slowing(fulls) };
  }

  /** The receiver has room again: every held file arrived. `decision`: it had been full. */
  room(h: HealthRecord): Judged<boolean> {
    return { health: { ...h, fulls: 0 }, decision: h.fulls > 0 };
  }

  /** A probe of a blocked lane's remote (or, when root-missing, of its root) answered (ok) or not. */
  probe(h: HealthRecord, answer: ProbeAnswer | boolean): Judged<ProbeDecision> {
    const a = answer === true ? 'ok' : answer === false ? 'unreachable' : answer;
    if (a === 'refused') {
      const b = this.block(h, 'refused');
      return { health: b.health, decision: { kind: 'stay-down', probeInMs: b.decision } };
    }
    if (a === 'unreachable') {
      if (h.state === 'root-missing')
        return { health: h, decision: { kind: 'stay-down', probeInMs: this.policy.probeIntervalMs } };
      const down = { ...h, state: 'down' as const, refusals: 0 };
      return { health: down, decision: { kind: 'stay-down', probeInMs: this.probeInterval(down) } };
    }
    // Not healthy yet: the replayed batch decides. If it fails, the lane is down again at once
    // (the streak goes on) and probes more slowly: only a success ends the streak.
    const relapses = h.state === 'down' ? h.relapses + 1 : h.relapses;
    return { health: { ...h, state: 'retrying', relapses }, decision: { kind: 'recovered' } };
  }

  /** Enters refused or root-missing; the decision: when to probe (ms). */
  private block(h: HealthRecord, cause: 'refused' | 'root-missing'): Judged<number> {
    if (cause === 'root-missing') return { health: { ...h, state: cause }, decision: this.policy.probeIntervalMs };
    const refusals = h.refusals + 1;
    return { health: { ...h, state: cause, refusals }, decision: this.slowing(refusals) };
  }

  private probeInterval(h: HealthRecord): number {
    return h.relapses === 0 ? this.policy.probeIntervalMs : this.slowing(h.relapses + 1);
  }

  /** From probeIntervalMs, doubling per `n`, up to maxProbeIntervalMs (with jitter). */
  private slowing(n: number): number {
    return backoffDelay(n, { baseMs: this.policy.probeIntervalMs, capMs: this.policy.maxProbeIntervalMs }, this.random);
  }
}

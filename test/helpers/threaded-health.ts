import {
  HEALTHY,
  HealthRules,
  type FailureCause,
  type HealthRecord,
  type Judged,
  type LaneHealthPolicy,
  type ProbeAnswer,
} from '../../src/lane/lane-health.js';

/**
 * The health rules threaded through one record, the way a lane's state carries it from event to
 * event, so a test reads as a lane's life: failure, failure, probe, success.
 */
export class ThreadedHealth {
  record: HealthRecord = HEALTHY;
  private readonly rules: HealthRules;

  constructor(policy: LaneHealthPolicy, random: () => number) {
    this.rules = new HealthRules(policy, random);
  }

  get state(): HealthRecord['state'] {
    return this.record.state;
  }

  get attempts(): number {
    return this.record.failures;
  }

  onSuccess(): boolean {
    return this.take(this.rules.success(this.record));
  }

  onFailure(now: number, startedAt: number = now, cause: FailureCause = 'transient') {
    return this.take(this.rules.failure(this.record, now, startedAt, cause));
  }

  onFull(): number {
    return this.take(this.rules.full(this.record));
  }

  onRoom(): boolean {
    return this.take(this.rules.room(this.record));
  }

  onProbe(answer: ProbeAnswer | boolean) {
    return this.take(this.rules.probe(this.record, answer));
  }

  private take<T>(j: Judged<T>): T {
    this.record = j.health;
    return j.decision;
  }
}

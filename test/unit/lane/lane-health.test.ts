import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/shared/backoff.js';
import { blocked, DEFAULT_LANE_HEALTH, HEALTHY, HealthRules } from '../../../src/lane/lane-health.js';
import { ThreadedHealth } from '../../helpers/threaded-health.js';

const policy = {
  backoff: { baseMs: 500, capMs: 30_000 },
  attemptsBeforeDown: 5,
  downAfterMs: 20_000,
  probeIntervalMs: 2000,
  maxProbeIntervalMs: 60_000,
};

describe('backoff: exponential, half-jitter, capped', () => {
  it('doubles per attempt within [exp/2, exp]', () => {
    const exp = [500, 1000, 2000, 4000, 8000];
    exp.forEach((e, i) => {
      assert.equal(
        backoffDelay(i + 1, policy.backoff, () => 0),
        e / 2,
      );
      assert.equal(
        backoffDelay(i + 1, policy.backoff, () => 1),
        e,
      );
      assert.equal(
        backoffDelay(i + 1, policy.backoff, () => 0.5),
        (3 * e) / 4,
      );
    });
  });
  it('never exceeds the cap', () => {
    assert.equal(
      backoffDelay(30, policy.backoff, () => 1),
      30_000,
    );
    assert.equal(
      backoffDelay(1000, policy.backoff, () => 0),
      15_000,
    );
  });
});

describe('lane health: healthy → retrying → down → (probe) → retrying → healthy', () => {
  it('these tests run the shipped policy (the outage test leaves its 30 s bound to them)', () => {
    assert.deepEqual(policy, DEFAULT_LANE_HEALTH);
  });
  it('retries with growing delays, then goes down after attemptsBeforeDown failures', () => {
    const h = new ThreadedHealth(policy, () => 1);
    assert.equal(h.state, 'healthy');
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 4; i++) {
      const d = h.onFailure(now, now); // fast failures (connection refused)
      assert.equal(d.kind, 'retry');
      if (d.kind === 'retry') {
        delays.push(d.delayMs);
        now += d.delayMs;
      }
      assert.equal(h.state, 'retrying');
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000]);
    assert.deepEqual(h.onFailure(now, now), { kind: 'down', probeInMs: 2000 });
    assert.equal(h.state, 'down');
    assert.ok(now < 30_000, 'the fail log is written well within 30 s');
  });
  it('a remote that fails slowly (each attempt hangs 10 s until the connect timeout) is down 20 s after the first attempt began', () => {
    const h = new ThreadedHealth(policy, () => 1);
    assert.equal(h.onFailure(10_000, 0).kind, 'retry'); // attempt 0..10 s
    assert.equal(h.onFailure(20_500, 10_500).kind, 'down'); // attempt 10.5..20.5 s: 20.5 s into the streak
  });
  it('a failing probe keeps it down; an answering probe lets the replay run', () => {
    const h = new ThreadedHealth(policy, () => 0);
    for (let i = 0; i < 5; i++) h.onFailure(i, i);
    assert.deepEqual(h.onProbe(false), { kind: 'stay-down', probeInMs: 2000 });
    assert.equal(h.state, 'down');
    assert.deepEqual(h.onProbe(true), { kind: 'recovered' });
    assert.equal(h.state, 'retrying');
    assert.equal(h.onSuccess(), true, 'the replay succeeding ends the streak');
    assert.equal(h.state, 'healthy');
    assert.equal(h.attempts, 0);
  });
  it('reachable but still failing: each relapse goes straight back down and probes more slowly, up to the cap', () => {
    const h = new ThreadedHealth(policy, () => 1);
    for (let i = 0; i < 5; i++) h.onFailure(i, i);
    const intervals: number[] = [];
    for (let i = 0; i < 7; i++) {
      h.onProbe(true);
      const d = h.onFailure(100 + i, 100 + i);
      assert.equal(d.kind, 'down', 'one failed replay is enough while the streak lasts');
      if (d.kind === 'down') intervals.push(d.probeInMs);
    }
    assert.deepEqual(intervals, [4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.deepEqual(h.onProbe(false), { kind: 'stay-down', probeInMs: 60_000 });
    h.onProbe(true);
    assert.equal(h.onSuccess(), true);
    for (let i = 0; i < 5; i++) h.onFailure(1000 + i, 1000 + i);
    assert.deepEqual(h.onProbe(false), { kind: 'stay-down', probeInMs: 2000 }, 'a success resets the probe interval');
  });
  it('a success ends a streak and says so', () => {
    const h = new ThreadedHealth(policy, () => 0);
    h.onFailure(0);
    assert.equal(h.onSuccess(), true);
    assert.equal(h.attempts, 0);
    assert.equal(h.onSuccess(), false);
  });
  it('a failure while down stays down', () => {
    const h = new ThreadedHealth(policy, () => 0);
    for (let i = 0; i < 5; i++) h.onFailure(i);
    assert.equal(h.onFailure(10).kind, 'down');
  });
});

describe('lane health: refused and root-missing (issue 19)', () => {
  it('a refusal blocks at once (no retries) and probes with backoff from 2 s up to a minute', () => {
    const h = new ThreadedHealth(policy, () => 1);
    let now = 0;
    const first = h.onFailure(now, now, 'refused');
    assert.deepEqual(first, { kind: 'down', probeInMs: 2000 });
    assert.equal(h.state, 'refused');
    const intervals: number[] = [];
    for (let i = 0; i < 7; i++) {
      now += 1000;
      const d = h.onProbe('refused');
      assert.equal(d.kind, 'stay-down');
      if (d.kind === 'stay-down') intervals.push(d.probeInMs);
      assert.equal(h.state, 'refused');
    }
    assert.deepEqual(intervals, [4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });
  it('fixed receiver: the probe answers, the replay decides; its success ends the streak and resets the backoff', () => {
    const h = new ThreadedHealth(policy, () => 1);
    h.onFailure(0, 0, 'refused');
    h.onProbe('refused');
    assert.deepEqual(h.onProbe('ok'), { kind: 'recovered' });
    assert.equal(h.state, 'retrying');
    assert.equal(h.onSuccess(), true);
    assert.equal(h.state, 'healthy');
    assert.deepEqual(h.onFailure(10, 10, 'refused'), { kind: 'down', probeInMs: 2000 }, 'the backoff starts over');
  });
  it('the listing works but writes are refused (read only): each replay refused backs off further', () => {
    const h = new ThreadedHealth(policy, () => 1);
    h.onFailure(0, 0, 'refused');
    h.onProbe('ok');
    assert.deepEqual(h.onFailure(5, 5, 'refused'), { kind: 'down', probeInMs: 4000 });
    assert.equal(h.state, 'refused');
  });
  it('a refused receiver that stops answering is down (probed at the down interval)', () => {
    const h = new ThreadedHealth(policy, () => 1);
    h.onFailure(0, 0, 'refused');
    h.onProbe('refused');
    assert.deepEqual(h.onProbe('unreachable'), { kind: 'stay-down', probeInMs: 2000 });
    assert.equal(h.state, 'down');
  });
  it('a missing root blocks at once and looks for it every probe interval, however long', () => {
    const h = new ThreadedHealth(policy, () => 1);
    assert.deepEqual(h.onFailure(0, 0, 'root-missing'), { kind: 'down', probeInMs: 2000 });
    assert.equal(h.state, 'root-missing');
    for (let i = 0; i < 10; i++) assert.deepEqual(h.onProbe(false), { kind: 'stay-down', probeInMs: 2000 });
    assert.equal(h.state, 'root-missing');
    assert.deepEqual(h.onProbe(true), { kind: 'recovered' });
    assert.equal(h.state, 'retrying');
  });
  it('blocked(): the states in which nothing is sent', () => {
    assert.deepEqual((['healthy', 'retrying', 'down', 'refused', 'root-missing'] as const).filter(blocked), [
      'down',
      'refused',
      'root-missing',
    ]);
  });
});

describe('health rules: pure functions of the record the lane state holds', () => {
  it('the same record in, the same answer out; the record given is left as it was', () => {
    const rules = new HealthRules(policy, () => 1);
    const down = { ...HEALTHY, state: 'down' as const, failures: 5, streakSince: 100, relapses: 1 };
    const frozen = Object.freeze({ ...down });
    const a = rules.failure(frozen, 9000, 8000);
    const b = rules.failure(frozen, 9000, 8000);
    assert.deepEqual(a, b);
    assert.deepEqual(frozen, down, 'not changed');
    // A relapse: down again at once, the probe after 2 x 2000 ms; the streak keeps its start.
    assert.deepEqual(a, {
      health: { ...down, failures: 6 },
      decision: { kind: 'down', probeInMs: 4000 },
    });
  });
  it('all a rule knows is the record: a second rules object over the same record answers alike', () => {
    const one = new ThreadedHealth(policy, () => 1);
    for (let t = 0; t < 5; t++) one.onFailure(t, t);
    one.onProbe('ok');
    const other = new HealthRules(policy, () => 1);
    assert.deepEqual(other.failure(one.record, 10, 10).decision, one.onFailure(10, 10));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/lane/backoff.js';
import { LaneHealth } from '../../../src/lane/health.js';

const policy = { backoff: { baseMs: 500, capMs: 30_000 }, attemptsBeforeDown: 5, probeIntervalMs: 2000 };

describe('backoff: exponential, half-jitter, capped', () => {
  it('doubles per attempt within [exp/2, exp]', () => {
    const exp = [500, 1000, 2000, 4000, 8000];
    exp.forEach((e, i) => {
      assert.equal(backoffDelay(i + 1, policy.backoff, () => 0), e / 2);
      assert.equal(backoffDelay(i + 1, policy.backoff, () => 1), e);
      assert.equal(backoffDelay(i + 1, policy.backoff, () => 0.5), (3 * e) / 4);
    });
  });
  it('never exceeds the cap', () => {
    assert.equal(backoffDelay(30, policy.backoff, () => 1), 30_000);
    assert.equal(backoffDelay(1000, policy.backoff, () => 0), 15_000);
  });
});

describe('lane health: healthy → retrying → down → (probe) → retrying → healthy', () => {
  it('retries with growing delays, then goes down after attemptsBeforeDown failures', () => {
    const h = new LaneHealth(policy, () => 1);
    assert.equal(h.state, 'healthy');
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = h.onFailure();
      assert.equal(d.kind, 'retry');
      if (d.kind === 'retry') delays.push(d.delayMs);
      assert.equal(h.state, 'retrying');
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000]);
    assert.deepEqual(h.onFailure(), { kind: 'down', probeInMs: 2000 });
    assert.equal(h.state, 'down');
    assert.ok(delays.reduce((a, b) => a + b, 0) < 30_000, 'the fail log is written well within 30 s');
  });
  it('a failing probe keeps it down; an answering probe lets the replay run', () => {
    const h = new LaneHealth(policy, () => 0);
    for (let i = 0; i < 5; i++) h.onFailure();
    assert.deepEqual(h.onProbe(false), { kind: 'stay-down', probeInMs: 2000 });
    assert.equal(h.state, 'down');
    assert.deepEqual(h.onProbe(true), { kind: 'recovered' });
    assert.equal(h.state, 'retrying');
    assert.equal(h.onSuccess(), false, 'the streak was reset by the probe');
    assert.equal(h.state, 'healthy');
  });
  it('a success ends a streak and says so', () => {
    const h = new LaneHealth(policy, () => 0);
    h.onFailure();
    assert.equal(h.onSuccess(), true);
    assert.equal(h.attempts, 0);
    assert.equal(h.onSuccess(), false);
  });
  it('a failure while down stays down', () => {
    const h = new LaneHealth(policy, () => 0);
    for (let i = 0; i < 5; i++) h.onFailure();
    assert.equal(h.onFailure().kind, 'down');
  });
});

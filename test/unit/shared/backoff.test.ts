import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../../src/shared/backoff.js';

const lo = (): number => 0;
const hi = (): number => 1;
const mid = (): number => 0.5;

describe('backoffDelay', () => {
  const policy: BackoffPolicy = { baseMs: 100, capMs: 10_000 };

  it('grows exponentially: exp = base * 2^(attempt-1), delay at random=1 is exp', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, policy, hi)),
      [100, 200, 400, 800, 1600, 3200, 6400],
    );
  });

  it('half-jitter lower bound: random=0 gives exp/2 (never an instant retry)', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, policy, lo)),
      [50, 100, 200, 400, 800, 1600, 3200],
    );
  });

  it('random=0.5 lands at 3/4 of exp', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => backoffDelay(a, policy, mid)),
      [75, 150, 300, 600],
    );
  });

  it('every random in [0,1] gives a delay within [exp/2, exp]', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const exp = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      for (const r of [0, 0.1, 0.25, 0.333, 0.5, 0.77, 0.999, 1]) {
        const d = backoffDelay(attempt, policy, () => r);
        assert.ok(d >= exp / 2 && d <= exp, `attempt ${attempt}, random ${r}: ${d} not in [${exp / 2}, ${exp}]`);
      }
    }
  });

  it('is capped at capMs: beyond the cap, [cap/2, cap]', () => {
    // 100 * 2^7 = 12800 > 10000
    assert.equal(backoffDelay(8, policy, hi), 10_000);
    assert.equal(backoffDelay(8, policy, lo), 5_000);
    assert.equal(backoffDelay(8, policy, mid), 7_500);
    assert.equal(backoffDelay(50, policy, hi), 10_000);
    assert.equal(backoffDelay(5000, policy, hi), 10_000, '2^4999 is Infinity; still capped');
    assert.equal(backoffDelay(5000, policy, lo), 5_000);
  });

  it('a cap that is not a power-of-two multiple of base is hit exactly', () => {
    const p: BackoffPolicy = { baseMs: 300, capMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => backoffDelay(a, p, hi)),
      [300, 600, 1000, 1000],
    );
  });

  it('attempt 0 or negative is treated as the first retry', () => {
    assert.equal(backoffDelay(0, policy, hi), 100);
    assert.equal(backoffDelay(-3, policy, lo), 50);
  });

  it('returns whole milliseconds', () => {
    const d = backoffDelay(1, { baseMs: 3, capMs: 100 }, () => 0.4); // 1.5 + 0.6 = 2.1
    assert.equal(d, 2);
    assert.ok(Number.isInteger(backoffDelay(3, DEFAULT_BACKOFF, () => 0.123456)));
  });

  it('calls random exactly once per delay', () => {
    let calls = 0;
    backoffDelay(3, policy, () => {
      calls++;
      return 0.5;
    });
    assert.equal(calls, 1);
  });

  it('defaults: 500 ms base, 30 s cap', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { baseMs: 500, capMs: 30_000 });
    assert.equal(backoffDelay(1, DEFAULT_BACKOFF, hi), 500);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, hi), 30_000);
  });
});

describe('backoffDelay without random: the plain doubling every deterministic loop uses', () => {
  it('base, 2 base, 4 base ... cap (the supervisor: 1 s to 60 s)', () => {
    const p: BackoffPolicy = { baseMs: 1000, capMs: 60_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, p)),
      [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000],
    );
  });
  it('an uncapped policy keeps doubling (refreshCDN: 400, 800, 1600 ms)', () => {
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffDelay(a, { baseMs: 400, capMs: Infinity })),
      [400, 800, 1600],
    );
  });
});

describe('Backoff: one retry loop', () => {
  it('next() walks the attempts; reset() starts again from the base', () => {
    const b = new Backoff({ baseMs: 500, capMs: 30_000 });
    assert.deepEqual([b.next(), b.next(), b.next()], [500, 1000, 2000]);
    assert.equal(b.attempts, 3);
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 500);
  });
  it('with random, each delay is jittered within [exp/2, exp]', () => {
    const b = new Backoff({ baseMs: 500, capMs: 10_000 }, () => 0);
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [250, 500, 1000, 2000, 4000, 5000]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CanaryCheck } from '../../../src/watch/canary-check.js';

/** A canary name as the writer makes it at `ms` (100 ms interval) as its `seq`-th file. */
const at = (ms: number, seq: number): string => `c${Math.floor(ms / 100)}.${seq}`;

describe('CanaryCheck', () => {
  it('consecutive canaries report no loss', () => {
    const c = new CanaryCheck(0);
    assert.deepEqual(
      [at(1000, 0), at(1100, 1), at(1200, 2)].map((n, i) => c.seen(n, 1000 + i * 100)),
      [null, null, null],
    );
  });

  it('a gap in the sequence is canaries the kernel queue dropped', () => {
    const c = new CanaryCheck(0);
    c.seen(at(1000, 10), 1000);
    assert.deepEqual(c.seen(at(1400, 14), 1400), { reason: 'lost', missing: 3 });
    assert.equal(c.seen(at(1500, 15), 1500), null);
  });

  it('a writer frozen for longer than the tolerance shows a clock gap after it thaws, with no sequence gap', () => {
    const c = new CanaryCheck(0, { stallSlots: 5 });
    c.seen(at(1000, 0), 1000);
    // Frozen 30 s: the next file it makes is the next in its sequence, but 300 slots later.
    assert.deepEqual(c.seen(at(31_000, 1), 31_000), { reason: 'stalled', missing: 299 });
    assert.equal(c.seen(at(31_100, 2), 31_100), null);
  });

  it('a timer firing a little late (a slot or two skipped) is not an alarm', () => {
    const c = new CanaryCheck(0, { stallSlots: 5 });
    c.seen(at(1000, 0), 1000);
    assert.equal(c.seen(at(1300, 1), 1300), null);
    assert.equal(c.seen(at(1900, 2), 1900), null, '5 slots skipped: still within the tolerance');
    assert.deepEqual(c.seen(at(2600, 3), 2600), { reason: 'stalled', missing: 6 });
  });

  it('other names and a restarted writer (sequence starts again) are not alarms', () => {
    const c = new CanaryCheck(0);
    c.seen(at(1000, 7), 1000);
    assert.equal(c.seen('x', 1000), null);
    assert.equal(c.seen('c10', 1000), null, 'old-style name');
    assert.equal(c.seen(at(3000, 0), 3000), null, 'the restarted writer resynchronises');
    assert.equal(c.seen(at(3100, 1), 3100), null);
    assert.deepEqual(c.seen(at(3300, 3), 3300), { reason: 'lost', missing: 1 });
  });

  it('silence: reported once after silentAfterMs without a canary, again only after canaries came back', () => {
    const c = new CanaryCheck(0, { silentAfterMs: 10_000 });
    assert.equal(c.check(9_999), null, 'counted from the start until the first canary');
    assert.deepEqual(c.check(10_000), { reason: 'silent', missing: 0 });
    assert.equal(c.check(20_000), null, 'one alarm per silence');
    c.seen(at(20_000, 0), 20_000);
    assert.equal(c.lastSeen, 20_000);
    assert.equal(c.check(29_999), null);
    assert.deepEqual(c.check(30_000), { reason: 'silent', missing: 0 });
  });
});

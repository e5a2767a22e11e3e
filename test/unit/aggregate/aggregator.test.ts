import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../src/aggregate/aggregator.js';

const agg = (delayMs = 20, maxDelayMs = 100, maxPathsPerDir = 1000, maxPendingPaths = 1_000_000): Aggregator =>
  new Aggregator({ delayMs, maxDelayMs }, { maxPathsPerDir, maxPendingPaths });

/** Time is a number passed in: no clock, no sleeps. */
describe('Aggregator: quiet-time debounce with a cap', () => {
  it('a path is due once quiet for delay; a new event restarts the quiet time', () => {
    const a = agg(20, 1000);
    a.add('f', 'path', 0);
    assert.equal(a.nextDeadline(), 20);
    a.add('f', 'path', 15);
    assert.equal(a.nextDeadline(), 35);
    assert.equal(a.due(20), null);
    assert.deepEqual(a.due(35)?.entries, [{ path: 'f', kind: 'path' }]);
    assert.equal(a.size, 0);
    assert.equal(a.nextDeadline(), null);
  });
  it('a path changing every 10 ms still ships at maxDelay after it first became dirty', () => {
    const a = agg(20, 100);
    let shipped: number | null = null;
    for (let t = 0; t <= 200 && shipped === null; t += 10) {
      if (a.due(t)) shipped = t;
      else a.add('hot', 'path', t);
    }
    assert.equal(shipped, 100);
  });
  it('only due paths ship; others keep waiting', () => {
    const a = agg(20, 1000);
    a.add('early', 'path', 0);
    a.add('late', 'path', 10);
    assert.deepEqual(a.due(25)?.entries.map((e) => e.path), ['early']);
    assert.deepEqual(a.due(30)?.entries.map((e) => e.path), ['late']);
  });
  it('an event under a pending directory refreshes the directory, but the cap still counts from its first change', () => {
    const a = agg(20, 100);
    a.add('d', 'tree', 0);
    a.add('d/x', 'path', 15);
    assert.equal(a.nextDeadline(), 35);
    a.add('d/y', 'path', 90);
    assert.equal(a.nextDeadline(), 100, 'capped at first + maxDelay');
    assert.deepEqual(a.due(100)?.entries, [{ path: 'd', kind: 'tree' }]);
  });
  it('a covering entry inherits the earliest first-dirty time of what it subsumes', () => {
    const a = agg(20, 100);
    a.add('d/a', 'path', 0);
    a.add('d/a', 'path', 10);
    a.add('d', 'tree', 50);
    assert.equal(a.nextDeadline(), 70);
    a.add('d/b', 'path', 60);
    assert.equal(a.nextDeadline(), 80);
    a.add('d/c', 'path', 95);
    assert.equal(a.nextDeadline(), 100, 'the cap counts from d/a at t=0');
  });
  it('a roll-up inherits the earliest first-dirty time', () => {
    const a = agg(20, 100, 2);
    a.add('d/1', 'path', 0);
    a.add('d/2', 'path', 30);
    a.add('d/3', 'path', 90);
    assert.equal(a.size, 1);
    assert.equal(a.nextDeadline(), 100);
    assert.deepEqual(a.due(100)?.entries, [{ path: 'd', kind: 'tree' }]);
  });
  it('a full sync request is due at once and carries everything pending away', () => {
    const a = agg(20, 100);
    a.add('x', 'path', 0);
    a.requestFullSync(5);
    assert.equal(a.nextDeadline(), 5);
    const b = a.due(5);
    assert.equal(b?.fullSync, true);
    assert.equal(a.size, 0);
    assert.equal(a.due(1000), null);
  });
  it('oldestPendingSince reports the earliest first-dirty time', () => {
    const a = agg();
    assert.equal(a.oldestPendingSince(), null);
    a.add('b', 'path', 7);
    a.add('a', 'path', 3);
    assert.equal(a.oldestPendingSince(), 3);
  });
  it('100,000 paths drained at increasing times: every path ships exactly once', () => {
    const a = agg(20, 1000, 100_000, 1_000_000);
    const all = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const p = `d${i % 997}/f${i}`;
      all.add(p);
      a.add(p, 'path', i % 500);
    }
    const seen = new Map<string, number>();
    for (let t = 0; t <= 2000; t += 7) {
      const b = a.due(t);
      for (const e of b?.entries ?? []) seen.set(e.path, (seen.get(e.path) ?? 0) + 1);
    }
    assert.equal(a.size, 0);
    assert.equal(seen.size, all.size);
    assert.ok([...seen.values()].every((n) => n === 1), 'no path shipped twice');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RemovalGate, SETTLE_MAX_MS } from '../../../src/daemon/removal-gate.js';

const e = (root: number, path: string) => ({ root, path });

describe('RemovalGate: removals wait for the watcher to report the whole deletion', () => {
  it('lets the waiting removals through, in order, only when settled or SETTLE_MAX_MS after the first', () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    assert.equal(g.deadline(), null);
    assert.deepEqual(g.take(0, true), []);
    g.hold(e(0, 'a'), 100);
    g.hold(e(1, 'b'), 150);
    assert.equal(g.deadline(), 100 + SETTLE_MAX_MS);
    assert.deepEqual(g.take(100 + SETTLE_MAX_MS - 1, false), []);
    assert.deepEqual(g.take(200, true), [e(0, 'a'), e(1, 'b')]);
    assert.equal(g.size, 0);
    assert.equal(g.deadline(), null);
    g.hold(e(0, 'c'), 300);
    assert.deepEqual(g.take(300 + SETTLE_MAX_MS, false), [e(0, 'c')]);
  });

  it('drops a waiting removal of a path that appeared again (same root only)', () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    g.hold(e(0, 'x'), 0);
    g.hold(e(1, 'x'), 0);
    g.appeared(0, 'x');
    assert.deepEqual(g.take(1, true), [e(1, 'x')]);
    g.hold(e(0, 'y'), 5);
    g.appeared(0, 'y');
    assert.equal(g.deadline(), null, 'nothing waits: no deadline');
  });
});

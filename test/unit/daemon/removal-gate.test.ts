import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REMOVAL_QUIET_MS, RemovalGate, SETTLE_MAX_MS } from '../../../src/daemon/removal-gate.js';

const e = (root: number, path: string) => ({ root, path });

describe('RemovalGate: removals wait until the deletion is over (the watcher settled, no removal for a while)', () => {
  it('lets them through, in order, REMOVAL_QUIET_MS after the last one once the watcher is settled', () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    assert.equal(g.deadline(), null);
    assert.deepEqual(g.take(0), []);
    g.hold(e(0, 'a'), 100);
    g.hold(e(1, 'b'), 600);
    assert.equal(g.deadline(), 600 + REMOVAL_QUIET_MS);
    assert.deepEqual(g.take(600 + REMOVAL_QUIET_MS - 1), []);
    g.settle(false);
    assert.equal(g.deadline(), 100 + SETTLE_MAX_MS, 'not settled: only the cap is a deadline');
    assert.deepEqual(g.take(600 + REMOVAL_QUIET_MS), []);
    g.settle(true);
    assert.deepEqual(g.take(600 + REMOVAL_QUIET_MS), [e(0, 'a'), e(1, 'b')]);
    assert.equal(g.size, 0);
    assert.equal(g.deadline(), null);
  });

  it('a deletion that goes on and on is let through SETTLE_MAX_MS after its first removal; force lets all go', () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    for (let t = 0; t < SETTLE_MAX_MS; t += 100) g.hold(e(0, `p${t}`), t);
    assert.equal(g.deadline(), SETTLE_MAX_MS);
    assert.equal(g.take(SETTLE_MAX_MS).length, SETTLE_MAX_MS / 100);
    g.hold(e(0, 'z'), 0);
    assert.deepEqual(g.take(1, true), [e(0, 'z')]);
  });

  it('drops a waiting removal of a path that appeared again (same root only)', () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    g.hold(e(0, 'x'), 0);
    g.hold(e(1, 'x'), 0);
    g.appeared(0, 'x');
    assert.deepEqual(g.take(0, true), [e(1, 'x')]);
    g.hold(e(0, 'y'), 5);
    g.appeared(0, 'y');
    assert.equal(g.deadline(), null, 'nothing waits: no deadline');
  });

  it('each path goes once, where it was first removed; one that appeared and was removed again goes too', () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    g.hold(e(0, 'a'), 0);
    g.hold(e(0, 'b'), 1);
    g.hold(e(0, 'a'), 2); // reported twice (a directory's own event and its parent's)
    g.hold(e(0, 'c'), 3);
    g.appeared(0, 'b');
    g.appeared(0, 'c');
    g.hold(e(0, 'c'), 4); // a temporary name: made, removed, made and removed again
    g.appeared(0, 'never-removed');
    assert.equal(g.size, 2);
    assert.deepEqual(g.take(0, true), [e(0, 'a'), e(0, 'c')]);
    assert.equal(g.size, 0);
    g.hold(e(0, 'a'), 10);
    assert.deepEqual(g.take(10, true), [e(0, 'a')], 'nothing of the last round is left over');
  });

  it("a deploy's new names among its removals: only the removals whose paths stayed gone go", () => {
    const g = new RemovalGate<{ root: number; path: string }>();
    const n = 5000;
    for (let i = 0; i < n; i++) {
      g.hold(e(0, `d/f${i}`), i);
      g.appeared(0, `d/n${i}`); // a new file: no removal of it waits
      if (i % 2 === 0) g.appeared(0, `d/f${i}`); // rewritten under its old name
    }
    const out = g.take(n, true);
    assert.equal(out.length, n / 2);
    assert.deepEqual(
      out.slice(0, 3).map((x) => x.path),
      ['d/f1', 'd/f3', 'd/f5'],
    );
    assert.ok(out.every((x, i) => x.path === `d/f${2 * i + 1}`));
  });
});

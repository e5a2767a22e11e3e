import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PendingEntry } from '../../../src/aggregate/types.js';
import { LaneWork } from '../../../src/lane/work.js';
import { quietFacts } from '../../helpers/lane-status.js';

const limits = { maxPathsPerDir: 1000, maxPendingPaths: 100_000 };
const p = (path: string): PendingEntry => ({ path, kind: 'path' });
const paths = (entries: readonly PendingEntry[]): string[] => entries.map((e) => e.path).sort();

describe('LaneWork: what a lane holds', () => {
  it('behind since the first change, until everything is delivered', () => {
    const w = new LaneWork(limits);
    w.add([p('a')], 100);
    w.add([p('b')], 200);
    assert.equal(w.behindSince, 100);
    const batch = w.takeMain(300)!;
    assert.deepEqual(paths(batch.entries), ['a', 'b']);
    assert.equal(w.inFlightSince, 300);
    assert.equal(w.catchUp(), true, 'nothing else pending, no other slot busy');
    assert.equal(w.behindSince, null);
  });
  it('a change arriving while a batch is in flight keeps the lane behind', () => {
    const w = new LaneWork(limits);
    w.add([p('a')], 0);
    w.takeMain(0);
    w.add([p('b')], 5);
    assert.equal(w.catchUp(), false);
    assert.equal(w.behindSince, 0);
  });
  it('facts: pending, full sync, big files waiting, time since the last batch', () => {
    const w = new LaneWork(limits);
    assert.deepEqual(w.facts(1000), quietFacts(1000, Number.POSITIVE_INFINITY));
    w.requestFullSync(1000);
    w.takeMain(1000);
    w.large.hold([p('big')], 1100);
    // Held at 1100: the first look comes once it has been quiet for GATE.settleMs (100 ms).
    assert.deepEqual(w.facts(1150), {
      now: 1150,
      pending: false,
      fullSync: false,
      largeWaiting: true,
      largeReady: false,
      largeLookInMs: 50,
      sinceLastBatchMs: 150,
    });
  });
  it('a path held by the large-file slot stays out of the main batch; all held: no batch', () => {
    const w = new LaneWork(limits);
    w.large.hold([p('v/big')], 0);
    w.add([p('v/big'), p('small')], 0);
    assert.deepEqual(paths(w.takeMain(0)!.entries), ['small']);
    w.mainDone();
    w.add([p('v')], 1);
    assert.equal(w.takeMain(1), null, 'v contains v/big: it waits for that slot');
    assert.deepEqual(paths(w.large.waitingEntries()), ['v', 'v/big']);
  });
  it('a full sync clears what waits for the large slot (it covers it)', () => {
    const w = new LaneWork(limits);
    w.large.hold([p('big')], 0);
    w.requestFullSync(0);
    assert.equal(w.takeMain(0)!.fullSync, true);
    assert.equal(w.large.waitingCount, 0);
  });
  it('a failed batch goes back, merged with what came meanwhile; undelivered counts the in-flight one', () => {
    const w = new LaneWork(limits);
    w.add([p('a')], 0);
    const batch = w.takeMain(0)!;
    w.add([p('b')], 1);
    assert.deepEqual(paths(w.undelivered().entries), ['a', 'b']);
    w.mainDone();
    w.requeue(batch);
    assert.deepEqual(paths(w.pending.peek().entries), ['a', 'b']);
  });
  it('the fail log: pending and waiting, plus in flight when asked; nothing: null', () => {
    const w = new LaneWork(limits);
    assert.equal(w.forFailLog(true), null);
    w.add([p('a')], 0);
    w.takeMain(0);
    w.add([p('b')], 1);
    w.large.hold([p('big')], 0);
    assert.deepEqual(paths(w.forFailLog(false)!.entries), ['b', 'big']);
    assert.deepEqual(paths(w.forFailLog(true)!.entries), ['a', 'b', 'big']);
    w.requestFullSync(2);
    assert.deepEqual(w.forFailLog(false), { full: true, entries: [] });
  });
  it('the oldest rsync running, over both slots', () => {
    const w = new LaneWork(limits);
    assert.equal(w.oldestRunStart(), null);
    w.large.hold([p('big')], 0);
    w.large.observe({ files: new Map([['big', { file: null, writing: false }]]), complete: true, costMs: 0 }, 40); // gone: nothing to wait for
    w.large.start(50);
    w.add([p('a')], 60);
    w.takeMain(70);
    assert.equal(w.oldestRunStart(), 50);
    assert.deepEqual([w.pendingPaths, w.inFlightPaths], [0, 2]);
  });
});

describe('LaneWork: a burst batch takes in what came during its look', () => {
  const many = (prefix: string, n: number): PendingEntry[] => Array.from({ length: n }, (_, k) => p(`${prefix}${k}`));
  it('a batch of minPaths or more takes what is pending, once; the undelivered are all in flight', () => {
    const w = new LaneWork(limits);
    w.add(many('a', 300), 0);
    w.takeMain(0);
    assert.equal(w.absorbPending(10, 200), null, 'nothing pending yet');
    w.add(many('b', 250), 20);
    const merged = w.absorbPending(30, 200)!;
    assert.equal(merged.entries.length, 550);
    assert.equal(w.inFlight, merged);
    assert.equal(w.pendingPaths, 0);
    assert.equal(w.undelivered().entries.length, 550, 'the journal sees every path once, in flight');
    w.add(many('c', 5), 40);
    assert.equal(w.absorbPending(50, 200), null, 'once per batch');
    w.requeue(merged); // a failed batch: every path back, nothing lost
    assert.equal(w.pending.size, 555);
  });
  it('a small batch (a save) is not looked at twice; a full sync neither takes nor is taken', () => {
    const w = new LaneWork(limits);
    w.add(many('a', 10), 0);
    w.takeMain(0);
    w.add(many('b', 300), 5);
    assert.equal(w.absorbPending(10, 200), null);
    w.mainDone();
    w.takeMain(20);
    w.requestFullSync(25);
    assert.equal(w.absorbPending(30, 200), null, 'a full sync pending is not merged into a batch');
    assert.equal(w.pending.fullSync, true);
  });
  it('a merge that would exceed the pending limit leaves the batch as it is and a full sync to follow', () => {
    const w = new LaneWork({ maxPathsPerDir: 100_000, maxPendingPaths: 500 });
    w.add(many('a', 300), 0);
    const first = w.takeMain(0)!;
    w.add(many('b', 300), 5);
    assert.equal(w.absorbPending(10, 200), null);
    assert.equal(w.inFlight, first);
    assert.equal(w.pending.fullSync, true);
  });
});

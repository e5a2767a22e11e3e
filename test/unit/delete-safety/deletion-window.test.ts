import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeletionWindow, HeldDeletions, MAX_ARRIVALS, SLOTS } from '../../../src/delete-safety/deletion-window.js';

const S = { percent: 50, files: 1000, withinMs: 60_000 };

/** Removes `n` paths named `prefix<i>` at `now`; returns the first trip seen (and when). */
function removeMany(
  w: DeletionWindow,
  now: number,
  n: number,
  prefix = 'f',
): { at: number; trip: ReturnType<DeletionWindow['removed']> } | null {
  for (let i = 0; i < n; i++) {
    const trip = w.removed(now, `${prefix}${i}`);
    if (trip) return { at: i + 1, trip };
  }
  return null;
}

describe('DeletionWindow (the mass-deletion decision, injected time)', () => {
  it('a restore or rsync deploy (a temporary name renamed into place, 1,500 times) is no deletion', () => {
    const w = new DeletionWindow(S);
    w.count(0, 500);
    for (let i = 0; i < 1500; i++) {
      w.arrived(100, `.f${i}.txt.AbC123`);
      w.arrived(100, `f${i}.txt`);
      assert.equal(w.transient(100, `.f${i}.txt.AbC123`), true);
    }
    assert.equal(w.count(200, 2000), null, 'the count rose; the temporary names explain no drop');
    assert.deepEqual(w.totals(200), { gone: 0, of: 2000 });
  });
  it('rsync temporary names (.NAME.XXXXXX) the watcher never saw arrive are no disappearance either', () => {
    const w = new DeletionWindow(S);
    w.count(0, 1500);
    assert.equal(w.transient(10, 'd1/.f1.txt.Ab3dE9'), true);
    assert.equal(w.transient(10, '.index.html.q1W2e3'), true);
    assert.equal(w.transient(10, 'd1/f1.txt'), false);
    assert.equal(w.transient(10, 'd1/.hidden'), false);
    assert.equal(w.transient(10, 'd1/.f1.txt.toolong7'), false);
    assert.equal(w.transient(10, '.dir.Ab3dE9/file'), false);
  });
  it('ransomware renaming every old file still trips: the old names never arrived', () => {
    const w = new DeletionWindow(S);
    w.count(0, 1500);
    let trip = null;
    for (let i = 0; i < 1500 && !trip; i++) {
      w.arrived(10, `f${i}.locked`);
      assert.equal(w.transient(10, `f${i}`), false);
      trip = w.removed(10, `f${i}`);
    }
    assert.ok(trip, 'a rename of every file must trip');
    assert.equal(trip.gone, 1000);
  });
  it('an arrival is forgotten with its slot, and at most MAX_ARRIVALS are remembered', () => {
    const w = new DeletionWindow(S);
    w.arrived(0, 'early');
    assert.equal(w.transient(S.withinMs + 1, 'early'), false, 'past the window it counts again');
    for (let i = 0; i <= MAX_ARRIVALS; i++) w.arrived(S.withinMs + 2, `n${i}`);
    assert.equal(w.transient(S.withinMs + 3, `n${MAX_ARRIVALS - 1}`), true);
    assert.equal(w.transient(S.withinMs + 3, `n${MAX_ARRIVALS}`), false, 'the one past the cap was not kept');
  });
  it('half of a 4,000-file root gone at once trips at the 2,000th removal, with every path of the window', () => {
    const w = new DeletionWindow(S);
    assert.equal(w.count(0, 4000), null);
    const r = removeMany(w, 1000, 2500);
    assert.ok(r, 'a 50 % deletion must trip');
    assert.equal(r.at, 2000);
    assert.equal(r.trip!.gone, 2000);
    assert.equal(r.trip!.of, 4000);
    assert.equal(r.trip!.paths.length, 2000);
    assert.equal(r.trip!.paths[0], 'f0');
  });
  it('below the percentage never trips, however many files (a big tree)', () => {
    const w = new DeletionWindow(S);
    w.count(0, 100_000);
    assert.equal(removeMany(w, 10, 49_999), null);
    assert.deepEqual(w.totals(10), { gone: 49_999, of: 100_000 });
  });
  it('below the file count never trips, however large the share (a small tree)', () => {
    const w = new DeletionWindow(S);
    w.count(0, 1200);
    assert.equal(removeMany(w, 10, 999), null);
    assert.ok(w.removed(10, 'last'), 'the 1,000th file, 83 % of the tree, trips');
  });
  it('removals spread beyond the window do not add up; within it they do', () => {
    const w = new DeletionWindow(S);
    w.count(0, 2000);
    assert.equal(removeMany(w, 0, 600, 'a'), null);
    // 61 s later the first 600 left the window: 600 more is 600, not 1,200.
    assert.equal(removeMany(w, 61_000, 600, 'b'), null);
    assert.deepEqual(w.totals(61_000), { gone: 600, of: 2000 });
    // 30 s later still inside the window of the second lot: 600 + 600 trips.
    const w2 = new DeletionWindow(S);
    w2.count(0, 2000);
    assert.equal(removeMany(w2, 0, 600, 'a'), null);
    const r = removeMany(w2, 30_000, 600, 'b');
    assert.ok(r);
    assert.equal(r.at, 400);
  });
  it('the window is exact to one slot: a removal one slot past `within` has left it', () => {
    const w = new DeletionWindow(S);
    w.count(0, 10);
    w.removed(0, 'x');
    assert.equal(w.totals(S.withinMs - 1).gone, 1);
    assert.equal(w.totals(S.withinMs + S.withinMs / SLOTS).gone, 0);
  });
  it('a rename of every file (the count stays) trips: old names disappear', () => {
    const w = new DeletionWindow(S);
    w.count(0, 3000);
    let tripped = false;
    for (let i = 0; i < 3000 && !tripped; i++) {
      tripped = w.removed(5, `f${i}`) !== null;
      if (i % 100 === 99) w.count(5, 3000); // the watcher's count: the new names replaced the old
    }
    assert.ok(tripped);
    assert.deepEqual(w.totals(5), { gone: 1500, of: 3000 });
  });
  it('a directory moved out (one event, the count drops by its subtree) counts the whole subtree', () => {
    const w = new DeletionWindow(S);
    w.count(0, 5000);
    assert.equal(w.removed(10, 'big'), null);
    const trip = w.count(10, 2000);
    assert.ok(trip, '3,000 of 5,000 files gone');
    assert.equal(trip.gone, 3000);
    assert.deepEqual(trip.paths, ['big']);
  });
  it('files that were created and removed again (count unchanged) count only their removals', () => {
    const w = new DeletionWindow(S);
    w.count(0, 4000);
    w.count(1, 4500);
    for (let i = 0; i < 500; i++) w.removed(2, `tmp${i}`);
    assert.equal(w.count(2, 4000), null);
    assert.deepEqual(w.totals(2), { gone: 500, of: 4500 });
  });
  it('with no file count yet, the removals themselves are the base (at most 100 %)', () => {
    const w = new DeletionWindow(S);
    assert.ok(removeMany(w, 0, 1000));
  });
  it('reset forgets the window', () => {
    const w = new DeletionWindow(S);
    w.count(0, 4000);
    removeMany(w, 0, 1500);
    w.reset();
    assert.equal(w.totals(0).gone, 0);
    assert.equal(removeMany(w, 0, 1500), null);
  });
});

describe('HeldDeletions', () => {
  it('holds each path once, ends when every held path is restored, and gives all back sorted on release', () => {
    const h = new HeldDeletions();
    assert.equal(h.holding, false);
    assert.equal(h.add('b', 100), true);
    assert.equal(h.add('a', 200), true);
    assert.equal(h.add('b', 300), false);
    assert.equal(h.since, 100);
    assert.equal(h.size, 2);
    assert.equal(h.restored('zzz'), false);
    assert.equal(h.restored('b'), true);
    assert.equal(h.holding, true);
    assert.equal(h.restored('a'), true);
    assert.equal(h.holding, false);
    assert.equal(h.since, null);
    h.add('y', 400);
    h.add('x', 400);
    assert.deepEqual(h.takeAll(), ['x', 'y']);
    assert.equal(h.holding, false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PendingSet } from '../../../src/aggregate/pending-set.js';
import type { PendingEntry, PendingKind } from '../../../src/aggregate/types.js';
import { seeded } from '../../helpers/seeded.js';

const set = (maxPathsPerDir = 1000, maxPendingPaths = 100_000): PendingSet =>
  new PendingSet({ maxPathsPerDir, maxPendingPaths });

describe('PendingSet: subsumption and roll-up', () => {
  it('a listed directory covers paths added under it later', () => {
    const s = set();
    s.add('d', 'tree');
    s.add('d/x/y', 'path');
    s.add('d/z', 'dir-only');
    assert.deepEqual(s.take().entries, [{ path: 'd', kind: 'tree' }]);
  });
  it('a covering entry removes the pending paths under it', () => {
    const s = set();
    s.add('d/a', 'path');
    s.add('d/b/c', 'path');
    s.add('e', 'path');
    s.add('d', 'path');
    assert.deepEqual(s.take().entries, [
      { path: 'd', kind: 'path' },
      { path: 'e', kind: 'path' },
    ]);
  });
  it('a dir-only entry covers nothing: its children stay', () => {
    const s = set();
    s.add('d', 'dir-only');
    s.add('d/a', 'path');
    assert.deepEqual(s.take().entries, [
      { path: 'd', kind: 'dir-only' },
      { path: 'd/a', kind: 'path' },
    ]);
  });
  it('"d" does not cover "dd" (prefix without a slash)', () => {
    const s = set();
    s.add('d', 'tree');
    s.add('dd/x', 'path');
    assert.equal(s.size, 2);
  });
  it('more than maxPathsPerDir entries in one directory roll up to the directory', () => {
    const s = set(3);
    for (const n of ['1', '2', '3']) s.add(`a/${n}`, 'path');
    assert.equal(s.size, 3);
    s.add('a/4', 'path');
    assert.deepEqual(s.take().entries, [{ path: 'a', kind: 'tree' }]);
  });
  it('a roll-up into a directory that itself is listed under a covered parent is absorbed', () => {
    const s = set(2);
    s.add('p', 'tree');
    s.add('p/a/1', 'path');
    assert.deepEqual(s.take().entries, [{ path: 'p', kind: 'tree' }]);
  });
  it('too many entries directly in the root roll up to a full sync', () => {
    const s = set(3);
    for (const n of ['1', '2', '3', '4']) s.add(n, 'path');
    const b = s.take();
    assert.equal(b.fullSync, true);
    assert.deepEqual(b.entries, []);
  });
  it('more than maxPendingPaths overall roll up to a full sync, and nothing is added after it', () => {
    const s = set(1000, 5);
    for (let i = 0; i < 6; i++) s.add(`d${i}/f`, 'path');
    assert.equal(s.fullSync, true);
    s.add('late', 'path');
    const b = s.take();
    assert.equal(b.fullSync, true);
    assert.equal(s.isEmpty(), true);
  });
  it('take() empties the set and returns entries sorted by path bytes', () => {
    const s = set();
    for (const p of ['b', 'a/z', 'a', 'c']) s.add(p, 'dir-only');
    assert.deepEqual(
      s.take().entries.map((e) => e.path),
      ['a', 'a/z', 'b', 'c'],
    );
    assert.equal(s.isEmpty(), true);
    assert.equal(s.take().entries.length, 0);
  });
  it('peek() shows without removing', () => {
    const s = set();
    s.add('x', 'path');
    assert.equal(s.peek().entries.length, 1);
    assert.equal(s.size, 1);
  });
});

/** The same rules without adoption: every entry goes through the trie. */
const viaTrie = (s: PendingSet, entries: readonly PendingEntry[]): void => s.addAll(entries);

/** An aggregator's cut of these adds: sorted, none covering another. */
function cutOf(adds: ReadonlyArray<readonly [string, PendingKind]>, maxPathsPerDir = 1000): PendingEntry[] {
  const s = set(maxPathsPerDir);
  for (const [p, k] of adds) s.add(p, k);
  return [...s.take().entries];
}

describe('PendingSet.adopt: a cut kept as it is', () => {
  it('into an empty set: take() gives the cut itself, and the set is empty after', () => {
    const cut = cutOf([
      ['d/a', 'path'],
      ['d/b', 'path'],
      ['e', 'tree'],
      ['f', 'dir-only'],
    ]);
    const s = set();
    s.adopt(cut);
    assert.equal(s.size, 4);
    assert.equal(s.isEmpty(), false);
    assert.deepEqual(s.peek(), { fullSync: false, entries: cut });
    const b = s.take();
    assert.equal(b.entries, cut, 'the same array: no trie was built');
    assert.equal(s.isEmpty(), true);
    assert.deepEqual(s.take().entries, []);
  });

  it('what comes after the cut merges with it as addAll would (a covering path takes it over)', () => {
    const s = set();
    s.adopt(
      cutOf([
        ['d/a', 'path'],
        ['d/b', 'path'],
        ['e', 'path'],
      ]),
    );
    s.add('d', 'path');
    assert.deepEqual(s.take().entries, [
      { path: 'd', kind: 'path' },
      { path: 'e', kind: 'path' },
    ]);
  });

  it('into a set that holds something, or unsorted: added one by one', () => {
    const s = set();
    s.add('d', 'tree');
    s.adopt([
      { path: 'd/x', kind: 'path' },
      { path: 'z', kind: 'path' },
    ]);
    assert.deepEqual(s.take().entries, [
      { path: 'd', kind: 'tree' },
      { path: 'z', kind: 'path' },
    ]);
    const u = set();
    u.adopt([
      { path: 'b', kind: 'path' },
      { path: 'a', kind: 'path' },
    ]);
    assert.deepEqual(
      u.take().entries.map((e) => e.path),
      ['a', 'b'],
    );
  });

  it('an empty cut leaves the set as it was, and the next cut is still kept as it is', () => {
    const s = set();
    s.adopt([]);
    assert.equal(s.isEmpty(), true);
    const cut = cutOf([['a', 'path']]);
    s.adopt(cut);
    assert.equal(s.take().entries, cut);
  });

  it('a full sync requested after it covers it', () => {
    const s = set();
    s.adopt(cutOf([['a', 'path']]));
    s.requestFullSync();
    assert.deepEqual(s.take(), { fullSync: true, entries: [] });
    assert.equal(s.isEmpty(), true);
  });

  it('2,000 random steps give what the trie alone gives, take by take', () => {
    const random = seeded(19);
    const names = ['a', 'a b', 'a/b', 'a/b/c', 'a/c', 'a-b', 'b', 'b/a', 'b/a/x', 'c', 'c/d'];
    const kinds: PendingKind[] = ['path', 'tree', 'dir-only'];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const randomAdds = (): Array<[string, PendingKind]> =>
      Array.from({ length: 1 + Math.floor(random() * 6) }, () => [pick(names), pick(kinds)]);
    // A low roll-up limit, so cuts hold rolled-up directories too.
    const adopting = set(2);
    const plain = set(2);
    let takes = 0;
    for (let step = 0; step < 2000; step++) {
      const r = random();
      if (r < 0.35) {
        const cut = cutOf(randomAdds(), 2);
        adopting.adopt(cut);
        viaTrie(plain, cut);
      } else if (r < 0.6) {
        const [p, k] = pick(randomAdds());
        adopting.add(p, k);
        plain.add(p, k);
      } else if (r < 0.63) {
        adopting.requestFullSync();
        plain.requestFullSync();
      } else if (r < 0.7) {
        assert.deepEqual(adopting.peek(), plain.peek(), `peek at step ${step}`);
        assert.equal(adopting.size, plain.size);
      } else {
        assert.deepEqual(adopting.take(), plain.take(), `take at step ${step}`);
        takes++;
      }
      assert.equal(adopting.isEmpty(), plain.isEmpty(), `isEmpty at step ${step}`);
    }
    assert.ok(takes > 500);
  });
});

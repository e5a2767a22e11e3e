import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PendingSet } from '../../../src/aggregate/pending-set.js';

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

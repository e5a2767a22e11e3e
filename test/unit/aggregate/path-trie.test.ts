import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PathTrie } from '../../../src/aggregate/path-trie.js';

const trie = (maxPathsPerDir = 1000, maxPendingPaths = 100_000): PathTrie =>
  new PathTrie({ maxPathsPerDir, maxPendingPaths });

describe('PathTrie: dirty paths of one root', () => {
  it('lists entries sorted by path bytes, each held by itself', () => {
    const t = trie();
    assert.deepEqual(t.add('b/x', 'path', 5), { holder: 'b/x' });
    t.add('a', 'path', 6);
    t.add('b/a', 'dir-only', 7);
    assert.deepEqual(t.entries(), [
      { path: 'a', kind: 'path' },
      { path: 'b/a', kind: 'dir-only' },
      { path: 'b/x', kind: 'path' },
    ]);
    assert.equal(t.size, 3);
    assert.equal(t.oldestFirst(), 5);
  });

  it('the same path twice merges kinds (the wider wins) and keeps first/last', () => {
    const t = trie();
    t.add('d', 'dir-only', 1);
    t.add('d', 'path', 4);
    assert.deepEqual(t.entry('d'), { kind: 'path', first: 1, last: 4 });
    t.add('d', 'dir-only', 9);
    assert.deepEqual(t.entry('d'), { kind: 'path', first: 1, last: 9 });
  });

  it('a covering directory absorbs its subtree, before and after, keeping the earliest first', () => {
    const t = trie();
    t.add('d/a', 'path', 1);
    t.add('d/e/b', 'path', 2);
    assert.deepEqual(t.add('d', 'tree', 5), { holder: 'd' });
    assert.deepEqual(t.entries(), [{ path: 'd', kind: 'tree' }]);
    assert.deepEqual(t.entry('d'), { kind: 'tree', first: 1, last: 5 });
    // A later change below is absorbed: the holder is the directory, its `last` moves.
    assert.deepEqual(t.add('d/e/c', 'path', 8), { holder: 'd' });
    assert.deepEqual(t.entry('d'), { kind: 'tree', first: 1, last: 8 });
    assert.equal(t.size, 1);
  });

  it('an attribute-only directory does not cover what is below it', () => {
    const t = trie();
    t.add('d', 'dir-only', 1);
    assert.deepEqual(t.add('d/f', 'path', 2), { holder: 'd/f' });
    assert.equal(t.size, 2);
  });

  it('more than maxPathsPerDir entries in a directory roll up into a tree entry for it', () => {
    const t = trie(2);
    t.add('d/a', 'path', 1);
    t.add('d/b', 'path', 2);
    assert.deepEqual(t.add('d/c', 'path', 3), { holder: 'd' });
    assert.deepEqual(t.entries(), [{ path: 'd', kind: 'tree' }]);
    assert.deepEqual(t.entry('d'), { kind: 'tree', first: 1, last: 3 });
  });

  it('a roll-up in an already listed directory widens its entry', () => {
    const t = trie(2);
    t.add('d', 'dir-only', 0);
    t.add('d/a', 'path', 1);
    t.add('d/b', 'path', 2);
    assert.deepEqual(t.add('d/c', 'path', 3), { holder: 'd' });
    assert.deepEqual(t.entry('d'), { kind: 'tree', first: 0, last: 3 });
    assert.equal(t.size, 1);
  });

  it('too many entries in the root, or overall, become a full sync that absorbs every later add', () => {
    const root = trie(2);
    root.add('a', 'path', 3);
    root.add('b', 'path', 4);
    assert.deepEqual(root.add('c', 'path', 5), { fullSync: true });
    assert.equal(root.fullSync, true);
    assert.equal(root.fullSyncSince, 3);
    assert.equal(root.size, 0);
    assert.deepEqual(root.add('x/y', 'path', 9), { fullSync: true });
    assert.equal(root.oldestFirst(), 3);

    const overall = trie(1000, 2);
    overall.add('a/1', 'path', 1);
    overall.add('b/1', 'path', 2);
    assert.deepEqual(overall.add('c/1', 'path', 3), { fullSync: true });
    assert.equal(overall.fullSyncSince, 1);
  });

  it('takeAll() hands over everything and starts again; remove() takes one entry and keeps its subtree', () => {
    const t = trie(2);
    for (const p of ['a', 'b', 'c']) t.add(p, 'path', 1);
    assert.deepEqual(t.takeAll(), { fullSync: true, entries: [] });
    assert.equal(t.fullSync, false);
    assert.equal(t.fullSyncSince, Infinity);
    assert.equal(t.oldestFirst(), null);

    t.add('d', 'dir-only', 1);
    t.add('d/f', 'path', 2);
    assert.deepEqual(t.remove('d'), { kind: 'dir-only', first: 1, last: 1 });
    assert.equal(t.remove('d'), null);
    assert.deepEqual(t.entries(), [{ path: 'd/f', kind: 'path' }]);
    t.remove('d/f');
    assert.equal(t.size, 0);
    // Pruned: the directory counts no entries any more, so two new ones do not roll up.
    t.add('d/g', 'path', 3);
    t.add('d/h', 'path', 3);
    assert.deepEqual(t.takeAll(), {
      fullSync: false,
      entries: [
        { path: 'd/g', kind: 'path' },
        { path: 'd/h', kind: 'path' },
      ],
    });
  });

  it('requestFullSync keeps the first request time', () => {
    const t = trie();
    t.add('a', 'path', 1);
    t.requestFullSync(10);
    t.requestFullSync(20);
    assert.equal(t.fullSyncSince, 10);
    assert.equal(t.size, 0);
  });
});

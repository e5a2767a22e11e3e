import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  deletionFoldReads,
  FOLD_MAX_KEEP,
  FOLD_MIN_MISSING,
  foldCandidates,
  foldDeletions,
} from '../../../src/lane/fold-deletions.js';
import type { ResolvedBatch } from '../../../src/lane/stat-batch.js';

function batch(b: Partial<ResolvedBatch>): ResolvedBatch {
  return { recursive: [], directories: [], missing: [], large: [], dirsOnly: [], ...b };
}
const gone = (dir: string, n = FOLD_MIN_MISSING): string[] => Array.from({ length: n }, (_, i) => `${dir}/g${i}`);

/**
 * Which directories the look reads for a fold (lane/fold-deletions.ts): the planner's table
 * (test/unit/plan-transfer.test.ts) shows the runs; this shows the readdirs asked for and the
 * batch handed on.
 */
describe('foldCandidates: the directories whose entries the look reads', () => {
  it('only directories with FOLD_MIN_MISSING missing children; never the root', () => {
    const missing = [
      ...gone('a'),
      ...gone('b', FOLD_MIN_MISSING - 1),
      ...gone('', FOLD_MIN_MISSING).map((p) => p.slice(1)),
    ];
    assert.deepEqual(foldCandidates(batch({ recursive: missing, missing })), ['a']);
  });
  it('a directory that holds another entry of the batch, at any depth, or a dir-only entry below it: not read', () => {
    const missing = [...gone('a'), ...gone('b'), ...gone('c'), ...gone('d')];
    const b = batch({
      recursive: [...missing, 'a/new', 'b/x/y'],
      missing,
      dirsOnly: ['c/sub', 'd'],
    });
    assert.deepEqual(foldCandidates(b), ['d'], "d's own attributes do not stop it");
  });
  it('inside, or itself, a directory the batch sends recursively: not read', () => {
    const missing = [...gone('t/a'), ...gone('u')];
    assert.deepEqual(
      foldCandidates(batch({ recursive: ['t', 'u', ...missing], missing, directories: ['t', 'u'] })),
      [],
    );
  });
});

describe('deletionFoldReads: how far the look reads each candidate', () => {
  it('to one entry fewer than its missing children (a fold needs fewer kept than gone), FOLD_MAX_KEEP at most', () => {
    const missing = [
      ...gone('a'),
      ...gone('b', 40),
      ...gone('c', FOLD_MAX_KEEP + 10),
      ...gone('x', FOLD_MIN_MISSING - 1),
    ];
    assert.deepEqual(
      deletionFoldReads(batch({ recursive: missing, missing })),
      new Map([
        ['a', FOLD_MIN_MISSING - 1],
        ['b', 39],
        ['c', FOLD_MAX_KEEP],
      ]),
    );
  });
  it('a directory holding as many entries as it lost is never folded, so reading it further is of no use', () => {
    const missing = gone('a', 20);
    const b = batch({ recursive: missing, missing });
    const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `a/k${i}`);
    assert.equal(deletionFoldReads(b).get('a'), 19);
    assert.deepEqual(foldDeletions(b, new Map([['a', { names: names(19), hasSubdir: false }]])).folded.length, 1);
    assert.deepEqual(foldDeletions(b, new Map([['a', { names: names(20), hasSubdir: false }]])).folded, []);
  });
});

describe('foldDeletions: the batch handed to the planner', () => {
  it('each folded directory listed once, where its first missing child was; the others kept in order', () => {
    const missing = gone('a');
    const b = batch({ recursive: ['x/1', ...missing, 'x/2'], missing });
    const f = foldDeletions(b, new Map([['a', { names: ['a/left'], hasSubdir: false }]]));
    assert.deepEqual(f.resolved.recursive, ['x/1', 'a', 'x/2']);
    assert.deepEqual(f.resolved.directories, ['a']);
    assert.deepEqual(f.resolved.missing, []);
    assert.deepEqual(f.folded, [{ dir: 'a', keep: ['a/left'] }]);
  });
  it('a missing subtree is one missing child like any other', () => {
    const missing = [...gone('a', FOLD_MIN_MISSING - 1), 'a/tree'];
    const f = foldDeletions(batch({ recursive: missing, missing }), new Map([['a', { names: [], hasSubdir: false }]]));
    assert.deepEqual(f.resolved.recursive, ['a']);
  });
  it('a directory that still holds more than FOLD_MAX_KEEP entries stays listed by name (one protect rule per entry)', () => {
    const missing = gone('a', FOLD_MAX_KEEP + 10);
    const b = batch({ recursive: missing, missing });
    const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `a/left${i}`);
    assert.equal(foldDeletions(b, new Map([['a', { names: names(FOLD_MAX_KEEP + 1), hasSubdir: false }]])).resolved, b);
    assert.deepEqual(
      foldDeletions(b, new Map([['a', { names: names(FOLD_MAX_KEEP), hasSubdir: false }]])).resolved.recursive,
      ['a'],
    );
  });
  it('no listing for a candidate (not read, or gone): the batch as it was, the same object', () => {
    const missing = gone('a');
    const b = batch({ recursive: missing, missing });
    assert.equal(foldDeletions(b, new Map()).resolved, b);
    assert.equal(foldDeletions(b, new Map([['a', null]])).resolved, b);
  });
});

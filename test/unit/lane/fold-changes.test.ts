import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHANGE_FOLD_MIN, changeFoldCandidates, foldChanges } from '../../../src/lane/fold-changes.js';
import type { ResolvedBatch } from '../../../src/lane/stat-batch.js';

function batch(b: Partial<ResolvedBatch>): ResolvedBatch {
  return { recursive: [], directories: [], missing: [], large: [], dirsOnly: [], ...b };
}
const files = (dir: string, n = CHANGE_FOLD_MIN): string[] => Array.from({ length: n }, (_, i) => `${dir}/c${i}`);

/**
 * Which directories the look reads for a change fold (lane/fold-changes.ts), and the batch handed
 * on; the planner's table (test/unit/plan-transfer.test.ts) shows the runs.
 */
describe('changeFoldCandidates: the directories whose entries the look reads', () => {
  it('only directories with CHANGE_FOLD_MIN changed files and nothing else of the batch in them', () => {
    const b = batch({
      recursive: [...files('a'), ...files('b', CHANGE_FOLD_MIN - 1), ...files('c'), 'c/gone', ...files('d'), 'd/s'],
      missing: ['c/gone'],
      directories: ['d/s'],
    });
    assert.deepEqual(changeFoldCandidates(b), ['a']);
  });
  it('a directory holding a deeper file, a dir-only entry or a big file below it: not read; its own dir-only entry is no obstacle', () => {
    const b = batch({
      recursive: [...files('a'), 'a/x/y', ...files('b'), ...files('c'), ...files('e')],
      dirsOnly: ['b/sub', 'e'],
      large: [{ path: 'c/big', kind: 'path' }],
    });
    assert.deepEqual(changeFoldCandidates(b), ['e']);
  });
});

describe('foldChanges: the batch handed to the planner', () => {
  it('each folded directory listed once, where its first file was; the others kept in order', () => {
    const b = batch({ recursive: ['x/1', ...files('a'), 'x/2'] });
    const f = foldChanges(b, new Map([['a', { names: files('a'), hasSubdir: false }]]));
    assert.deepEqual(f.resolved.recursive, ['x/1', 'a', 'x/2']);
    assert.deepEqual(f.resolved.directories, ['a']);
    assert.deepEqual(f.changed, ['a']);
  });
  it('a listing with a name the batch does not hold, or with a subdirectory, or none: the batch unchanged', () => {
    const b = batch({ recursive: files('a') });
    for (const l of [
      { names: [...files('a'), 'a/other'], hasSubdir: false },
      { names: files('a'), hasSubdir: true },
      null,
    ])
      assert.deepEqual(foldChanges(b, new Map([['a', l]])), { resolved: b, changed: [] }, JSON.stringify(l));
    assert.deepEqual(foldChanges(b, new Map()), { resolved: b, changed: [] }, 'not read');
  });
});

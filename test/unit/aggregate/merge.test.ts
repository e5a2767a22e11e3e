import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MERGE } from '../../../src/aggregate/merge.js';
import { PendingSet } from '../../../src/aggregate/pending-set.js';
import type { PendingKind } from '../../../src/aggregate/types.js';

const LIMITS = { maxPathsPerDir: 1000, maxPendingPaths: 100_000 };

/** Every cell of the merge table, checked both in the table and through PendingSet. */
describe('MERGE[old][new]: the same path made dirty twice', () => {
  const cells: Array<[PendingKind, PendingKind, PendingKind]> = [
    ['path', 'path', 'path'],
    ['path', 'tree', 'tree'],
    ['path', 'dir-only', 'path'],
    ['tree', 'path', 'tree'],
    ['tree', 'tree', 'tree'],
    ['tree', 'dir-only', 'tree'],
    ['dir-only', 'path', 'path'],
    ['dir-only', 'tree', 'tree'],
    ['dir-only', 'dir-only', 'dir-only'],
  ];
  for (const [older, newer, result] of cells) {
    it(`${older} + ${newer} → ${result}`, () => {
      assert.equal(MERGE[older][newer], result);
      const s = new PendingSet(LIMITS);
      s.add('a/b', older);
      s.add('a/b', newer);
      assert.deepEqual(s.take().entries, [{ path: 'a/b', kind: result }]);
    });
  }
  it('the table has exactly these 9 cells', () => {
    assert.equal(Object.values(MERGE).flatMap((row) => Object.keys(row)).length, cells.length);
  });
});

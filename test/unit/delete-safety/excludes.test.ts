import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExcluded, type TreeTally } from '../../../src/delete-safety/excludes.js';
import { compileFilter } from '../../../src/watch/filter.js';

describe('findExcluded: the paths <filter> excludes under directories sent recursively', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'excludes-'));
    const files: Record<string, string> = {
      'keep.txt': 'abc',
      'x.tmp': '12345',
      'd/y.tmp': '1',
      'd/ok': 'zz',
      'd/c.tmp/in': 'nnnn',
      'cache/f': 'q',
      'e/f': '',
    };
    for (const [rel, body] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), body);
    }
    fs.writeFileSync(Buffer.from(`${root}/bad\xff.tmp`, 'latin1'), 'b');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const filter = compileFilter(['(.*)\\.tmp', '^cache/*']);

  it('lists each excluded path once, never descending into an excluded directory', async () => {
    const out = await findExcluded(root, [''], filter);
    assert.deepEqual(out.sort(), ['bad\xff.tmp', 'cache', 'd/c.tmp', 'd/y.tmp', 'x.tmp']);
  });

  it('walks only the directories given; a missing one is skipped', async () => {
    assert.deepEqual((await findExcluded(root, ['d', 'gone'], filter)).sort(), ['d/c.tmp', 'd/y.tmp']);
  });

  it('with a tally, counts the kept entries and the kept regular files bytes', async () => {
    const tally: TreeTally = { entries: 0, bytes: 0 };
    await findExcluded(root, [''], filter, tally);
    // keep.txt, d, d/ok, e, e/f
    assert.deepEqual(tally, { entries: 5, bytes: 3 + 2 });
  });

  it('an inactive filter finds nothing', async () => {
    assert.deepEqual(await findExcluded(root, [''], compileFilter([])), []);
  });
});

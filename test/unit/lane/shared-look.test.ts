import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PendingEntry } from '../../../src/aggregate/types.js';
import { SharedLook } from '../../../src/lane/shared-look.js';

const batch = (...paths: string[]): PendingEntry[] => paths.map((path) => ({ path, kind: 'path' }));

/** A look the test ends by hand, counting how often the disk was read. */
function reads() {
  let count = 0;
  const ends: Array<(v: string) => void> = [];
  return {
    read: () => {
      count++;
      return new Promise<string>((r) => ends.push(r));
    },
    count: () => count,
    end: (i: number, v: string) => ends[i]!(v),
  };
}

describe('SharedLook: one look for the lanes of a root that send the same batch at once', () => {
  it('a lane with an equal batch (another array, same paths and kinds) gets the look in flight', async () => {
    const share = new SharedLook<string>();
    const r = reads();
    const a = share.look(batch('d/a', 'd/b'), 'main false', r.read);
    const b = share.look(batch('d/a', 'd/b'), 'main false', r.read);
    assert.equal(r.count(), 1);
    assert.deepEqual([a.joined, b.joined], [false, true]);
    r.end(0, 'facts');
    assert.deepEqual(await Promise.all([a.look, b.look]), ['facts', 'facts']);
  });

  it('a different batch, kind of entry, slot or deletions-first reads the disk itself', () => {
    const share = new SharedLook<string>();
    const r = reads();
    const looks = [
      share.look(batch('d/a', 'd/b'), 'main false', r.read),
      share.look(batch('d/a'), 'main false', r.read),
      share.look([{ path: 'd/a', kind: 'tree' }], 'main false', r.read),
      share.look([{ path: 'd/a', kind: 'tree' }], 'large false', r.read),
      share.look([{ path: 'd/a', kind: 'tree' }], 'large true', r.read),
    ];
    assert.equal(r.count(), 5);
    assert.deepEqual(
      looks.map((l) => l.joined),
      [false, false, false, false, false],
    );
  });

  it('a look that has ended is never handed out again: the next batch reads anew', async () => {
    const share = new SharedLook<string>();
    const r = reads();
    const first = share.look(batch('x'), 'main false', r.read);
    r.end(0, 'then');
    assert.equal(await first.look, 'then');
    const again = share.look(batch('x'), 'main false', r.read);
    assert.equal(r.count(), 2);
    assert.equal(again.joined, false);
    r.end(1, 'now');
    assert.equal(await again.look, 'now');
  });

  it('new changes handed to the root end the sharing: a batch taken after them reads anew', () => {
    const share = new SharedLook<string>();
    const r = reads();
    const before = [share.look(batch('d/a'), 'main false', r.read), share.look(batch('d/a'), 'main false', r.read)];
    share.changed();
    // Equal entries, but d/a changed again after the first look began (the same path, merged).
    const after = [share.look(batch('d/a'), 'main false', r.read), share.look(batch('d/a'), 'main false', r.read)];
    assert.equal(r.count(), 2, 'one look before the change, shared; one after it, shared');
    assert.deepEqual(
      [...before, ...after].map((l) => l.joined),
      [false, true, false, true],
    );
  });

  it('a look that fails fails for every lane that shared it, and the next one reads anew', async () => {
    const share = new SharedLook<string>();
    let count = 0;
    const failing = (): Promise<string> => {
      count++;
      return Promise.reject(new Error('EIO'));
    };
    const a = share.look(batch('x'), 'main false', failing);
    const b = share.look(batch('x'), 'main false', failing);
    await assert.rejects(a.look, /EIO/);
    await assert.rejects(b.look, /EIO/);
    await assert.rejects(share.look(batch('x'), 'main false', failing).look, /EIO/);
    assert.equal(count, 2);
  });
});

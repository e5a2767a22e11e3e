import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type fs from 'node:fs';
import { DirListings, FILES_PER_EVENT, LIST_MIN_EVENTS, NOT_A_DIR } from '../../../src/watch/dir-listings.js';
import type { FsEventJob } from '../../../src/watch/event-queue.js';
import type { Watched } from '../../../src/watch/watch-table.js';

/** A directory read that returns `entries` (name → is a directory), counting its calls. */
function fakeDir(entries: Record<string, boolean> | null): {
  reads: number;
  read: (abs: string | Buffer) => fs.Dirent[] | null;
} {
  const t = {
    reads: 0,
    read: () => {
      t.reads++;
      return entries && Object.entries(entries).map(([name, dir]) => ({ name, isDirectory: () => dir }) as fs.Dirent);
    },
  };
  return t;
}

describe('DirListings: one read of a directory answers the events that came before it', () => {
  it('a name missing from the listing is gone, a file is a non-directory, a directory is left to an lstat', () => {
    const d = fakeDir({ f: false, sub: true });
    const l = new DirListings(d.read);
    assert.equal(l.fresh('0\0d', 4), false);
    assert.equal(l.lookup('0\0d', 4, 'f'), undefined, 'no listing: lstat');
    assert.equal(l.list('0\0d', '/abs/d', 10), true);
    assert.equal(l.fresh('0\0d', 4), true);
    assert.equal(l.lookup('0\0d', 4, 'f'), NOT_A_DIR);
    assert.equal(l.lookup('0\0d', 4, 'gone'), null);
    assert.equal(l.lookup('0\0d', 4, 'sub'), undefined, 'a directory: lstat for its identity');
    assert.equal(l.lookup('0\0other', 4, 'f'), undefined, 'another directory has no listing');
    assert.equal(d.reads, 1);
  });

  it('an event that came after the listing (or with it) is not answered by it', () => {
    const l = new DirListings(fakeDir({ f: false }).read);
    l.list('0\0d', '/abs/d', 10);
    assert.equal(l.lookup('0\0d', 9, 'f'), NOT_A_DIR);
    assert.equal(l.lookup('0\0d', 10, 'f'), undefined);
    assert.equal(l.fresh('0\0d', 10), false);
    assert.equal(l.lookup('0\0d', 11, 'gone'), undefined, 'not "gone": the listing may predate its creation');
  });

  it("an unreadable directory gives no listing: its events are lstat'ed", () => {
    const none = new DirListings(fakeDir(null).read);
    assert.equal(none.list('0\0d', '/abs/d', 10), false);
    assert.equal(none.lookup('0\0d', 1, 'f'), undefined);
  });

  it('statOf lists a directory once enough of its events wait, and lets the listing go with the last of them', () => {
    const d = fakeDir({ f: false, sub: true });
    const l = new DirListings(d.read);
    const lstats: string[] = [];
    const table = {
      get: () => ({ files: 100 }) as Watched,
      absOf: (rel: string) => `/abs/${rel}`,
      statSync: (rel: string) => {
        lstats.push(rel);
        return null;
      },
    };
    let waiting = LIST_MIN_EVENTS - 1;
    const queue = { waitingIn: () => waiting, arrived: 50 };
    const job = (name: string, seq: number): FsEventJob => ({
      ri: 0,
      dirRel: 'd',
      name,
      dk: '0\0d',
      type: 'rename',
      seq,
    });
    assert.equal(l.statOf(job('f', 1), 'd/f', queue, table), null, 'too few waiting: lstat');
    assert.deepEqual(lstats, ['d/f']);
    waiting = LIST_MIN_EVENTS;
    assert.equal(l.statOf(job('f', 2), 'd/f', queue, table), NOT_A_DIR);
    assert.equal(l.statOf(job('gone', 3), 'd/gone', queue, table), null);
    assert.equal(l.statOf(job('sub', 4), 'd/sub', queue, table), null, 'a directory: lstat (here: gone)');
    assert.deepEqual(lstats, ['d/f', 'd/sub']);
    assert.equal(d.reads, 1, 'one listing for all of them');
    waiting = 0;
    l.statOf(job('f', 5), 'd/f', queue, table);
    assert.equal(l.fresh('0\0d', 5), false, 'the last waiting event let the listing go');
    waiting = LIST_MIN_EVENTS;
    table.get = () => ({ files: FILES_PER_EVENT * LIST_MIN_EVENTS + 1 }) as Watched;
    l.statOf(job('f', 6), 'd/f', queue, table);
    assert.equal(d.reads, 1, 'a directory too big for its waiting events is not listed');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { identOf, sameDir, WatchTable } from '../../../src/watch/watch-table.js';

class FakeHandle {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

function table(): { t: WatchTable<FakeHandle>; add: (rel: string, ino: number) => FakeHandle } {
  const t = new WatchTable<FakeHandle>(Buffer.from('/srv/www'));
  return {
    t,
    add(rel, ino) {
      const h = new FakeHandle();
      t.add(rel, { ino, birth: 1 }, h);
      return h;
    },
  };
}

describe('WatchTable: what one root watches', () => {
  it('paths and base names, the root by its own last component', () => {
    const { t } = table();
    assert.equal(t.absOf('').toString(), '/srv/www');
    assert.equal(t.absOf('a/b').toString(), '/srv/www/a/b');
    assert.equal(t.baseOf(''), 'www');
    assert.equal(t.baseOf('a/b'), 'b');
  });
  it('fs paths are the bytes: a string when ASCII, else a Buffer of the exact bytes', () => {
    const { t } = table();
    assert.equal(t.absOf('a/b'), '/srv/www/a/b');
    const odd = Buffer.from([0x64, 0xff, 0x2f, 0xc3, 0xa9]).toString('latin1'); // d\xff/é
    assert.deepEqual(
      t.absOf(odd),
      Buffer.concat([Buffer.from('/srv/www/'), Buffer.from([0x64, 0xff, 0x2f, 0xc3, 0xa9])]),
    );
    const utf8Root = new WatchTable<FakeHandle>(Buffer.from('/srv/wätch'));
    assert.deepEqual(utf8Root.absOf('x'), Buffer.from('/srv/wätch/x'));
    assert.equal(utf8Root.baseOf(''), Buffer.from('wätch').toString('latin1'));
  });
  it('only a directory with watched subdirectories holds a set of them', () => {
    const { t, add } = table();
    add('', 1);
    add('a', 2);
    add('a/b', 3);
    assert.equal(t.get('a/b')!.children, null, 'a leaf');
    assert.deepEqual([...t.get('a')!.children!], ['a/b']);
    t.closeSubtree('a/b', 0);
    assert.deepEqual([...t.get('a')!.children!], []);
  });
  it('closing a directory closes every watch under it, and only those', () => {
    const { t, add } = table();
    const root = add('', 1);
    const a = add('a', 2);
    const ab = add('a/b', 3);
    const abc = add('a/b/c', 4);
    const ax = add('ax', 5);
    t.closeSubtree('a', 0);
    assert.deepEqual(
      [root, a, ab, abc, ax].map((h) => h.closed),
      [false, true, true, true, false],
    );
    assert.equal(t.size, 2);
    assert.equal(t.has('a/b'), false);
  });
  it('a closed directory that reappears elsewhere was moved; a live one under another name too', () => {
    const { t, add } = table();
    add('', 1);
    add('a', 2);
    add('b', 3);
    t.closeSubtree('a', 1000);
    assert.equal(t.movedFrom(2, 'x/a', 1500), 'a');
    assert.equal(t.movedFrom(3, 'y', 1500), 'b');
    assert.equal(t.movedFrom(9, 'z', 1500), undefined);
  });
  it('an own-named child is known when listed, watched or lately vanished', () => {
    const { t, add } = table();
    add('', 1);
    assert.equal(t.knewOwnNamed('www'), false);
    t.ownNamed.add('www');
    assert.equal(t.knewOwnNamed('www'), true);
    add('d', 2);
    add('d/d', 3);
    assert.equal(t.knewOwnNamed('d/d'), true);
    t.closeSubtree('d/d', 0);
    assert.equal(t.knewOwnNamed('d/d'), true, 'vanished a moment ago');
  });
  it('identity: same inode and birth time, and a directory', () => {
    const st = { ino: 5, birthtimeMs: 10, isDirectory: () => true };
    assert.equal(sameDir(identOf(st), st), true);
    assert.equal(sameDir({ ino: 5, birth: 11 }, st), false, 'a new directory on a reused inode');
    assert.equal(sameDir(identOf(st), { ...st, isDirectory: () => false }), false);
  });
});

describe('WatchTable: the root file count (the brake base)', () => {
  it('sums each directory count, follows single removals, and drops a closed subtree', () => {
    const { t, add } = table();
    add('', 1);
    add('a', 2);
    add('a/b', 3);
    t.setFiles('', 5);
    t.setFiles('a', 10);
    t.setFiles('a/b', 100);
    assert.equal(t.files, 115);
    t.setFiles('a', 12);
    assert.equal(t.files, 117);
    t.fileGone('a/b');
    assert.equal(t.files, 116);
    t.setFiles('nope', 50);
    t.fileGone('nope');
    assert.equal(t.files, 116, 'an unwatched directory changes nothing');
    t.closeSubtree('a', 0);
    assert.equal(t.files, 5);
    t.setFiles('', 0);
    t.fileGone('');
    assert.equal(t.files, 0, 'never below zero');
  });
});

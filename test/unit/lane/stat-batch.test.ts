import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statBatch, type ResolvedBatch, type SlotRule } from '../../../src/lane/stat-batch.js';
import type { PendingEntry, PendingKind } from '../../../src/aggregate/types.js';
import { fromBytes } from '../../../src/shared/bytepath.js';
import { fillTree } from '../../helpers/tree.js';

/** statBatch's answer with every list not named empty (the tables name only what a case puts somewhere). */
const split = (lists: Partial<ResolvedBatch>): ResolvedBatch => ({
  recursive: lists.recursive ?? [],
  directories: lists.directories ?? [],
  missing: lists.missing ?? [],
  dirsOnly: lists.dirsOnly ?? [],
  large: lists.large ?? [],
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-resolve-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A fresh root holding these entries (a trailing '/' makes a directory). */
function root(entries: readonly string[]): string {
  const r = path.join(tmp, `root${++n}`);
  fs.mkdirSync(r);
  return fillTree(r, entries);
}

const p = (path: string, kind: PendingKind = 'path'): PendingEntry => ({ path, kind });

describe('statBatch', () => {
  it('an existing file is listed recursively, not as a directory', async () => {
    const r = root(['f.txt']);
    assert.deepEqual(await statBatch(r, [p('f.txt')]), split({ recursive: ['f.txt'] }));
  });

  it('an existing directory is listed recursively and reported among directories', async () => {
    const r = root(['d/', 'd/x']);
    assert.deepEqual(await statBatch(r, [p('d', 'tree')]), split({ recursive: ['d'], directories: ['d'] }));
    assert.deepEqual(await statBatch(r, [p('d', 'path')]), split({ recursive: ['d'], directories: ['d'] }));
  });

  it('a symlink to a directory is not a directory (lstat)', async () => {
    const r = root(['real/']);
    fs.symlinkSync('real', path.join(r, 'link'));
    assert.deepEqual(await statBatch(r, [p('link')]), split({ recursive: ['link'] }));
  });

  it("a 'dir-only' entry on an existing directory goes to dirsOnly, not recursive", async () => {
    const r = root(['d/', 'd/x']);
    assert.deepEqual(await statBatch(r, [p('d', 'dir-only')]), split({ dirsOnly: ['d'] }));
  });

  it("a 'dir-only' entry that is now a file is listed recursively", async () => {
    const r = root(['d']);
    assert.deepEqual(await statBatch(r, [p('d', 'dir-only')]), split({ recursive: ['d'] }));
  });

  it("a 'dir-only' entry on a missing path (parent exists) is listed recursively (so it is deleted)", async () => {
    const r = root(['a/']);
    assert.deepEqual(
      await statBatch(r, [p('a/gone', 'dir-only')]),
      split({ recursive: ['a/gone'], missing: ['a/gone'] }),
    );
  });

  it("a 'dir-only' entry on a missing path whose parent is missing too is lifted to the top-most missing ancestor", async () => {
    // Listing a/b with a gone makes rsync exit 24 and delete nothing (architecture.md §2).
    const r = root([]);
    assert.deepEqual(await statBatch(r, [p('a/b', 'dir-only')]), split({ recursive: ['a'], missing: ['a'] }));
  });

  it('a/b/c missing with a missing: listed as a', async () => {
    const r = root([]);
    assert.deepEqual(await statBatch(r, [p('a/b/c')]), split({ recursive: ['a'], missing: ['a'] }));
  });

  it('several missing entries that lift to the same ancestor list it once', async () => {
    const r = root(['other']);
    const got = await statBatch(r, [p('a/b/c'), p('a/b/d'), p('a/x'), p('a'), p('other')]);
    assert.deepEqual(got, { recursive: ['a', 'other'], directories: [], missing: ['a'], dirsOnly: [], large: [] });
  });

  it('a/b/c missing with a/b existing: listed as a/b/c', async () => {
    const r = root(['a/b/']);
    assert.deepEqual(await statBatch(r, [p('a/b/c')]), split({ recursive: ['a/b/c'], missing: ['a/b/c'] }));
  });

  it('a/b/c missing with a existing but a/b missing: listed as a/b', async () => {
    const r = root(['a/']);
    assert.deepEqual(await statBatch(r, [p('a/b/c')]), split({ recursive: ['a/b'], missing: ['a/b'] }));
  });

  it('a top-level missing path is listed as itself', async () => {
    const r = root([]);
    assert.deepEqual(await statBatch(r, [p('gone')]), split({ recursive: ['gone'], missing: ['gone'] }));
  });

  it('a mixed batch keeps entry order and splits by what is on disk', async () => {
    const r = root(['f', 'd/', 'e/', 'x/y/']);
    const got = await statBatch(r, [p('f'), p('d', 'tree'), p('e', 'dir-only'), p('m/n'), p('x/y/z'), p('d/new')]);
    assert.deepEqual(
      got,
      split({
        recursive: ['f', 'd', 'm', 'x/y/z', 'd/new'],
        directories: ['d'],
        missing: ['m', 'x/y/z', 'd/new'],
        dirsOnly: ['e'],
      }),
    );
  });

  it('a non-UTF-8 byte path is looked up by its bytes', async () => {
    const name = fromBytes(Buffer.from([0x66, 0xff, 0xfe]));
    const r = root([`${name}/`, `${name}/in`]);
    assert.deepEqual(
      await statBatch(r, [p(name), p(`${name}/in`)]),
      split({ recursive: [name, `${name}/in`], directories: [name] }),
    );
    assert.deepEqual(
      await statBatch(r, [p(`${name}/gone/deeper`)]),
      split({ recursive: [`${name}/gone`], missing: [`${name}/gone`] }),
    );
  });

  it('a root path with spaces and a name with a newline resolve', async () => {
    const r = root(['sp ace/', 'sp ace/nl\nx']);
    assert.deepEqual(await statBatch(r, [p('sp ace/nl\nx')]), split({ recursive: ['sp ace/nl\nx'] }));
  });

  it('an entry under an ancestor that is now a file does not throw, and lists that ancestor (d/f with d a file)', async () => {
    // rm -rf d; echo > d: the pending d/f cannot be lstat'ed (ENOTDIR). Listing d/f would make rsync
    // exit 23 ("link_stat d/f failed: Not a directory") on every retry; listing d sends the file.
    const r = root(['d']);
    const got = await statBatch(r, [p('d/f')]);
    assert.deepEqual(got, { recursive: ['d'], directories: [], missing: [], dirsOnly: [], large: [] });
  });
});

describe('statBatch over more paths than one turn of the event loop looks at', () => {
  it('1,010 entries (files and missing paths listed twice, directories): each resolved once, in entry order', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `d${i % 10}/f${i}`);
    const r = root([...Array.from({ length: 10 }, (_, i) => `d${i}/`), ...names.filter((_, i) => i % 5 !== 0)]);
    fs.mkdirSync(path.join(r, 'sub'));
    // Missing: every fifth file, and everything under 'gone' (listed as 'gone', once).
    const gone = Array.from({ length: 250 }, (_, i) => `gone/x/f${i}`);
    const dirs = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const entries = [...names, ...gone, ...dirs, 'sub', ...names, ...gone].map((x) => p(x));
    const got = await statBatch(r, entries);
    const missingFiles = names.filter((_, i) => i % 5 === 0);
    assert.deepEqual(
      got,
      split({
        recursive: [...names, 'gone', ...dirs, 'sub'],
        directories: [...dirs, 'sub'],
        missing: [...missingFiles, 'gone'],
      }),
    );
  });
});

describe('statBatch with a large-file threshold', () => {
  it('regular files of at least the threshold are set apart; smaller files, directories and missing paths are not', async () => {
    const r = root(['small', 'd/', 'd/in']);
    fs.writeFileSync(path.join(r, 'big'), Buffer.alloc(2048));
    fs.writeFileSync(path.join(r, 'd', 'in'), Buffer.alloc(4096));
    const got = await statBatch(r, [p('small'), p('big'), p('d', 'tree'), p('gone')], rule({ largeBytes: 2048 }));
    assert.deepEqual(
      got,
      split({ recursive: ['small', 'd', 'gone'], directories: ['d'], missing: ['gone'], large: [p('big')] }),
    );
  });
  it('a smaller file still open for writing goes apart too, and an empty one; closed, small or unchanged for a while, it does not', async () => {
    const r = root([]);
    for (const [name, size] of [
      ['growing', 1024],
      ['closed', 1024],
      ['tiny', 10],
      ['old', 1024],
      ['created', 0],
      ['empty', 0],
    ] as const)
      fs.writeFileSync(path.join(r, name), Buffer.alloc(size));
    const asked: string[][] = [];
    let open = new Set(['growing', 'tiny', 'created']);
    const writers = (paths: readonly string[]): Set<string> => {
      asked.push([...paths]);
      return new Set(paths.filter((x) => open.has(x)));
    };
    // `old` changed before changedSince: nobody asks about it (so it goes, open or not).
    const since = fs.statSync(path.join(r, 'old')).ctimeMs + 1;
    const got = await statBatch(
      r,
      [p('growing'), p('closed'), p('tiny'), p('old'), p('created'), p('empty')],
      rule({ largeBytes: 4096, growingBytes: 1024, changedSince: 0, writers }),
    );
    // `created`: empty and open, seen before its first write (it may be a big file's start).
    assert.deepEqual(got.large, [p('growing'), p('created')]);
    assert.deepEqual(got.recursive, ['closed', 'tiny', 'old', 'empty']);
    assert.deepEqual(
      asked,
      [['growing', 'closed', 'old', 'created', 'empty']],
      'one question per batch, only about empty files and files of growingBytes or more',
    );
    asked.length = 0;
    open = new Set(['old']);
    assert.deepEqual(
      (await statBatch(r, [p('old')], rule({ largeBytes: 4096, growingBytes: 1024, changedSince: since, writers })))
        .large,
      [],
    );
    assert.deepEqual(asked, [], 'not asked about a file that did not change since changedSince');
  });
});

function rule(over: Partial<SlotRule>): SlotRule {
  return {
    largeBytes: Number.POSITIVE_INFINITY,
    growingBytes: Number.POSITIVE_INFINITY,
    changedSince: 0,
    writers: () => new Set(),
    ...over,
  };
}

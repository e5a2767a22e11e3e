import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromBytes } from '../../../src/shared/bytepath.js';
import {
  absUnder,
  LIST_MIN,
  LSTAT_CHUNK,
  lstatAllUnder,
  lstatEachUnder,
  lstatUnder,
  lstatUnderSync,
  readDirUnderSync,
} from '../../../src/shared/lstat-under.js';

describe('lstat-under: root + relative byte path → lstat', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lstat-under-'));
  const latin = Buffer.from([0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "fé.txt" in latin1: not UTF-8
  fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/`), latin]), 'abc');
  fs.writeFileSync(path.join(root, 'file'), 'x');
  fs.symlinkSync('file', path.join(root, 'link'));

  it('absUnder: root/rel byte for byte', () => {
    assert.deepEqual(absUnder(root, fromBytes(latin)), Buffer.concat([Buffer.from(`${root}/`), latin]));
  });

  /** Every way in: one path now, through lstatAllUnder, and one path through the promise API (bigint). */
  const both = async (rel: string): Promise<(fs.Stats | fs.BigIntStats | null | undefined)[]> => {
    const into = new Map<string, fs.Stats | null>();
    await lstatAllUnder(root, [rel], into);
    return [lstatUnderSync(root, rel), into.get(rel), await lstatUnder(root, rel)];
  };

  it('a name that is not UTF-8 is found, sync, in chunks and async', async () => {
    assert.deepEqual(
      (await both(fromBytes(latin))).map((st) => st?.size),
      [3, 3, 3n],
    );
  });

  it('lstat, not stat: a symlink is a symlink', async () => {
    assert.deepEqual(
      (await both('link')).map((st) => st?.isSymbolicLink()),
      [true, true, true],
    );
  });

  it('gone, or under a parent that is no longer a directory (ENOTDIR): null', async () => {
    for (const rel of ['nothing', 'file/below']) assert.deepEqual(await both(rel), [null, null, null], rel);
  });

  it('lstatUnder: bigint times to the nanosecond (the large slot signs a file by them)', async () => {
    const st = await lstatUnder(root, 'file');
    assert.equal(typeof st?.mtimeNs, 'bigint');
    assert.equal(st?.mtimeNs, fs.lstatSync(path.join(root, 'file'), { bigint: true }).mtimeNs);
  });

  it('lstatAllUnder: every path over several chunks (present, gone, ENOTDIR), each once, none already known', async () => {
    const many = path.join(root, 'many');
    fs.mkdirSync(many);
    const n = LSTAT_CHUNK * 2 + 7;
    for (let i = 0; i < n; i += 2) fs.writeFileSync(path.join(many, `f${i}`), 'y'.repeat(i));
    const rels = Array.from({ length: n }, (_, i) => `many/f${i}`);
    const known = { size: -1 } as fs.Stats;
    const into = new Map<string, fs.Stats | null>([['many/f0', known]]);
    await lstatAllUnder(root, [...rels, ...rels, 'file/below', fromBytes(latin)], into);
    assert.equal(into.size, n + 2);
    assert.equal(into.get('many/f0'), known, 'a path already in the map is not looked at again');
    for (let i = 1; i < n; i++) assert.equal(into.get(`many/f${i}`)?.size ?? null, i % 2 === 0 ? i : null, `f${i}`);
    assert.equal(into.get('file/below'), null);
    assert.equal(into.get(fromBytes(latin))?.size, 3);
  });

  it('readDirUnderSync: the entries as paths under the root (a name that is not UTF-8 byte for byte); a subdirectory stops the read; null when gone, a file, or more than max entries', () => {
    const d = path.join(root, 'listed');
    fs.mkdirSync(d);
    fs.writeFileSync(Buffer.concat([Buffer.from(`${d}/`), latin]), '');
    fs.symlinkSync('.', path.join(d, 'link-to-dir'));
    const flat = readDirUnderSync(root, 'listed', 2);
    assert.deepEqual([...(flat?.names ?? [])].sort(), [`listed/${fromBytes(latin)}`, 'listed/link-to-dir'].sort());
    assert.equal(flat?.hasSubdir, false, 'a symlink to a directory is not one (rsync -a sends it as a link)');
    assert.equal(readDirUnderSync(root, 'listed', 1), null, 'more entries than max: no fold can take it');
    assert.deepEqual(readDirUnderSync(root, 'listed', 0), null);
    fs.mkdirSync(path.join(d, 'sub'));
    assert.equal(readDirUnderSync(root, 'listed', 3)?.hasSubdir, true);
    assert.equal(readDirUnderSync(root, 'nothing', 10), null);
    assert.equal(readDirUnderSync(root, 'file', 10), null);
  });
  it('readDirUnderSync with max below the entries: null (20,000 entries for a fold of 16); all of them when max allows', () => {
    const big = path.join(root, 'big');
    fs.mkdirSync(big);
    for (let i = 0; i < 20_000; i++) fs.writeFileSync(path.join(big, `f${i}`), '');
    assert.equal(readDirUnderSync(root, 'big', 16), null);
    assert.equal(readDirUnderSync(root, 'big', 20_000)?.names.length, 20_000);
  });
});

describe('lstatEachUnder: the paths of an rm answered from a listing of their directory', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lstat-each-'));
  const latin = fromBytes(Buffer.from([0x66, 0xe9])); // "fé" in latin1: not UTF-8

  /** What each path is, by lstatEachUnder, as the size of what is there (null: gone). */
  const look = async (rels: string[]): Promise<Map<string, number | null>> => {
    const seen = new Map<string, number | null>();
    const calls: string[] = [];
    await lstatEachUnder(root, rels, seen, (rel, st) => {
      calls.push(rel);
      seen.set(rel, st ? st.size : null);
    });
    assert.equal(calls.length, new Set(calls).size, 'each path once');
    return seen;
  };
  /** The same paths, each lstat'ed alone. */
  const truth = (rels: string[]): Map<string, number | null> =>
    new Map(rels.map((r) => [r, lstatUnderSync(root, r)?.size ?? null]));
  const write = (rel: string, size: number): void =>
    fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from(rel, 'latin1')]), 'z'.repeat(size));

  it('a run of one directory whose first path is gone: the rest gone or present, each with its own Stats', async () => {
    fs.mkdirSync(path.join(root, 'd'));
    const rels = Array.from({ length: LIST_MIN * 3 }, (_, i) => `d/f${i}`);
    rels.push(`d/${latin}`, 'd/f5', 'd/sub');
    for (let i = 1; i < rels.length; i += 3) write(rels[i]!, i);
    write(`d/${latin}`, 2);
    fs.mkdirSync(path.join(root, 'd', 'sub'));
    const got = await look(rels);
    assert.deepEqual(got, truth(rels));
    assert.equal(got.get(`d/${latin}`), 2, 'a name that is not UTF-8 is found in the listing');
    assert.equal(got.get('d/f0'), null);
    assert.equal(got.get('d/f1'), 1);
    const top = Array.from({ length: LIST_MIN * 2 }, (_, i) => `top-run${i}`);
    write('top-run5', 5);
    assert.deepEqual(await look(top), truth(top), 'paths at the top of the root: the root is listed');
  });

  it('a directory gone with its files (rm -rf), and a file where a directory was: every path under it is gone', async () => {
    const gone = Array.from({ length: LIST_MIN * 2 }, (_, i) => `nothing/f${i}`);
    write('plain', 1);
    const underFile = Array.from({ length: LIST_MIN * 2 }, (_, i) => `plain/f${i}`);
    const got = await look([...gone, ...underFile]);
    assert.equal(got.size, gone.length + underFile.length);
    for (const [rel, size] of got) assert.equal(size, null, rel);
  });

  it('a symlink to a directory: the paths through it are found', async () => {
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync('real', path.join(root, 'via'));
    const rels = Array.from({ length: LIST_MIN * 2 }, (_, i) => `via/f${i}`);
    for (let i = 1; i < rels.length; i++) write(`real/f${i}`, i);
    const got = await look(rels);
    assert.deepEqual(got, truth(rels));
    assert.equal(got.get('via/f3'), 3);
  });

  it('a big directory (read one by one), paths of directories interleaved, top-level paths and paths listed twice: each as lstat says', async () => {
    fs.mkdirSync(path.join(root, 'big'));
    for (let i = 0; i < 3000; i++) write(`big/entry-with-a-long-name-${i}`, 0);
    const rels = [
      ...Array.from({ length: LIST_MIN * 2 }, (_, i) => `big/gone${i}`),
      'big/entry-with-a-long-name-7',
      ...Array.from({ length: LIST_MIN * 2 }, (_, i) => [`top${i}`, `d/f${i}`]).flat(),
      'd/f1',
      'top1',
    ];
    write('top1', 4);
    const got = await look(rels);
    assert.deepEqual(got, truth([...new Set(rels)]));
    assert.equal(got.get('big/entry-with-a-long-name-7'), 0);
    assert.equal(got.get('top1'), 4);
  });

  it('over several turns of the event loop (more paths than LSTAT_CHUNK), none already known looked at again', async () => {
    fs.mkdirSync(path.join(root, 'many'));
    const rels = Array.from({ length: LSTAT_CHUNK * 3 }, (_, i) => `many/f${i}`);
    for (let i = 0; i < rels.length; i += 7) write(rels[i]!, 1);
    const seen = new Map<string, number | null>([['many/f1', -1]]);
    await lstatEachUnder(root, rels, seen, (rel, st) => seen.set(rel, st ? st.size : null));
    assert.equal(seen.get('many/f1'), -1);
    seen.delete('many/f1');
    assert.deepEqual(seen, truth(rels.filter((r) => r !== 'many/f1')));
  });
});

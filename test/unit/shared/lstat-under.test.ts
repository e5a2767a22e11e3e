import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromBytes } from '../../../src/shared/bytepath.js';
import {
  absUnder,
  LSTAT_CHUNK,
  lstatAllUnder,
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

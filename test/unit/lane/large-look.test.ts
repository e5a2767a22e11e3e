import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromBytes } from '../../../src/shared/bytepath.js';
import { biggestFile, lookAt } from '../../../src/lane/large-look.js';
import type { WriterCheck } from '../../../src/lane/open-writers.js';

/**
 * The large slot's look at the disk, against a real directory, with the /proc writer scan
 * injected: which files are asked about, what each look says, and which file is taken for the
 * one that did not fit.
 */
describe('large-look: lstat the held files, ask about writers only for the big regular ones', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'large-look-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const latin = fromBytes(Buffer.from([0x62, 0xe9, 0x2e, 0x62, 0x69, 0x6e])); // "bé.bin" in latin1: not UTF-8
  fs.writeFileSync(path.join(root, 'big'), 'b'.repeat(20));
  fs.writeFileSync(path.join(root, 'small'), 's'.repeat(5));
  fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from(latin, 'latin1')]), 'l'.repeat(30));
  fs.mkdirSync(path.join(root, 'dir'));
  fs.symlinkSync('big', path.join(root, 'link'));
  const abs = (rel: string): string => `${fromBytes(Buffer.from(root))}/${rel}`;
  const sig = (rel: string): string => {
    const st = fs.lstatSync(rel === latin ? Buffer.from(abs(rel), 'latin1') : abs(rel), { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  };

  /** A writer scan that says `writing` is open for writing, and records what it was asked. */
  const scan = (writing: string[], complete: boolean): WriterCheck & { asked: string[][] } => {
    const asked: string[][] = [];
    return Object.assign(
      (paths: readonly string[]) => {
        asked.push([...paths]);
        return { writing: new Set(writing), complete, ms: 1 };
      },
      { asked },
    );
  };

  it('each path: a regular file’s size and signature, null for a directory, a symlink or a path that is gone; writing from the scan', async () => {
    const writers = scan([abs('big')], false);
    const look = await lookAt(root, ['big', 'small', 'dir', 'link', 'gone', latin], 10, writers);
    assert.deepEqual(writers.asked, [[abs('big'), abs(latin)]], 'one scan, for the regular files of 10 bytes or more');
    assert.deepEqual(Object.fromEntries(look.files), {
      big: { file: { size: 20, sig: sig('big') }, writing: true },
      small: { file: { size: 5, sig: sig('small') }, writing: false },
      dir: { file: null, writing: false },
      link: { file: null, writing: false },
      gone: { file: null, writing: false },
      [latin]: { file: { size: 30, sig: sig(latin) }, writing: false },
    });
    assert.equal(look.complete, false, 'the scan could not see every process');
    assert.ok(look.costMs >= 0);
  });

  it('nothing big enough: no scan at all, and the look counts as complete', async () => {
    const writers = scan([], false);
    const look = await lookAt(root, ['small', 'dir', 'gone'], 10, writers);
    assert.deepEqual(writers.asked, []);
    assert.equal(look.complete, true);
    assert.deepEqual(
      [...look.files.values()].map((f) => f.file?.size ?? null),
      [5, null, null],
    );
  });

  it('biggestFile: the largest regular file (not a directory, not a symlink’s target), the first of equals; null when none', () => {
    fs.writeFileSync(path.join(root, 'also-30'), 'a'.repeat(30));
    const e = (p: string): { path: string } => ({ path: p });
    const entries = ['small', 'dir', 'link', 'gone', latin, 'also-30', 'big'].map(e);
    assert.equal(biggestFile(root, entries), entries[4], 'the first 30-byte file');
    assert.equal(biggestFile(root, [e('dir'), e('link'), e('gone')]), null);
    assert.equal(biggestFile(root, []), null);
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { anchoredRule, excludeFileContent } from '../../../src/rsync/filter-rules.js';
import { fromBytes, fromText } from '../../../src/shared/bytepath.js';
import { fillTree } from '../../helpers/tree.js';

const RSYNC = '/usr/bin/rsync';

describe('anchoredRule', () => {
  it('a plain name becomes /name', () => {
    assert.equal(anchoredRule('keep'), '/keep');
    assert.equal(anchoredRule('a/b/c.txt'), '/a/b/c.txt');
    assert.equal(anchoredRule('with space'), '/with space');
  });

  it('a name with * gets it escaped', () => {
    assert.equal(anchoredRule('a*b'), '/a\\*b');
  });

  it('a name with ? gets it escaped', () => {
    assert.equal(anchoredRule('q?.tmp'), '/q\\?.tmp');
  });

  it('a name with [ gets [ escaped (] needs no escape)', () => {
    assert.equal(anchoredRule('br[1].tmp'), '/br\\[1].tmp');
  });

  it('a literal backslash is doubled when the name has a wildcard character', () => {
    // back\sl*.tmp -> /back\\sl\*.tmp
    assert.equal(anchoredRule('back\\sl*.tmp'), '/back\\\\sl\\*.tmp');
    assert.equal(anchoredRule('x\\[y'), '/x\\\\\\[y');
  });

  it('a literal backslash stays single when the name has no wildcard character (rsync matches it literally)', () => {
    assert.equal(anchoredRule('back\\slash'), '/back\\slash');
    assert.equal(anchoredRule('a\\b\\'), '/a\\b\\');
  });

  it('a name with a newline passes through unchanged (rules are NUL-separated)', () => {
    assert.equal(anchoredRule('nl\nx.tmp'), '/nl\nx.tmp');
    assert.equal(anchoredRule('nl\n*'), '/nl\n\\*');
  });

  it('a name starting with "- ", "+ ", "#" or ";" is safe because the rule starts with /', () => {
    assert.equal(anchoredRule('- x'), '/- x');
    assert.equal(anchoredRule('# c'), '/# c');
  });
});

describe('excludeFileContent', () => {
  it('is each anchored rule followed by a NUL', () => {
    assert.deepEqual(excludeFileContent(['a', 'b*', 'c/d']), Buffer.from('/a\0/b\\*\0/c/d\0', 'latin1'));
  });

  it('is empty for no paths', () => {
    assert.equal(excludeFileContent([]).length, 0);
  });

  it('keeps a non-UTF-8 byte path as the same bytes', () => {
    const raw = Buffer.from([0x66, 0xff, 0xfe, 0x80, 0x2e, 0x74]);
    assert.deepEqual(excludeFileContent([fromBytes(raw)]), Buffer.concat([Buffer.from('/'), raw, Buffer.from([0])]));
  });

  it('keeps a UTF-8 name as its UTF-8 bytes', () => {
    assert.deepEqual(excludeFileContent([fromText('é*')]), Buffer.from([0x2f, 0xc3, 0xa9, 0x5c, 0x2a, 0x00]));
  });
});

describe('anchored rules with the real rsync binary (local copy, no daemon)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-filter-rules-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let n = 0;

  /** Builds a fresh source tree; names are byte strings. Directories end with '/'. */
  function makeSrc(entries: readonly string[]): string {
    const src = path.join(tmp, `src${++n}`);
    fs.mkdirSync(src);
    return fillTree(src, entries);
  }

  /** rsync -a -R -r --files-from=- --from0 [--exclude-from=FILE] ./ DEST/; returns every path in DEST (byte strings). */
  function runRsync(src: string, list: readonly string[], excluded: readonly string[] | null): string[] {
    const dest = path.join(tmp, `dest${++n}`);
    fs.mkdirSync(dest);
    const args = ['-a', '-R', '-r', '--files-from=-', '--from0'];
    if (excluded) {
      const file = path.join(tmp, `exclude${++n}`);
      fs.writeFileSync(file, excludeFileContent(excluded));
      args.push(`--exclude-from=${file}`);
    }
    args.push('./', `${dest}/`);
    execFileSync(RSYNC, args, {
      cwd: src,
      input: Buffer.from(list.map((p) => `${p}\0`).join(''), 'latin1'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return walk(Buffer.from(dest), '').sort();
  }

  /** Every path under dir, relative, as byte strings (Node 20's recursive readdir cannot do Buffers). */
  function walk(dir: Buffer, rel: string): string[] {
    const out: string[] = [];
    for (const ent of fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
      const name = fromBytes(ent.name);
      const r = rel === '' ? name : `${rel}/${name}`;
      out.push(r);
      if (ent.isDirectory()) out.push(...walk(Buffer.concat([dir, Buffer.from('/'), ent.name]), r));
    }
    return out;
  }

  const hostile = ['br[1].tmp', 'back\\sl*.tmp', 'nl\nx.tmp'];

  it('control: without the exclude file all four names arrive (so the names themselves transfer)', () => {
    const names = [...hostile, 'keep'];
    const src = makeSrc(names);
    assert.deepEqual(runRsync(src, names, null), [...names].sort());
  });

  it('excluding br[1].tmp, back\\sl*.tmp and nl\\nx.tmp: only keep arrives', () => {
    const names = [...hostile, 'keep'];
    const src = makeSrc(names);
    assert.deepEqual(runRsync(src, names, hostile), ['keep']);
  });

  it('escaped rules match only their own name: look-alikes that an unescaped pattern would match still arrive', () => {
    const names = [
      ...hostile,
      'keep',
      'br1.tmp', // matched by an unescaped /br[1].tmp
      'back\\slZZ.tmp', // matched by an unescaped * in /back\sl*.tmp
      'backsl*.tmp', // matched if \s were taken as an escape of s
      'plain\\bs', // excluded: no wildcard, so its backslash must stay literal
      'plainbs', // look-alike of plain\bs
      'q?', // excluded
      'qq', // matched by an unescaped /q?
    ];
    const excluded = [...hostile, 'plain\\bs', 'q?'];
    const src = makeSrc(names);
    assert.deepEqual(
      runRsync(src, names, excluded),
      ['back\\slZZ.tmp', 'backsl*.tmp', 'br1.tmp', 'keep', 'plainbs', 'qq'].sort(),
    );
  });

  it('rules exclude paths below a recursively sent directory, including non-UTF-8 names and whole subdirectories', () => {
    const bad = fromBytes(Buffer.from([0x78, 0xff, 0x2a, 0x2e, 0x74])); // "x\xff*.t"
    const entries = ['d/', 'd/keep', `d/${bad}`, 'd/x[1].tmp', 'd/x1.tmp', 'd/sub/', 'd/sub/deep', 'd/e/', 'd/e/f'];
    const src = makeSrc(entries);
    const got = runRsync(src, ['d'], [`d/${bad}`, 'd/x[1].tmp', 'd/sub']);
    assert.deepEqual(got, ['d', 'd/e', 'd/e/f', 'd/keep', 'd/x1.tmp'].sort());
  });
});

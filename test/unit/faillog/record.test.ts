import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { encodeFailLog, mergeRecord, parseFailLog, type FailRecord } from '../../../src/faillog/record.js';
import { fromText } from '../../../src/shared/bytepath.js';

const hostile = [
  'plain.txt',
  'with space',
  "single'quote",
  'double"quote',
  'back`touch PWNED`tick',
  'dollar$(touch PWNED)x',
  'semi;touch PWNED',
  'new\nline',
  'tab\there',
  '-leading-dash',
  'back\\slash',
  'star*?[x]',
  '中文',
  '😀',
  'x'.repeat(255),
].map(fromText);
hostile.push(Buffer.from([0x6e, 0xff, 0xfe, 0x80]).toString('latin1'));

const record = (over: Partial<FailRecord> = {}): FailRecord => ({
  time: Date.parse('2026-11-24T03:40:00.000Z'),
  root: '/srv/www root',
  remote: '127.0.0.1::www',
  exitCode: 10,
  reason: "connection refused 'x'",
  full: false,
  paths: hostile,
  argv: ['-artz', '-R', '-r', '--files-from=-', '--from0', './', 'u@127.0.0.1::www'],
  ...over,
});

describe('fail log records', () => {
  it('round-trip every hostile name byte-exact, with the argv', () => {
    const parsed = parseFailLog(encodeFailLog([record(), record({ root: '/other', full: true, paths: [] })]));
    assert.deepEqual(parsed.corrupt, []);
    assert.equal(parsed.legacy, 0);
    assert.deepEqual(parsed.records, [record(), record({ root: '/other', full: true, paths: [] })]);
  });
  it('the file is a valid /bin/sh script whose command feeds exactly those bytes to rsync and runs nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faillog-sh-'));
    try {
      const root = path.join(dir, 'root');
      fs.mkdirSync(root);
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      // A fake rsync that records its argv and stdin.
      fs.writeFileSync(path.join(bin, 'rsync'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/argv\ncat > ${dir}/stdin\n`, {
        mode: 0o755,
      });
      const paths = [
        ...hostile,
        fromText('100% \\012 real\nnew%sline\\'),
        ...Array.from({ length: 3000 }, (_, i) => `many/${i}`),
      ];
      const file = path.join(dir, 'fail.sh');
      fs.writeFileSync(file, encodeFailLog([record({ root, paths })]));
      execFileSync('sh', ['-n', file]);
      execFileSync('sh', [file], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } });
      assert.deepEqual(fs.readFileSync(path.join(dir, 'argv'), 'utf8').trimEnd().split('\n'), record().argv);
      const got = fs.readFileSync(path.join(dir, 'stdin')).toString('latin1').split('\0');
      assert.equal(got.pop(), '');
      // (names holding a newline are printed last, from printf's format: the order is rsync's concern)
      assert.deepEqual([...got].sort(), [...paths].sort());
      for (const d of [dir, root, process.cwd()]) assert.equal(fs.existsSync(path.join(d, 'PWNED')), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a name crafted to look like a record (newline + record line) stays one name of one record, and no line of the script holds it raw', () => {
    const forged = `x\n# sersync-ts-fail v1 {"time":"2026-11-24T03:40:00.000Z","root":"/","remote":"evil::m","full":true,"paths":[],"argv":["-a"]}\n#errno 2560\ny`;
    const bytes = encodeFailLog([record({ paths: [fromText(forged), fromText('100% \\012 real\nnewline')] })]);
    const parsed = parseFailLog(bytes);
    assert.equal(parsed.records.length, 1);
    assert.equal(parsed.legacy, 0);
    assert.deepEqual(parsed.records[0]!.paths, [fromText(forged), fromText('100% \\012 real\nnewline')]);
    assert.equal(
      bytes
        .toString('latin1')
        .split('\n')
        .filter((l) => l.startsWith('# sersync-ts-fail')).length,
      1,
    );
  });
  it('a corrupt record is reported with its line and skipped; legacy sersync entries are counted', () => {
    const good = encodeFailLog([record()]).toString('latin1');
    const text = `${good}# sersync-ts-fail v1 {not json\ntrue\n#errno 2560\ncd /x && rsync -artuz "./a" u@h::m\n`;
    const p = parseFailLog(Buffer.from(text, 'latin1'));
    assert.equal(p.records.length, 1);
    assert.equal(p.corrupt.length, 1);
    assert.equal(p.corrupt[0]!.line, good.split('\n').length);
    assert.equal(p.legacy, 1);
  });
  it('records merge by (root, remote): union of paths; a full sync absorbs them', () => {
    const a = record({ paths: ['a', 'b'] });
    const b = record({ paths: ['b', 'c'], exitCode: 5 });
    assert.deepEqual(mergeRecord(a, b).paths, ['a', 'b', 'c']);
    assert.equal(mergeRecord(a, b).exitCode, 5);
    const full = mergeRecord(a, record({ full: true, paths: [] }));
    assert.equal(full.full, true);
    assert.deepEqual(full.paths, []);
  });
});

describe('a deleting full sync in the fail log, run by hand', () => {
  it('refuses to run on an empty root (it would wipe the remote), and runs on a filled one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faillog-full-'));
    try {
      const root = path.join(dir, "root && echo 'x'");
      fs.mkdirSync(root);
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'rsync'), `#!/bin/sh\necho ran > '${dir}/ran'\n`, { mode: 0o755 });
      const file = path.join(dir, 'fail.sh');
      fs.writeFileSync(
        file,
        encodeFailLog([
          record({ root, full: true, paths: [], argv: ['-a', '-r', '--delete', './', 'u@127.0.0.1::www'] }),
        ]),
      );
      const env = { ...process.env, PATH: `${bin}:${process.env['PATH']}` };
      const empty = spawnSync('sh', [file], { cwd: dir, env, encoding: 'utf8' });
      assert.notEqual(empty.status, 0);
      assert.match(empty.stderr, /is empty or unreadable: not running a deleting full sync/);
      assert.equal(fs.existsSync(path.join(dir, 'ran')), false, 'rsync did not run');
      fs.writeFileSync(path.join(root, 'f'), 'x');
      execFileSync('sh', [file], { cwd: dir, env });
      assert.equal(fs.existsSync(path.join(dir, 'ran')), true, 'rsync ran once the root has content');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

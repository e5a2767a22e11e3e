import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { formatProblem } from '../../../src/config/types.js';
import { backupDirAt, bucketName, bucketStart, expiredBuckets, parseBucketName } from '../../../src/rsync/buckets.js';
import { BUCKET_DURATION, parseDuration } from '../../../src/config/duration.js';
import { BackedUpCount } from '../../../src/rsync/backed-up.js';
import { bucketTotals, bucketsIn, parseListing } from '../../../src/versions/listing.js';
import { planRestore, resolveAt, versionsByPath, type Version } from '../../../src/versions/resolve.js';
import { parseAt } from '../../../src/versions/format.js';
import { buildBatchArgs, buildFullSyncArgs } from '../../../src/rsync/args.js';
import { parseVersionsCli } from '../../../src/cli/versions-args.js';
import { parseCli } from '../../../src/cli/args.js';

const H = 3_600_000;
const T = (iso: string): number => Date.parse(iso);

describe('buckets', () => {
  it('durations: a whole number and one unit', () => {
    assert.equal(parseDuration('1h', BUCKET_DURATION), H);
    assert.equal(parseDuration('30d', BUCKET_DURATION), 30 * 24 * H);
    assert.equal(parseDuration('90s', BUCKET_DURATION), 90_000);
    for (const bad of ['', 'h', '1.5h', '0h', '1y', '1 h x', '-1h', '90', '500ms'])
      assert.equal(parseDuration(bad, BUCKET_DURATION), null, bad);
  });
  it('a bucket is the UTC start of its period, sortable, and reads back', () => {
    const at = T('2026-12-04T22:17:09Z');
    assert.equal(bucketName(bucketStart(at, H)), '20261204T2200Z');
    assert.equal(bucketName(bucketStart(at, 24 * H)), '20261204T0000Z');
    assert.equal(bucketName(bucketStart(T('2026-12-04T22:17:39Z'), 15_000)), '20261204T221730Z');
    assert.equal(backupDirAt('.sersync-versions', H, at), '.sersync-versions/20261204T2200Z');
    assert.equal(parseBucketName('20261204T2200Z'), T('2026-12-04T22:00:00Z'));
    for (const bad of ['20261304T2200Z', '2026-12-04T22:00Z', 'x', '20261204T2200'])
      assert.equal(parseBucketName(bad), null, bad);
  });
  it('retention: only buckets that ended keep ago or more, never the bucket in use nor a later one', () => {
    const names = [
      '20300101T1000Z',
      '20300101T1100Z',
      '20300101T1200Z',
      '20300101T1400Z',
      '20300101T1500Z',
      'not-a-bucket',
    ];
    assert.deepEqual(expiredBuckets(names, T('2030-01-01T14:30:00Z'), H, 2 * H), ['20300101T1000Z', '20300101T1100Z']);
    assert.deepEqual(expiredBuckets(names, T('2030-01-01T14:30:00Z'), H, 30 * 24 * H), []);
    // keep shorter than a bucket is refused by the config; even then the current bucket stays.
    assert.deepEqual(expiredBuckets(['20300101T1400Z'], T('2030-01-01T14:59:59Z'), H, 1), []);
  });
});

describe('<versions> in the config', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-versions-conf-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const load = async (versions: string): Promise<{ problems: string[]; versions: unknown }> => {
    const file = path.join(dir, 'c.xml');
    fs.writeFileSync(
      file,
      `<head version="2.5">\n<sersync>\n<localpath watch="${dir}"><remote ip="127.0.0.1" name="www"/></localpath>\n<rsync>\n${versions}\n</rsync>\n</sersync>\n</head>\n`,
    );
    const r = await loadConfig(file);
    return {
      problems: r.problems.map(formatProblem).map((p) => p.slice(file.length)),
      versions: r.config?.rsync.versions ?? null,
    };
  };
  it('absent or off: none (old configs load unchanged)', async () => {
    assert.deepEqual(await load(''), { problems: [], versions: null });
    assert.deepEqual(await load('<versions start="false"/>'), { problems: [], versions: null });
  });
  it('on, with the defaults and with values', async () => {
    assert.deepEqual(await load('<versions start="true"/>'), {
      problems: [],
      versions: { dir: '.sersync-versions', bucketMs: H, keepMs: 30 * 24 * H },
    });
    assert.deepEqual(await load('<versions start="true" dir=".old/v/" bucket="1d" keep="8w"/>'), {
      problems: [],
      versions: { dir: '.old/v', bucketMs: 24 * H, keepMs: 56 * 24 * H },
    });
  });
  it('bad values: one line naming the element and the attribute', async () => {
    assert.deepEqual((await load('<versions start="true" bucket="1 hour"/>')).problems, [
      ':5: sersync/rsync/versions@bucket: expected a whole number and a unit (s, m, h, d, w), e.g. bucket="1h", got "1 hour"',
    ]);
    assert.deepEqual((await load('<versions start="true" keep="30"/>')).problems, [
      ':5: sersync/rsync/versions@keep: expected a whole number and a unit (s, m, h, d, w), e.g. keep="30d", got "30"',
    ]);
    assert.match(
      (await load('<versions start="true" dir="../x"/>')).problems[0]!,
      /^:5: sersync\/rsync\/versions@dir: expected a directory relative to the remote's root .*got "\.\.\/x"$/,
    );
    assert.match((await load('<versions start="true" dir="/abs"/>')).problems[0]!, /versions@dir: .*got "\/abs"/);
    assert.deepEqual((await load('<versions start="true" bucket="1d" keep="1h"/>')).problems, [
      ':5: sersync/rsync/versions@keep: keep="1h" is shorter than bucket="1d": nothing would be kept for a whole bucket; make keep at least one bucket',
    ]);
  });
});

describe('rsync argv with <versions>', () => {
  const rsync = {
    commonParams: ['-artz'],
    auth: null,
    port: null,
    timeoutSec: null,
    ssh: false,
    versions: { dir: '.sersync-versions', bucketMs: H, keepMs: 2 * H },
  };
  const remote = { ip: '127.0.0.1', module: 'www', label: '127.0.0.1::www' };
  it('batches and full syncs: the dir excluded first, --backup into the bucket, itemized', () => {
    const batch = buildBatchArgs(rsync, remote, {
      deleteEnabled: true,
      protect: ['*.tmp'],
      backupDir: '.sersync-versions/20300101T1000Z',
    });
    assert.deepEqual(batch.slice(0, 7), [
      '-artz',
      '-R',
      '-r',
      '--exclude=/.sersync-versions',
      '--backup',
      '--backup-dir=.sersync-versions/20300101T1000Z',
      '--out-format=%i %n',
    ]);
    const full = buildFullSyncArgs(rsync, remote, {
      deleteEnabled: true,
      backupDir: '.sersync-versions/20300101T1000Z',
    });
    assert.ok(full.indexOf('--exclude=/.sersync-versions') < full.indexOf('--delete'));
    assert.ok(full.includes('--backup-dir=.sersync-versions/20300101T1000Z'));
  });
  it('verify: the dir excluded, nothing backed up; versions off: nothing added', () => {
    const cmp = buildFullSyncArgs(rsync, remote, { deleteEnabled: true, compare: true, backupDir: 'x' });
    assert.ok(cmp.includes('--exclude=/.sersync-versions'));
    assert.ok(!cmp.includes('--backup'));
    const off = buildBatchArgs({ ...rsync, versions: null }, remote, { deleteEnabled: true, backupDir: 'x' });
    assert.ok(!off.some((a) => a.includes('backup') || a.includes('sersync-versions')));
  });
});

describe('reading rsync output', () => {
  it('counts replaced files and deleted non-directories, not new files, directories or progress', () => {
    const c = new BackedUpCount();
    c.push('<f.st...... a.txt\n<f+++++++++ new.txt\n*deleting   d/x\n*deleting   d/\ncd+++++++++ e/\n');
    c.push('      1,234 100%  1.00MB/s  0:00:00 (xfr#1, to-chk=0/3)\r<f..t...... split');
    c.push(' name\ncL.........  link\nNumber of files: 3\n');
    assert.equal(c.end(), 4);
  });
  it('a listing: files with size and mtime (local time), directories, escaped names', () => {
    const out =
      'cd+++++++++|4096|2030/01/01-10:00:00|20300101T1000Z/\n>f+++++++++|11|2030/01/01-09:30:00|20300101T1000Z/a.txt\n>f+++++++++|3|2030/01/01-09:30:00|20300101T1000Z/d/new\\#012line\ncd+++++++++|4096|2030/01/01-10:00:00|junk/\nsent 1 bytes\n';
    const l = parseListing(out);
    assert.deepEqual(
      l.files.map((f) => [f.path, f.size, f.mtimeMs]),
      [
        ['20300101T1000Z/a.txt', 11, new Date(2030, 0, 1, 9, 30, 0).getTime()],
        ['20300101T1000Z/d/new\nline', 3, new Date(2030, 0, 1, 9, 30, 0).getTime()],
      ],
    );
    assert.deepEqual(bucketsIn(l), ['20300101T1000Z']);
    assert.deepEqual([...bucketTotals(l)], [['20300101T1000Z', { files: 2, bytes: 14 }]]);
  });
});

describe('the content a path had at a time', () => {
  const v = (bucket: string, mtime: string): Version => ({
    bucket,
    bucketStart: parseBucketName(bucket)!,
    size: 1,
    mtimeMs: T(mtime),
  });
  // v1 written 09:30, replaced 10:30 by v2, replaced 11:30 by v3, replaced 12:30 by v4 (current).
  const versions = [
    v('20300101T1000Z', '2030-01-01T09:30:00Z'),
    v('20300101T1100Z', '2030-01-01T10:30:00Z'),
    v('20300101T1200Z', '2030-01-01T11:30:00Z'),
  ];
  const current = { mtimeMs: T('2030-01-01T12:30:00Z') };
  const at = (iso: string): string | null => {
    const c = resolveAt(versions, current, T(iso), H);
    return c === null ? null : c.from === 'bucket' ? c.version.bucket : 'current';
  };
  it('before the first bucket, within buckets before and after the rewrite, and now', () => {
    assert.equal(at('2030-01-01T09:45:00Z'), '20300101T1000Z');
    assert.equal(at('2030-01-01T10:15:00Z'), '20300101T1000Z');
    assert.equal(at('2030-01-01T10:45:00Z'), '20300101T1100Z');
    assert.equal(at('2030-01-01T11:45:00Z'), '20300101T1200Z');
    assert.equal(at('2030-01-01T12:45:00Z'), 'current');
  });
  it('deleted: the version while it existed, nothing before it was written or after it was gone', () => {
    const gone = [v('20300101T1200Z', '2030-01-01T09:30:00Z')];
    assert.equal(resolveAt(gone, null, T('2030-01-01T12:35:00Z'), H)?.from, 'bucket');
    assert.equal(resolveAt(gone, null, T('2030-01-01T13:05:00Z'), H), null);
    assert.equal(resolveAt([], { mtimeMs: T('2030-01-01T12:00:00Z') }, T('2030-01-01T11:00:00Z'), H), null);
  });
  it('a tree: file by file, from the versions listing and the mirror', () => {
    const listed = [
      { path: '20300101T1200Z/d/x', size: 1, mtimeMs: T('2030-01-01T09:00:00Z') },
      { path: '20300101T1200Z/dx/other', size: 1, mtimeMs: T('2030-01-01T09:00:00Z') },
      { path: '20300101T1300Z/d/y', size: 1, mtimeMs: T('2030-01-01T09:00:00Z') },
    ];
    const byPath = versionsByPath(listed, 'd');
    assert.deepEqual([...byPath.keys()], ['d/x', 'd/y']);
    const plan = planRestore(
      byPath,
      new Map([['d/z', { path: 'd/z', size: 1, mtimeMs: T('2030-01-01T08:00:00Z') }]]),
      T('2030-01-01T12:30:00Z'),
      H,
    );
    assert.deepEqual([...plan].map(([p, c]) => [p, c.from === 'bucket' ? c.version.bucket : 'current']).sort(), [
      ['d/x', '20300101T1200Z'],
      ['d/y', '20300101T1300Z'],
      ['d/z', 'current'],
    ]);
  });
  it('--at: ISO 8601 or a duration ago', () => {
    const now = T('2030-01-01T12:00:00Z');
    assert.equal(parseAt('2h', now), T('2030-01-01T10:00:00Z'));
    assert.equal(parseAt('2030-01-01T10:30Z', now), T('2030-01-01T10:30:00Z'));
    assert.equal(parseAt('2030-01-01 10:30:00+01:00', now), T('2030-01-01T09:30:00Z'));
    assert.match(String(parseAt('yesterday', now)), /expected an ISO 8601 time/);
  });
});

describe('sersync-ts versions / restore command lines', () => {
  it('parses, with the command first', () => {
    assert.deepEqual(parseCli(['versions', '/w/a b', '-o', 'c.xml']), {
      kind: 'versions',
      configFile: 'c.xml',
      path: '/w/a b',
      remote: null,
    });
    assert.deepEqual(parseVersionsCli(['restore', '--at', '2h', '/w/d', '--to', '/tmp/x', '--remote', 'www']), {
      kind: 'restore',
      configFile: './confxml.xml',
      path: '/w/d',
      remote: 'www',
      at: '2h',
      to: '/tmp/x',
    });
  });
  it('refuses what cannot work, in one line', () => {
    assert.match(JSON.stringify(parseCli(['restore', '/w/a'])), /--at TIME is required/);
    assert.match(JSON.stringify(parseCli(['versions'])), /give the PATH/);
    assert.match(JSON.stringify(parseCli(['versions', 'a', 'b'])), /unexpected argument \\"b\\"/);
    assert.match(JSON.stringify(parseCli(['versions', 'a', '--at', '2h'])), /--at goes with \\"restore\\"/);
  });
});

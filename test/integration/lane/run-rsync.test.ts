import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planTransfer, type LanePlan } from '../../../src/lane/plan-transfer.js';
import { RsyncExecutor } from '../../../src/lane/run-rsync.js';
import type { ResolvedBatch } from '../../../src/lane/stat-batch.js';
import type { DirNames } from '../../../src/shared/lstat-under.js';
import { protectRules } from '../../../src/delete-safety/protect-rules.js';
import { RsyncRunner } from '../../../src/rsync/runner.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { systemClock } from '../../../src/shared/clock.js';
import { testConfig } from '../../helpers/config.js';
import { startRsyncDaemon, type RsyncDaemon } from '../../helpers/rsyncd.js';

/**
 * The executor does what the plan says (lane/run-rsync.ts), against a real rsync daemon: the
 * `<filter>` walk's exclude file, the dry run that keeps remote-only excluded paths from
 * --delete, an attribute merge file, deletions folded into their directory, and no temp file
 * left behind. Content, not exit codes.
 */
describe('RsyncExecutor performs planned runs', () => {
  let dir: string;
  let daemon: RsyncDaemon;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-exec-'));
    daemon = await startRsyncDaemon(dir);
  });
  after(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (base: string, rel: string, content: string): void => {
    const abs = Buffer.concat([Buffer.from(`${base}/`), Buffer.from(rel, 'latin1')]);
    fs.mkdirSync(path.dirname(abs.toString('latin1')), { recursive: true });
    fs.writeFileSync(abs, content);
  };
  const remoteHas = (rel: string): boolean =>
    fs.existsSync(Buffer.concat([Buffer.from(`${daemon.modules['www']}/`), Buffer.from(rel, 'latin1')]));

  async function perform(
    name: string,
    filter: string[],
    resolved: Partial<ResolvedBatch>,
    listings: ReadonlyMap<string, DirNames | null> = new Map(),
  ) {
    const root = path.join(dir, name);
    const tmpDir = path.join(dir, `${name}-tmp`);
    fs.mkdirSync(tmpDir);
    const config = testConfig({
      watch: root,
      port: daemon.port,
      user: daemon.user,
      passwordFile: daemon.passwordFile,
      remotes: [{ module: 'www' }],
      filter,
    });
    const lane: LanePlan = {
      rootPath: root,
      remote: config.roots[0]!.remotes[0]!,
      config,
      protect: protectRules(filter).globs,
    };
    const runs = planTransfer(
      {
        resolved: { recursive: [], directories: [], missing: [], large: [], dirsOnly: [], ...resolved },
        renamed: new Set(),
        moves: [],
        deletesHeld: false,
        deletionsFirst: false,
        listings,
      },
      lane,
    );
    const exec = new RsyncExecutor(
      {
        rootPath: root,
        remoteLabel: lane.remote.label,
        filter: compileFilter(filter),
        runner: new RsyncRunner(systemClock),
        limiter: { run: (fn) => fn() },
        tmpDir,
      },
      memoryLogger(),
    );
    const results = [];
    for (const run of runs) results.push(...(await exec.execute(run)));
    return { results, leftInTmp: fs.readdirSync(tmpDir), stdin: runs.map((r) => r.stdin) };
  }

  it('a roll-up: excluded files stay local, remote-only excluded ones are kept (glob and dry run), the rest is mirrored', async () => {
    const local = path.join(dir, 'roll');
    write(local, 'd/a', 'A');
    write(local, 'd/b.tmp', 'local tmp');
    write(local, 'd/x1', 'local x1');
    const remote = daemon.modules['www']!;
    write(remote, 'd/stale', 'gone here');
    write(remote, 'd/c.tmp', 'remote tmp');
    write(remote, 'd/x7', 'remote x7');
    const { results, leftInTmp } = await perform('roll', ['(.*)\\.tmp', '^d/x[0-9]+$'], {
      recursive: ['d'],
      directories: ['d'],
    });
    assert.deepEqual(
      results.map((r) => r.exitCode),
      [0, 0],
      'a dry run, then the run',
    );
    assert.equal(fs.readFileSync(path.join(daemon.modules['www']!, 'd/a'), 'utf8'), 'A');
    assert.equal(remoteHas('d/b.tmp'), false, 'an excluded local file is not sent');
    assert.equal(remoteHas('d/x1'), false, 'an excluded local file is not sent (no glob for its regex)');
    assert.equal(
      fs.readFileSync(path.join(daemon.modules['www']!, 'd/c.tmp'), 'utf8'),
      'remote tmp',
      'kept by the glob',
    );
    assert.equal(
      fs.readFileSync(path.join(daemon.modules['www']!, 'd/x7'), 'utf8'),
      'remote x7',
      'kept by the dry run',
    );
    assert.equal(remoteHas('d/stale'), false, '--delete removes what the directory no longer has');
    assert.deepEqual(leftInTmp, [], 'no temp file left behind');
  });

  it('deletions folded into their directory: the missing names deleted, what it held at the look kept even when gone by the run (a space, a glob character, a non-UTF-8 name: the merge file), the rest sent', async () => {
    const remote = daemon.modules['www']!;
    const gone = Array.from({ length: 20 }, (_, i) => `fd/g${i}`);
    for (const g of gone) write(remote, g, 'deleted here');
    const held = ['fd/kept', 'fd/a b', 'fd/s*t', 'fd/\xff'];
    for (const h of held) write(remote, h, 'removed here after the look');
    write(remote, 'fd/present', 'stale');
    write(path.join(dir, 'fold'), 'fd/present', 'P');
    const { results, leftInTmp } = await perform(
      'fold',
      [],
      { recursive: gone, missing: gone },
      new Map([['fd', { names: ['fd/present', ...held], hasSubdir: false }]]),
    );
    assert.deepEqual(
      results.map((r) => r.exitCode),
      [0],
      'one run',
    );
    for (const g of gone) assert.equal(remoteHas(g), false, `${g} deleted`);
    for (const h of held)
      assert.equal(
        fs.readFileSync(Buffer.concat([Buffer.from(`${remote}/`), Buffer.from(h, 'latin1')]), 'utf8'),
        'removed here after the look',
        `${h} kept: its own batch deletes it, once the brake has counted it`,
      );
    assert.equal(fs.readFileSync(path.join(remote, 'fd/present'), 'utf8'), 'P');
    assert.deepEqual(leftInTmp, []);
  });

  it('changed files folded into their directory (a space, glob characters, a non-UTF-8 name): every file sent though the remote had the same size and mtime, a remote-only file, one gone by the run and one in a subdirectory that appeared after the look kept', async () => {
    const remote = daemon.modules['www']!;
    const local = path.join(dir, 'changes');
    const at = new Date('2020-01-02T03:04:05Z');
    const bytes = (base: string, rel: string): Buffer =>
      Buffer.concat([Buffer.from(`${base}/`), Buffer.from(rel, 'latin1')]);
    const dirs = ['c d', 'g[1]*', '\xfe'];
    const listings = new Map<string, DirNames>();
    const recursive: string[] = [];
    for (const d of dirs) {
      const names = Array.from({ length: 16 }, (_, i) => `${d}/c${i}`);
      // By its bytes: write() would make a non-UTF-8 directory name from its text.
      for (const base of [local, remote]) fs.mkdirSync(bytes(base, d), { recursive: true });
      for (const n of names) {
        write(local, n, `new ${n.length} ${n.slice(-3)}`.padEnd(40, '.'));
        write(remote, n, `old ${n.length} ${n.slice(-3)}`.padEnd(40, '.'));
        for (const base of [local, remote]) fs.utimesSync(bytes(base, n), at, at);
      }
      write(remote, `${d}/remote-only`, 'kept');
      write(remote, `${d}/vanished`, 'kept until its own batch');
      // In the batch and in the look's listing, gone locally before rsync reads the directory.
      listings.set(d, { names: [...names, `${d}/vanished`], hasSubdir: false });
      recursive.push(...names, `${d}/vanished`);
    }
    // A subdirectory that appears after the look: sent whole, and nothing the remote holds in it deleted.
    write(local, 'c d/sub/new', 'arrived');
    write(remote, 'c d/sub/remote-only', 'kept below');
    const { results, leftInTmp, stdin } = await perform('changes', [], { recursive }, listings);
    assert.deepEqual(stdin, [dirs], 'one run, each directory listed in place of its files');
    assert.deepEqual(
      results.map((r) => r.exitCode),
      [0],
    );
    for (const d of dirs) {
      for (let i = 0; i < 16; i++)
        assert.equal(
          fs.readFileSync(bytes(remote, `${d}/c${i}`), 'latin1'),
          `new ${`${d}/c${i}`.length} ${`${d}/c${i}`.slice(-3)}`.padEnd(40, '.'),
          `${d}/c${i}: same size and mtime, sent all the same (--ignore-times)`,
        );
      assert.equal(fs.readFileSync(bytes(remote, `${d}/remote-only`), 'utf8'), 'kept');
      assert.equal(fs.readFileSync(bytes(remote, `${d}/vanished`), 'utf8'), 'kept until its own batch');
    }
    assert.equal(fs.readFileSync(path.join(remote, 'c d/sub/new'), 'utf8'), 'arrived');
    assert.equal(fs.readFileSync(path.join(remote, 'c d/sub/remote-only'), 'utf8'), 'kept below');
    assert.deepEqual(leftInTmp, []);
  });

  it('an attribute-only directory with a non-UTF-8 child: the merge file lists it, the unlisted sibling stays', async () => {
    const name = 'w/\xff\xfe';
    write(path.join(dir, 'attr'), name, 'bytes');
    write(path.join(dir, 'attr'), 'w/unlisted', 'not in the batch');
    const { results, leftInTmp } = await perform('attr', [], { recursive: [name], dirsOnly: ['w'] });
    assert.deepEqual(
      results.map((r) => r.exitCode),
      [0],
    );
    assert.equal(
      fs.readFileSync(Buffer.concat([Buffer.from(`${daemon.modules['www']}/`), Buffer.from(name, 'latin1')]), 'utf8'),
      'bytes',
    );
    assert.equal(remoteHas('w/unlisted'), false, '`- /w/*` keeps the recursion out of the directory');
    assert.deepEqual(leftInTmp, []);
  });
});

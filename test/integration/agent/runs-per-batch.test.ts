import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { startRsyncDaemon, type RsyncDaemon } from '../../helpers/rsyncd.js';
import { batchesQuiet, startAgent, whileStopped, type AgentProcess } from '../../helpers/agent.js';
import { countingRsync, type CountingRsync } from '../../helpers/rsync-wrappers.js';
import { abs, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * How many rsync processes a batch costs (lane/batch-plan.ts): one, whatever it holds (files,
 * deletions, the root's own attributes), except a rename, which takes two so the old name can
 * serve as the basis. Counted by a wrapper every rsync of the agent goes through; probes
 * (--list-only) are counted apart. Each step also proves the content, and the root's mtime.
 */
describe('one rsync run per batch', () => {
  let tmp: string, src: string, dst: string, daemon: RsyncDaemon, agent: AgentProcess;
  const OLD = new Date('2001-02-03T04:05:06Z');
  let counter: CountingRsync;
  const transfers = (): number => counter.runs();

  /**
   * Until no rsync run is in flight and neither runs nor batch lines changed for 500 ms: a run
   * that started is counted at once, its batch line only when it ends (a loaded machine once
   * counted a follow-up run whose line came later, 2 runs against 1 line).
   */
  async function quiet(): Promise<void> {
    let seen = '';
    let since = 0;
    await waitFor(
      () => {
        const inFlight = counter.inFlight();
        const now = `${transfers()} ${agent.batchLines().length} ${inFlight}`;
        if (now !== seen) [seen, since] = [now, Date.now()];
        return inFlight === 0 && Date.now() - since >= 500;
      },
      { what: 'no rsync run in flight and no new run or batch line for 500 ms', timeoutMs: 60_000 },
    );
  }

  /** Runs `change`, waits for the mirror, returns [rsync runs, batches] it took. */
  async function step(
    what: string,
    change: () => void,
    exclude?: (rel: string) => boolean,
  ): Promise<{ runs: number; batches: number; lines: string[]; argvs: string[] }> {
    await quiet();
    const runs0 = transfers();
    const lines0 = agent.batchLines().length;
    // The agent stopped meanwhile: it sees the whole change at once (the root's utimes included).
    await whileStopped(agent, change);
    await waitForMirror(src, dst, what, { log: () => agent.lines, ...(exclude ? { exclude } : {}) });
    await quiet();
    const lines = agent.batchLines().slice(lines0);
    return { runs: transfers() - runs0, batches: lines.length, lines, argvs: counter.argvs().slice(runs0) };
  }
  const rootMtimeSec = (dir: string): number => Math.floor(fs.statSync(dir).mtimeMs / 1000);

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-runs-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'sub', 'deep'), { recursive: true });
    for (const f of ['a', 'old', 'edit']) fs.writeFileSync(path.join(src, 'sub', f), crypto.randomBytes(50_000));
    fs.writeFileSync(path.join(src, 'sub', 'deep', 'gone'), 'x');
    daemon = await startRsyncDaemon(tmp, ['www']);
    dst = daemon.modules['www']!;
    await execa(
      'rsync',
      ['-a', `--port=${daemon.port}`, `--password-file=${daemon.passwordFile}`, './', `${daemon.user}@127.0.0.1::www`],
      { cwd: src },
    );
    counter = countingRsync(tmp);
    agent = await startAgent(
      tmp,
      {
        watch: src,
        remotes: [{ module: 'www' }],
        port: daemon.port,
        passwordFile: daemon.passwordFile,
        commonParams: '-a',
      },
      [],
      { env: { SERSYNC_RSYNC: counter.bin } },
    );
  });
  after(async () => {
    const code = await agent?.stop();
    await daemon?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(code, 0);
  });

  it('a file created at the root: 1 run, and the remote root gets the root’s mtime in that same run', async () => {
    const r = await step('root create', () => {
      fs.writeFileSync(path.join(src, 'top.txt'), 'top\n');
      fs.utimesSync(src, OLD, OLD);
    });
    assert.equal(r.runs, r.batches, r.lines.join('\n'));
    assert.equal(rootMtimeSec(dst), rootMtimeSec(src), 'remote root mtime');
  });
  it('an edit in a subdirectory: 1 run', async () => {
    const r = await step('sub edit', () => fs.appendFileSync(path.join(src, 'sub', 'edit'), 'more'));
    assert.ok(r.batches >= 1);
    assert.equal(r.runs, r.batches, r.lines.join('\n'));
  });
  it('a delete at the root: 1 run, root mtime right', async () => {
    const r = await step('root delete', () => {
      fs.unlinkSync(path.join(src, 'top.txt'));
      fs.utimesSync(src, OLD, OLD);
    });
    assert.equal(r.runs, r.batches, r.lines.join('\n'));
    assert.equal(rootMtimeSec(dst), rootMtimeSec(src), 'remote root mtime');
  });
  it('a create and a delete in one subdirectory, a deep delete and a new top-level directory: 1 run', async () => {
    const r = await step('create+delete', () => {
      fs.writeFileSync(path.join(src, 'sub', 'new'), 'new\n');
      fs.unlinkSync(path.join(src, 'sub', 'old'));
      fs.unlinkSync(path.join(src, 'sub', 'deep', 'gone'));
      fs.mkdirSync(path.join(src, 'newdir'));
      fs.writeFileSync(path.join(src, 'newdir', 'f'), 'f\n');
      fs.utimesSync(src, OLD, OLD);
    });
    assert.equal(r.runs, r.batches, r.lines.join('\n'));
    assert.equal(fs.existsSync(path.join(dst, 'sub', 'old')), false);
    assert.equal(rootMtimeSec(dst), rootMtimeSec(src), 'remote root mtime');
  });
  it('a rename within a directory: the one batch that takes 2 runs (old name as basis), and little data moves', async () => {
    const r = await step('rename', () => fs.renameSync(path.join(src, 'sub', 'a'), path.join(src, 'sub', 'b-renamed')));
    assert.ok(r.runs <= r.batches + 1, r.lines.join('\n'));
    const sent = r.lines
      .map((l) => /, ([\d.]+) (B|KiB) sent$/.exec(l))
      .reduce((n, m) => n + (m ? Number(m[1]) * (m[2] === 'KiB' ? 1024 : 1) : 0), 0);
    assert.ok(sent < 5000, `sent ${sent} bytes for a 50,000-byte rename:\n${r.lines.join('\n')}`);
  });
  it('hostile names at the root (wildcards, rule prefixes, comment marks, spaces, newline, non-UTF-8): created and deleted in 1 run each', async () => {
    const names = [
      'st*r',
      'q?',
      '[x]',
      'back\\slash',
      '+ plus',
      '- minus',
      '#hash',
      ';semi',
      ' lead',
      'trail ',
      'new\nline',
      '-dash',
      "it's",
      '`tick`',
      '$(touch MARKER)',
      'caf\xe9',
      '**',
    ];
    // UTF-8 names: the rules go on the command line; a non-UTF-8 one sends them in a file.
    const made = await step('hostile create', () => {
      for (const n of names.filter((x) => x !== 'caf\xe9')) fs.writeFileSync(abs(src, n), `${n}\n`);
      fs.mkdirSync(abs(src, 'dir [*]'));
      fs.writeFileSync(abs(src, 'dir [*]/inner'), 'inner');
    });
    assert.equal(made.runs, made.batches, made.lines.join('\n'));
    const latin = await step('non-UTF-8 create', () => fs.writeFileSync(abs(src, 'caf\xe9'), 'not utf-8\n'));
    assert.equal(latin.runs, latin.batches, latin.lines.join('\n'));
    const gone = await step('hostile delete', () => {
      for (const n of names) fs.unlinkSync(abs(src, n));
      fs.rmSync(abs(src, 'dir [*]'), { recursive: true });
    });
    assert.equal(gone.runs, gone.batches, gone.lines.join('\n'));
    assert.equal(fs.existsSync(path.join(src, 'MARKER')) || fs.existsSync(path.join(dst, 'MARKER')), false);
  });
  it('most of ten directories deleted (20 of 21 files each): each folds into one recursion of its directory (lane/fold-deletions.ts), 1 run per batch, a remote-only file there deleted as in any directory sent recursively', async () => {
    const dirs = Array.from({ length: 10 }, (_, d) => path.join(src, 'burst', `b${d}`));
    const made = await step('burst tree', () => {
      for (const d of dirs) {
        fs.mkdirSync(d, { recursive: true });
        for (let f = 0; f <= 20; f++) fs.writeFileSync(path.join(d, `f${f}`), `${d} ${f}\n`);
      }
    });
    assert.equal(made.runs, made.batches, made.lines.join('\n'));
    fs.writeFileSync(path.join(dst, 'burst', 'b3', 'remote-only'), 'only there');
    const gone = await step('burst delete', () => {
      for (const d of dirs) for (let f = 0; f < 20; f++) fs.unlinkSync(path.join(d, `f${f}`));
    });
    assert.equal(gone.runs, gone.batches, gone.lines.join('\n'));
    for (const [i, d] of dirs.entries()) {
      assert.deepEqual(fs.readdirSync(path.join(dst, 'burst', `b${i}`)), ['f20'], `b${i} on the remote`);
      assert.equal(fs.readFileSync(path.join(dst, 'burst', `b${i}`, 'f20'), 'utf8'), `${d} 20\n`);
    }
  });
  it('every file of ten directories rewritten, same sizes (21 each): each folds into one recursion of its directory (lane/fold-changes.ts), 1 run per batch, every byte new, a remote-only file there kept', async () => {
    const dirs = Array.from({ length: 10 }, (_, d) => path.join(src, 'rewrite', `r${d}`));
    const content = (d: number, f: number, v: string): string => `${v} ${d} ${f}\n`;
    await step('rewrite tree', () => {
      for (const [i, d] of dirs.entries()) {
        fs.mkdirSync(d, { recursive: true });
        for (let f = 0; f <= 20; f++) fs.writeFileSync(path.join(d, `f${f}`), content(i, f, 'one'));
      }
    });
    fs.writeFileSync(path.join(dst, 'rewrite', 'r3', 'remote-only'), 'only there');
    const again = await step(
      'rewrite every file',
      () => {
        for (const [i, d] of dirs.entries())
          for (let f = 0; f <= 20; f++) fs.writeFileSync(path.join(d, `f${f}`), content(i, f, 'two'));
      },
      (rel) => rel === 'rewrite/r3/remote-only',
    );
    assert.equal(again.runs, again.batches, again.lines.join('\n'));
    for (let i = 0; i < dirs.length; i++)
      assert.ok(
        again.argvs.some((a) => a.includes(`--filter=P /rewrite/r${i}/**`)),
        `r${i} sent recursively with its protect rule: ${again.argvs.join('\n')}`,
      );
    for (let f = 0; f <= 20; f++)
      assert.equal(fs.readFileSync(path.join(dst, 'rewrite', 'r7', `f${f}`), 'utf8'), content(7, f, 'two'));
    assert.equal(fs.readFileSync(path.join(dst, 'rewrite', 'r3', 'remote-only'), 'utf8'), 'only there');
    fs.rmSync(path.join(dst, 'rewrite', 'r3', 'remote-only'));
  });
  it('remote-only entries at the root are left alone by the run that lists the root', async () => {
    fs.writeFileSync(path.join(dst, 'remote-only'), 'kept');
    fs.mkdirSync(path.join(dst, 'remote-only-dir'));
    fs.writeFileSync(path.join(src, 'top2'), 'x');
    await waitFor(() => fs.existsSync(path.join(dst, 'top2')), { what: 'top2 arrives' });
    await batchesQuiet(agent);
    assert.equal(fs.readFileSync(path.join(dst, 'remote-only'), 'utf8'), 'kept');
    assert.ok(fs.existsSync(path.join(dst, 'remote-only-dir')));
    assert.equal(fs.readFileSync(path.join(dst, 'top2'), 'utf8'), 'x');
  });
});

describe('with <attrib start="true">: a chmod of a directory is one run of that directory alone', () => {
  let tmp: string, src: string, dst: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-runs-attr-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'big', 'sub'), { recursive: true });
    for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(src, 'big', 'sub', `f${f}`), `${f}\n`);
    fs.writeFileSync(path.join(src, 'big', 'top'), 'top\n');
    daemon = await startRsyncDaemon(tmp, ['www']);
    dst = daemon.modules['www']!;
    // The remote has big/ but none of its contents: a recursive send of big/ would show.
    fs.mkdirSync(path.join(dst, 'big'));
    fs.writeFileSync(path.join(dst, 'big', 'remote-only'), 'kept');
    agent = await startAgent(tmp, {
      watch: src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
      commonParams: '-a',
      attrib: true,
      debug: true,
    });
  });
  after(async () => {
    await agent?.stop();
    await daemon?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  it('the remote directory gets the mode and mtime, nothing inside it is sent or deleted', async () => {
    fs.chmodSync(path.join(src, 'big'), 0o750);
    fs.utimesSync(path.join(src, 'big'), new Date('2002-03-04T00:00:00Z'), new Date('2002-03-04T00:00:00Z'));
    await waitFor(
      () =>
        (fs.statSync(path.join(dst, 'big')).mode & 0o777) === 0o750 &&
        Math.floor(fs.statSync(path.join(dst, 'big')).mtimeMs / 1000) ===
          Math.floor(fs.statSync(path.join(src, 'big')).mtimeMs / 1000),
      {
        what: 'big/ mode and mtime on the remote',
      },
    );
    await batchesQuiet(agent);
    assert.deepEqual(
      fs.readdirSync(path.join(dst, 'big')).sort(),
      ['remote-only'],
      'no child sent, the remote-only file kept',
    );
    const lines = agent.batchLines();
    assert.ok(
      lines.length >= 1 && lines.every((l) => !/rsync runs/.test(l)),
      `one run per batch:\n${lines.join('\n')}`,
    );
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { batchesQuiet, runAgentOn, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { countingRsync, type CountingRsync } from '../../helpers/rsync-wrappers.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const converge = (
  src: string,
  dst: string,
  agent: AgentProcess,
  what: string,
  exclude?: (rel: string) => boolean,
): Promise<void> => waitForMirror(src, dst, what, { log: () => agent.lines, ...(exclude ? { exclude } : {}) });

describe('two remotes, two roots', () => {
  let site: Site, tmp: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    site = await startSite('two', { src: 'src1', modules: ['a1', 'a2', 'b1', 'b2'] });
    ({ tmp, daemon } = site);
    fs.mkdirSync(path.join(tmp, 'src2'));
  });
  after(() => site.close());
  it('every root reaches every one of its remotes', async () => {
    const src1 = path.join(tmp, 'src1');
    const src2 = path.join(tmp, 'src2');
    fs.mkdirSync(path.join(tmp, 'multi'));
    // Two <localpath> blocks with two remotes each: the second block's remotes edited in (the helper repeats remotes).
    const edit = (xml: string): string =>
      xml.replace(
        /(<localpath watch="[^"]*src2">\s*)<remote ip="127.0.0.1" name="a1"\/>\s*<remote ip="127.0.0.1" name="a2"\/>/,
        '$1<remote ip="127.0.0.1" name="b1"/><remote ip="127.0.0.1" name="b2"/>',
      );
    agent = runAgentOn(site, { watch: [src1, src2], remotes: [{ module: 'a1' }, { module: 'a2' }] }, [], {
      file: 'multi/confxml.xml',
      edit,
    });
    await agent.waitForLine(/ready in/);
    fs.writeFileSync(path.join(src1, 'one.txt'), 'one');
    fs.mkdirSync(path.join(src2, 'dir'));
    fs.writeFileSync(path.join(src2, 'dir/two.txt'), 'two');
    await converge(src1, daemon.modules['a1']!, agent, 'src1 -> a1');
    await converge(src1, daemon.modules['a2']!, agent, 'src1 -> a2');
    await converge(src2, daemon.modules['b1']!, agent, 'src2 -> b1');
    await converge(src2, daemon.modules['b2']!, agent, 'src2 -> b2');
    assert.equal(
      fs.existsSync(path.join(daemon.modules['b1']!, 'one.txt')),
      false,
      'roots do not leak into each other',
    );
  });
});

describe('<filter> excludes', () => {
  let site: Site, tmp: string, src: string, dst: string, agent: AgentProcess;
  const isExcluded = (rel: string): boolean =>
    /\.tmp$/.test(rel) || /(^|\/)[^/]*\.tmp\//.test(rel) || rel === 'cache' || rel.startsWith('cache/');
  before(async () => {
    site = await startSite('filter');
    ({ tmp, src, dst } = site);
    // Remote-only files that the filter protects from --delete.
    fs.writeFileSync(path.join(dst, 'remote-only.tmp'), 'keep me');
    fs.writeFileSync(path.join(src, 'pre.txt'), 'pre');
    fs.writeFileSync(path.join(src, 'pre.tmp'), 'pre tmp');
    agent = await startAgentOn(site, { filter: ['(.*)\\.tmp', '^cache/*'] }, ['-r']);
  });
  after(() => site.close());
  it('excluded paths are never sent, also inside a new or moved-in directory, and -r honours the filter', async () => {
    await converge(src, dst, agent, '-r with filter', isExcluded);
    assert.equal(fs.existsSync(path.join(dst, 'pre.tmp')), false, '-r did not send an excluded file');
    assert.equal(
      fs.existsSync(path.join(dst, 'remote-only.tmp')),
      true,
      '-r --delete did not delete an excluded remote file',
    );
    fs.writeFileSync(path.join(src, 'a.tmp'), 'x');
    fs.writeFileSync(path.join(src, 'a.txt'), 'x');
    fs.mkdirSync(path.join(src, 'cache/deep'), { recursive: true });
    fs.writeFileSync(path.join(src, 'cache/deep/c.txt'), 'x');
    fs.mkdirSync(path.join(src, 'sub/cache'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub/cache/kept.txt'), 'kept: ^cache/* is anchored at the root');
    // A new directory created at once with excluded files inside, and one moved in.
    fs.mkdirSync(path.join(src, 'newdir/inner'), { recursive: true });
    fs.writeFileSync(path.join(src, 'newdir/x.tmp'), 'x');
    fs.writeFileSync(path.join(src, 'newdir/inner/y.tmp'), 'y');
    fs.writeFileSync(path.join(src, 'newdir/inner/ok.txt'), 'ok');
    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'z.tmp'), 'z');
    fs.writeFileSync(path.join(outside, 'sub/w.tmp'), 'w');
    fs.writeFileSync(path.join(outside, 'sub/ok2.txt'), 'ok2');
    fs.renameSync(outside, path.join(src, 'movedin'));
    await converge(src, dst, agent, 'excludes', isExcluded);
    for (const p of ['a.tmp', 'cache', 'newdir/x.tmp', 'newdir/inner/y.tmp', 'movedin/z.tmp', 'movedin/sub/w.tmp']) {
      assert.equal(fs.existsSync(path.join(dst, p)), false, `${p} must not be sent`);
    }
    for (const p of ['a.txt', 'sub/cache/kept.txt', 'newdir/inner/ok.txt', 'movedin/sub/ok2.txt']) {
      assert.equal(fs.existsSync(path.join(dst, p)), true, `${p} must be sent`);
    }
  });
});

describe('<delete start="false">', () => {
  let site: Site, src: string, dst: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('nodelete');
    ({ src, dst } = site);
    agent = await startAgentOn(site, { deleteEnabled: false });
  });
  after(() => site.close());
  it('local deletes are not propagated; creates still are', async () => {
    fs.writeFileSync(path.join(src, 'keep.txt'), 'k');
    await converge(src, dst, agent, 'create');
    fs.unlinkSync(path.join(src, 'keep.txt'));
    fs.writeFileSync(path.join(src, 'later.txt'), 'l');
    await waitFor(() => fs.existsSync(path.join(dst, 'later.txt')), { what: 'later.txt arrives' });
    await agent.stop();
    assert.equal(fs.existsSync(path.join(dst, 'keep.txt')), true, 'the remote copy was not deleted');
  });
});

describe('a wrong password while running', () => {
  let site: Site, src: string, dst: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    site = await startSite('authfail');
    ({ src, dst, daemon } = site);
    agent = await startAgentOn(site);
  });
  after(() => site.close());
  it('is logged and retried; the agent keeps running and converges once the password matches again', async () => {
    await daemon.setServerPassword('changed-on-the-server');
    fs.writeFileSync(path.join(src, 'during-auth-failure.txt'), 'x');
    await agent.waitForLine(/auth failed/);
    assert.equal(agent.child.exitCode, null, 'agent still running');
    assert.equal(fs.existsSync(path.join(dst, 'during-auth-failure.txt')), false);
    await daemon.setServerPassword(daemon.password);
    await converge(src, dst, agent, 'after the password is fixed');
    await agent.waitForLine(/is back: delivered after earlier failures/);
  });
});

describe('-r on a pre-filled tree, and a 10,000-file burst', () => {
  let site: Site, tmp: string, src: string, dst: string, agent: AgentProcess, counter: CountingRsync;
  before(async () => {
    site = await startSite('burst');
    ({ tmp, src, dst } = site);
    for (let d = 0; d < 20; d++) {
      fs.mkdirSync(path.join(src, `pre${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(src, `pre${d}`, `f${f}`), `pre ${d} ${f}\n`);
    }
    fs.writeFileSync(path.join(dst, 'stale-remote-file'), 'the full sync deletes me');
    // Every rsync process the agent starts goes through this wrapper, which counts it.
    counter = countingRsync(tmp);
    agent = await startAgentOn(site, {}, ['-r'], { env: { SERSYNC_RSYNC: counter.bin } });
  });
  after(() => site.close());
  it('-r mirrors the existing tree (and deletes what the source does not have)', async () => {
    await converge(src, dst, agent, '-r');
    assert.equal(fs.existsSync(path.join(dst, 'stale-remote-file')), false);
  });
  it('10,000 new files in 100 dirs converge with a few dozen rsync runs at most', async (t) => {
    const rsyncRuns = (): number => counter.runs();
    const before = rsyncRuns();
    const batchesBefore = agent.batchLines().length;
    const started = Date.now();
    for (let d = 0; d < 100; d++) {
      const dir = path.join(src, `burst${d}`);
      fs.mkdirSync(dir);
      for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `f${f}`), `burst ${d} ${f}\n`);
    }
    await converge(src, dst, agent, '10k burst');
    const ms = Date.now() - started;
    await batchesQuiet(agent);
    const runs = rsyncRuns() - before;
    t.diagnostic(
      `10,000-file burst: ${runs} rsync processes in ${agent.batchLines().length - batchesBefore} batches, converged ${ms} ms after the first write`,
    );
    assert.ok(runs <= 40, `expected at most a few dozen rsync runs, got ${runs}`);
  });
});

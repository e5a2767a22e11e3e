import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

/** `(.*)\.(log|bak)` has no rsync glob equivalent (no protect rule); `^cache/*` has one. */
const FILTER = ['(.*)\\.(log|bak)', '^cache/*'];

function put(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

describe('<filter>: a local delete or rename of an excluded path is not propagated', () => {
  let site: Site, tmp: string, src: string, dst: string, agent: AgentProcess;
  const excluded = ['x.log', 'a.bak', 'sub/y.log', 'cache/x', 'cache/deep/z'];
  before(async () => {
    site = await startSite('filterdel');
    ({ tmp, src, dst } = site);
    // The excluded files exist on both sides; the remote copies were put there directly.
    for (const rel of excluded) {
      put(src, rel, `local ${rel}`);
      put(dst, rel, `remote ${rel}`);
    }
    put(src, 'sub/kept.txt', 'kept');
    agent = await startAgentOn(site, { filter: FILTER });
  });
  after(() => site.close());
  it('rm, mv and rm -rf of excluded files and directories leave the remote copies alone', async () => {
    fs.unlinkSync(path.join(src, 'x.log'));
    fs.renameSync(path.join(src, 'a.bak'), path.join(src, 'a-renamed.bak'));
    fs.renameSync(path.join(src, 'sub/y.log'), path.join(tmp, 'y.log-moved-out'));
    fs.renameSync(path.join(src, 'cache/x'), path.join(src, 'cache/x2'));
    fs.rmSync(path.join(src, 'cache'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sentinel.txt'), 'after the deletes');
    await waitFor(() => fs.existsSync(path.join(dst, 'sentinel.txt')), { what: 'the sentinel arrives' });
    // SIGTERM drains: whatever the deletes were going to do has been done once it exits.
    assert.equal(await agent.stop(), 0);
    for (const rel of excluded)
      assert.equal(fs.readFileSync(path.join(dst, rel), 'utf8'), `remote ${rel}`, `remote ${rel} survives`);
    assert.equal(fs.existsSync(path.join(dst, 'a-renamed.bak')), false, 'the renamed excluded file is not sent');
    assert.equal(fs.existsSync(path.join(dst, 'sub/kept.txt')), false, 'nothing else was sent (no -r)');
  });
});

describe('<filter> regexes without a glob equivalent: deleting syncs keep remote-only matches', () => {
  let site: Site, src: string, dst: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('filterdry');
    ({ src, dst } = site);
    put(src, 'a.txt', 'a');
    put(src, 'sub/b.txt', 'b');
    put(dst, 'remote-only.log', 'keep');
    put(dst, 'sub/remote-only.bak', 'keep');
    put(dst, 'old.bak/inside', 'keep: under an excluded directory');
    put(dst, 'stale.txt', 'the full sync deletes me');
    put(dst, 'sub/stale.txt', 'the full sync deletes me');
    // A directory that will be moved in later: the remote already has a copy with extra files.
    put(dst, 'newdir/remote-only.log', 'keep');
    put(dst, 'newdir/stale.txt', 'the recursive send deletes me');
    agent = await startAgentOn(site, { filter: ['(.*)\\.(log|bak)'] }, ['-r']);
  });
  after(() => site.close());
  it('-r deletes stale remote files but not remote-only files the filter excludes', async () => {
    await agent.waitForLine(/full sync, exit 0/);
    assert.equal(fs.existsSync(path.join(dst, 'stale.txt')), false, '-r deletes a stale remote file');
    assert.equal(
      fs.existsSync(path.join(dst, 'sub/stale.txt')),
      false,
      '-r deletes a stale remote file in a subdirectory',
    );
    for (const rel of ['remote-only.log', 'sub/remote-only.bak', 'old.bak/inside', 'newdir/remote-only.log'])
      assert.ok(fs.existsSync(path.join(dst, rel)), `${rel} survives -r`);
    assert.equal(fs.readFileSync(path.join(dst, 'sub/b.txt'), 'utf8'), 'b');
  });
  it('a directory sent recursively (moved in) keeps remote-only excluded files too', async () => {
    put(src, 'newdir/sentinel.txt', 'x');
    await waitFor(
      () => !fs.existsSync(path.join(dst, 'newdir/stale.txt')) && fs.existsSync(path.join(dst, 'newdir/sentinel.txt')),
      {
        what: 'the recursive send of newdir/ (stale deleted, sentinel arrived)',
      },
    );
    assert.ok(
      fs.existsSync(path.join(dst, 'newdir/remote-only.log')),
      'newdir/remote-only.log survives the recursive send',
    );
  });
});

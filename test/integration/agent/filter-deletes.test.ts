import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRsyncDaemon, type RsyncDaemon } from '../../helpers/rsyncd.js';
import { startAgent, type AgentProcess } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

/** `(.*)\.(log|bak)` has no rsync glob equivalent (no protect rule); `^cache/*` has one. */
const FILTER = ['(.*)\\.(log|bak)', '^cache/*'];

function put(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

describe('<filter>: a local delete or rename of an excluded path is not propagated', () => {
  let tmp: string, src: string, dst: string, daemon: RsyncDaemon, agent: AgentProcess;
  const excluded = ['x.log', 'a.bak', 'sub/y.log', 'cache/x', 'cache/deep/z'];
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-filterdel-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    daemon = await startRsyncDaemon(tmp, ['www']);
    dst = daemon.modules['www']!;
    // The excluded files exist on both sides; the remote copies were put there directly.
    for (const rel of excluded) {
      put(src, rel, `local ${rel}`);
      put(dst, rel, `remote ${rel}`);
    }
    put(src, 'sub/kept.txt', 'kept');
    agent = await startAgent(tmp, { watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile, filter: FILTER });
  });
  after(async () => {
    await agent.stop();
    await daemon.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
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
    for (const rel of excluded) assert.equal(fs.readFileSync(path.join(dst, rel), 'utf8'), `remote ${rel}`, `remote ${rel} survives`);
    assert.equal(fs.existsSync(path.join(dst, 'a-renamed.bak')), false, 'the renamed excluded file is not sent');
    assert.equal(fs.existsSync(path.join(dst, 'sub/kept.txt')), false, 'nothing else was sent (no -r)');
  });
});

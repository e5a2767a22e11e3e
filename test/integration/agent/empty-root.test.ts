import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRsyncDaemon, type RsyncDaemon } from '../../helpers/rsyncd.js';
import { startAgent, type AgentProcess } from '../../helpers/agent.js';
import { snapshot } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

describe('-r on an empty root refuses the deleting full sync', () => {
  let tmp: string, src: string, dst: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-emptyroot-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(src); // empty: an unmounted volume looks like this
    daemon = await startRsyncDaemon(tmp, ['www']);
    dst = daemon.modules['www']!;
    fs.mkdirSync(path.join(dst, 'site/img'), { recursive: true });
    fs.writeFileSync(path.join(dst, 'index.html'), 'the remote copy');
    fs.writeFileSync(path.join(dst, 'site/img/logo.png'), 'png');
    agent = await startAgent(tmp, { watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile }, ['-r']);
  });
  after(async () => {
    await agent.stop();
    await daemon.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  it('logs the refusal as an error, leaves the remote intact, and still mirrors a file added later', async () => {
    const before = snapshot(dst);
    const line = await agent.waitForLine(/is empty \(unmounted volume\?\); refusing a deleting full sync/);
    assert.match(line, /error/i, 'logged at error level');
    assert.equal(agent.batchLines().length, 0, 'no rsync ran');
    assert.deepEqual(snapshot(dst), before, 'the remote is untouched');
    fs.writeFileSync(path.join(src, 'added-later.txt'), 'new');
    await waitFor(() => fs.existsSync(path.join(dst, 'added-later.txt')), { what: 'the file added later arrives' });
    assert.equal(fs.readFileSync(path.join(dst, 'added-later.txt'), 'utf8'), 'new');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSshd, type Sshd } from '../../helpers/sshd.js';
import { freePort } from '../../helpers/rsyncd.js';
import { testConfig } from '../../helpers/config.js';
import { waitFor } from '../../helpers/wait.js';
import { SshMaster } from '../../../src/rsync/ssh-master.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { systemClock } from '../../../src/shared/clock.js';
import { processAlive } from '../../../src/shared/process.js';

/**
 * One SshMaster against a real sshd on 127.0.0.1 (its own keys, the wrapper `ssh` first in
 * PATH): up once it answers `-O check`, restarted after it dies, ended by stop(); against a port
 * nobody listens on, down and retried, warned once.
 */
describe('SshMaster: one multiplexed ssh master, owned as a child process', () => {
  let tmp: string, sshd: Sshd;
  const savedPath = process.env['PATH'];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-ssh-master-'));
    sshd = await startSshd(tmp);
    process.env['PATH'] = `${sshd.pathPrepend}:${savedPath ?? ''}`;
  });
  after(async () => {
    process.env['PATH'] = savedPath;
    await sshd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const master = (port: number, name: string, log = memoryLogger()): SshMaster => {
    const config = testConfig({
      watch: tmp,
      remotes: [{ module: sshd.remoteDir(name) }],
      port,
      ssh: true,
      timeoutSec: null,
    });
    return new SshMaster(
      config.rsync,
      config.roots[0]!.remotes[0]!,
      path.join(tmp, `${name}.sock`),
      log,
      systemClock,
      () => 0,
    );
  };

  it('comes up, is restarted with another pid after being killed, and stop() ends it', async () => {
    const log = memoryLogger();
    const m = master(sshd.port, 'up', log);
    m.start();
    await waitFor(() => m.state === 'up', { timeoutMs: 60_000, what: 'master up' });
    const first = m.pid!;
    assert.ok(processAlive(first));
    assert.ok(fs.lstatSync(m.socket).isSocket());

    process.kill(first, 'SIGKILL');
    await waitFor(() => m.state === 'up' && m.pid !== first, { timeoutMs: 60_000, what: 'master up again' });
    assert.ok(
      log.lines.some((l) => /warn .*ssh master to 127\.0\.0\.1 ended \(.*killed by SIGKILL\)/.test(l)),
      log.lines.join('\n'),
    );
    assert.ok(log.lines.some((l) => /ssh master to 127\.0\.0\.1 up again/.test(l)));

    const second = m.pid!;
    await m.stop();
    assert.equal(m.state, 'stopped');
    assert.equal(m.pid, null);
    await waitFor(() => !processAlive(second), { timeoutMs: 20_000, what: 'master process gone' });
  });

  it('to a port nobody listens on: down, retried with backoff, warned once then at debug level', async () => {
    const log = memoryLogger();
    const m = master(await freePort(), 'nobody', log);
    m.start();
    const failures = (): string[] => log.lines.filter((l) => l.includes('could not start'));
    await waitFor(() => failures().length >= 3, { timeoutMs: 60_000, what: 'three failed starts' });
    assert.equal(m.state === 'down' || m.state === 'starting', true, m.state);
    const levels = failures().map((l) => l.split(' ')[0]);
    assert.deepEqual(levels.slice(0, 3), ['warn', 'debug', 'debug']);
    assert.match(failures()[0]!, /rsync logs in on its own meanwhile; restarting in 250 ms/);
    assert.match(failures()[1]!, /restarting in 500 ms/);
    await m.stop();
    assert.equal(m.state, 'stopped');
  });
});

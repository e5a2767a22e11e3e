import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { writeConfig } from '../../helpers/agent.js';
import { alive, cliAsync as cli, daemonFiles, readText as read, workerPids } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';
import { heldRsync } from '../../helpers/rsync-wrappers.js';
import { waitForMirror } from '../../helpers/tree.js';

describe('-d: starting', () => {
  it('two simultaneous starts on one PID file: exactly one wins', async (t) => {
    const site = await startSite('d2', { t });
    const { tmp } = site;
    const { pidFile } = daemonFiles(site, 'x');
    const conf = writeConfig(tmp, site.spec, 'c.xml');
    const args = (n: number): string[] => [
      '-d',
      '-o',
      conf,
      `--pid-file=${pidFile}`,
      `--log-file=${path.join(tmp, `l${n}.log`)}`,
      `--state-dir=${path.join(tmp, `state${n}`)}`,
    ];
    const rs = await Promise.all([cli(args(1)), cli(args(2))]);
    const codes = rs.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 1], rs.map((r) => r.out + r.err).join('\n---\n'));
    const loser = rs.find((r) => r.code === 1)!;
    assert.match(loser.err, /already running \(pid \d+/);
    const pid = Number(read(pidFile));
    assert.ok(alive(pid), 'the winner is in the PID file');
    assert.deepEqual(
      fs.readdirSync(tmp).filter((f) => f.startsWith('x.pid')),
      ['x.pid'],
      'no temp or stale files next to the PID file',
    );
  });

  it('the worker runs with umask 022 in / (whatever the caller had)', async (t) => {
    const site = await startSite('dumask', { t });
    const { tmp } = site;
    const { pidFile, logFile } = daemonFiles(site, 'u');
    writeConfig(tmp, site.spec, 'c.xml');
    const r = await cli(['-d', '-o', 'c.xml', '--pid-file=u.pid', '--log-file=u.log'], { umask: '077', cwd: tmp });
    assert.equal(r.code, 0, r.out + r.err);
    const [worker] = workerPids(read(logFile));
    assert.ok(worker && alive(worker), `worker pid ${worker}`);
    for (const pid of [worker, Number(read(pidFile))]) {
      assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Umask:\s+0022$/m, `umask of ${pid}`);
      assert.equal(fs.readlinkSync(`/proc/${pid}/cwd`), '/', `cwd of ${pid}`);
    }
  });

  it('a worker SIGSTOPped while starting slowly is restarted (startup heartbeats, not a 5 min wait)', async (t) => {
    const site = await startSite('dslow', { t });
    const { tmp, src } = site;
    const held = heldRsync(tmp, { probe: 'hold' });
    const { pidFile, logFile } = daemonFiles(site, 's');
    site.onClose(() => held.release());
    const conf = writeConfig(tmp, site.spec, 'c.xml');
    // The launcher waits for "ready": it returns once the probe is released below.
    const launched = cli(['-d', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`], {
      env: { SERSYNC_RSYNC: held.bin },
    });
    await waitFor(() => workerPids(read(logFile)).length === 1 && /starting with/.test(read(logFile)), {
      what: 'first worker starting',
    });
    const [first] = workerPids(read(logFile));
    process.kill(first!, 'SIGSTOP');
    await waitFor(
      () =>
        /sent no heartbeat for \d+ s \(hung or stopped while starting\); killing it/.test(read(logFile)) &&
        workerPids(read(logFile)).length === 2,
      {
        timeoutMs: 45_000,
        what: 'the stopped starting worker killed and restarted',
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- log:\n${read(logFile)}`);
    });
    held.release();
    const r = await launched;
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /running in the background/);
    await waitFor(() => /ready in \d+ ms/.test(read(logFile)), { what: 'second worker ready' });
    // The restarted worker's probe, let through to the real rsync, found the real daemon: it syncs.
    fs.writeFileSync(path.join(src, 'after.txt'), 'written after the restart\n');
    await waitForMirror(src, site.dst, 'after the restart');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, makeTestDir, startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { runAgentOn, writeConfig } from '../../helpers/agent.js';
import { alive, cli, daemonFiles, readText as read, stopByPidFile } from '../../helpers/cli.js';
import { socketOnlySpec } from '../../helpers/receivers.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';
import { OWN_NODE_FLAGS } from '../../../src/shared/node-flags.js';

const cmdline = (pid: string): string[] => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

describe('-d with relative paths (cwd = the config directory)', () => {
  let site: Site, tmp: string, src: string, daemon: RsyncDaemon;
  before(async () => {
    site = await startSite('drel');
    ({ tmp, src, daemon } = site);
    writeConfig(tmp, site.spec, 'c.xml');
    writeConfig(tmp, site.spec);
    site.onClose(async () => {
      for (const f of ['rel.pid', 'default.pid']) await stopByPidFile(path.join(tmp, f)).catch(() => undefined);
    });
  });
  after(() => site.close());

  it('-d -o c.xml with relative --pid-file, --log-file and --state-dir: starts, syncs, stops on TERM', async () => {
    const r = cli(['-d', '-o', 'c.xml', '--pid-file=rel.pid', '--log-file', 'rel.log', '--state-dir=state'], {
      cwd: tmp,
    });
    assert.equal(r.code, 0, r.out + r.err);
    const pidFile = path.join(tmp, 'rel.pid');
    const logFile = path.join(tmp, 'rel.log');
    assert.match(
      r.out,
      new RegExp(`PID file: ${pidFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      'the launcher names the absolute PID file',
    );
    const supervisor = Number(read(pidFile));
    assert.ok(alive(supervisor));
    assert.ok(fs.existsSync(path.join(tmp, 'state', 'pending.journal')), 'the relative state dir is used');
    // cli() ran `node FLAGS main.js -d` (shared/node-flags.ts): the supervisor and its worker keep the flags.
    const children = fs.readFileSync(`/proc/${supervisor}/task/${supervisor}/children`, 'utf8').trim().split(/\s+/);
    assert.ok(children.length >= 1 && children[0] !== '', 'the supervisor has its worker');
    for (const pid of [String(supervisor), ...children])
      assert.deepEqual(cmdline(pid).slice(1, 1 + OWN_NODE_FLAGS.length), OWN_NODE_FLAGS, `node flags of pid ${pid}`);
    fs.writeFileSync(path.join(src, 'rel.txt'), 'x');
    await waitForMirror(src, daemon.modules['www']!, 'sync under -d with relative paths', {
      log: () => read(logFile).split('\n'),
    });
    await stopByPidFile(pidFile);
    assert.equal(fs.existsSync(pidFile), false);
    assert.match(read(logFile), /stopped; nothing pending/);
  });

  it('-d with the default ./confxml.xml works too', async () => {
    const r = cli(['-d', '--pid-file=default.pid', '--log-file=default.log', '--state-dir=state2'], { cwd: tmp });
    assert.equal(r.code, 0, r.out + r.err);
    fs.writeFileSync(path.join(src, 'default.txt'), 'y');
    await waitForMirror(src, daemon.modules['www']!, 'sync with the default config name', {
      log: () => read(path.join(tmp, 'default.log')).split('\n'),
    });
    await stopByPidFile(path.join(tmp, 'default.pid'));
  });
});

describe('-d: a supervisor that cannot start says why on the terminal', () => {
  it('prints the reason (here: an unwritable state dir) and exits non-zero', (t) => {
    const { tmp, src } = makeTestDir('dfail', { t });
    writeConfig(tmp, { watch: src, remotes: [{ module: 'www' }], port: 1, passwordFile: undefined }, 'c.xml');
    // A state dir that is group/world-writable is refused by the journal (exit 78 in the worker).
    const state = path.join(tmp, 'state');
    fs.mkdirSync(state, { mode: 0o777 });
    fs.chmodSync(state, 0o777);
    const r = cli(['-d', '-o', 'c.xml', '--pid-file=p.pid', '--log-file=l.log', '--state-dir=state'], { cwd: tmp });
    assert.equal(r.code, 78, r.out + r.err);
    assert.match(r.err, /the daemon failed to start \(exit 78\)/);
    assert.match(r.err, /writable by group or others/);
  });
});

describe('-d -m NAME: a plugin alone, supervised', () => {
  it('returns within seconds, writes the PID file, refuses a second one, stops on TERM', async (t) => {
    const dir = makeTestDir('dm', { src: 'plugsrc', t });
    const { tmp, src } = dir;
    const { pidFile, logFile } = daemonFiles(dir, 'm');
    const conf = writeConfig(tmp, await socketOnlySpec(src, await freePort()), 'c.xml');
    const r = cli(['-d', '-m', 'socket', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`]);
    assert.equal(r.code, 0, r.out + r.err + read(logFile));
    assert.match(r.out, /running in the background \(pid \d+\)/);
    const pid = Number(read(pidFile));
    assert.ok(alive(pid), 'the supervisor in the PID file runs');
    // The worker logs its ready line, then says ready; the file transport writes it a moment
    // later, so -d can return first (CI once read the log in between).
    await waitFor(() => /ready in -m socket mode/.test(read(logFile)), { what: 'the ready line in the log' });
    const again = cli(['-d', '-m', 'socket', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already running \(pid \d+/);
    process.kill(pid, 'SIGHUP'); // reopens the log; must not kill the worker
    await waitFor(() => /SIGHUP: log file reopened/.test(read(logFile)), { what: 'HUP handled in -m mode' });
    await stopByPidFile(pidFile);
    assert.equal(fs.existsSync(pidFile), false);
    assert.doesNotMatch(read(logFile), /died/);
  });
});

describe('-d: a worker crash leaves its stack in the log', () => {
  it('logs the uncaught exception and restarts the worker', async (t) => {
    const site = await startSite('dcrash', { t });
    const { tmp } = site;
    const { pidFile, logFile } = daemonFiles(site, 'c');
    const conf = writeConfig(tmp, site.spec, 'c.xml');
    const r = cli(['-d', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`], {
      env: { SERSYNC_TEST_CRASH_AFTER_MS: '500' },
      script: SEAMED_CLI,
    });
    assert.equal(r.code, 0, r.out + r.err);
    await waitFor(() => /died \(exit 1\); restarting it/.test(read(logFile)), { timeoutMs: 30_000, what: 'the crash' });
    const log = read(logFile);
    assert.match(log, /\[worker \d+\] .*Error: SERSYNC_TEST_CRASH_AFTER_MS: deliberate crash for a test/);
    assert.match(log, /\[worker \d+\] .*at .*seamed-main\.js/);
  });
});

describe('$STATE_DIRECTORY (systemd StateDirectory=)', () => {
  it('is the default state dir: the journal is written there', async (t) => {
    const site = await startSite('sdstate', { t });
    const { tmp } = site;
    const state = path.join(tmp, 'lib-sersync-ts');
    fs.mkdirSync(state, { mode: 0o700 });
    const a = runAgentOn(site, {}, [], { file: 'c.xml', env: { STATE_DIRECTORY: state } });
    await a.waitForLine(/ready in \d+ ms/);
    assert.equal(await a.stop(), 0);
    assert.match(read(path.join(state, 'pending.journal')), /clean/);
    assert.equal(fs.existsSync(`${path.join(tmp, 'rsync_fail_log.sh')}.state`), false, 'not the fail-log fallback');
  });
});

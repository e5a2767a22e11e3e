import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { freePort, startRsyncDaemon } from '../../helpers/rsyncd.js';
import { CLI, configXml } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';
import { fakeRsync } from '../../helpers/fake-rsync.js';

/** The CLI, asynchronously (two at once), optionally through `sh -c 'umask ...; exec ...'`. */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; umask?: string; cwd?: string } = {}): Promise<{ code: number | null; out: string; err: string }> {
  const argv = opts.umask ? ['sh', ['-c', `umask ${opts.umask}; exec "$0" "$@"`, process.execPath, CLI, ...args]] : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    const c = spawn(argv[0] as string, argv[1] as string[], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
const workerPids = (log: string): number[] => [...log.matchAll(/worker started \(pid (\d+)\)/g)].map((m) => Number(m[1]));

async function stopByPidFile(pidFile: string): Promise<void> {
  const pid = Number(read(pidFile));
  if (!(pid > 0) || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !alive(pid), { timeoutMs: 60_000, what: `pid ${pid} exits after SIGTERM` });
}

describe('-d: starting', () => {
  it('two simultaneous starts on one PID file: exactly one wins', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-d2-'));
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const pidFile = path.join(tmp, 'x.pid');
    try {
      const src = path.join(tmp, 'src');
      fs.mkdirSync(src);
      const conf = path.join(tmp, 'c.xml');
      fs.writeFileSync(conf, configXml({ watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile }));
      const args = (n: number): string[] => ['-d', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${path.join(tmp, `l${n}.log`)}`, `--state-dir=${path.join(tmp, `state${n}`)}`];
      const rs = await Promise.all([cli(args(1)), cli(args(2))]);
      const codes = rs.map((r) => r.code).sort();
      assert.deepEqual(codes, [0, 1], rs.map((r) => r.out + r.err).join('\n---\n'));
      const loser = rs.find((r) => r.code === 1)!;
      assert.match(loser.err, /already running \(pid \d+/);
      const pid = Number(read(pidFile));
      assert.ok(alive(pid), 'the winner is in the PID file');
      assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('x.pid')), ['x.pid'], 'no temp or stale files next to the PID file');
    } finally {
      await stopByPidFile(pidFile).catch(() => undefined);
      await daemon.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the worker runs with umask 022 in / (whatever the caller had)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-dumask-'));
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const pidFile = path.join(tmp, 'u.pid');
    const logFile = path.join(tmp, 'u.log');
    try {
      const src = path.join(tmp, 'src');
      fs.mkdirSync(src);
      fs.writeFileSync(path.join(tmp, 'c.xml'), configXml({ watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile }));
      const r = await cli(['-d', '-o', 'c.xml', '--pid-file=u.pid', '--log-file=u.log'], { umask: '077', cwd: tmp });
      assert.equal(r.code, 0, r.out + r.err);
      const [worker] = workerPids(read(logFile));
      assert.ok(worker && alive(worker), `worker pid ${worker}`);
      for (const pid of [worker!, Number(read(pidFile))]) {
        assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Umask:\s+0022$/m, `umask of ${pid}`);
        assert.equal(fs.readlinkSync(`/proc/${pid}/cwd`), '/', `cwd of ${pid}`);
      }
    } finally {
      await stopByPidFile(pidFile).catch(() => undefined);
      await daemon.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a worker SIGSTOPped while starting slowly is restarted (startup heartbeats, not a 5 min wait)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-dslow-'));
    const fake = fakeRsync(tmp, { probe: 'hang' });
    const pidFile = path.join(tmp, 's.pid');
    const logFile = path.join(tmp, 's.log');
    try {
      const src = path.join(tmp, 'src');
      fs.mkdirSync(src);
      const conf = path.join(tmp, 'c.xml');
      fs.writeFileSync(conf, configXml({ watch: src, remotes: [{ module: 'www' }], port: await freePort() }));
      // The launcher waits for "ready": it returns once the probe is released below.
      const launched = cli(['-d', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`], { env: { SERSYNC_RSYNC: fake.bin } });
      await waitFor(() => workerPids(read(logFile)).length === 1 && /starting with/.test(read(logFile)), { what: 'first worker starting' });
      const [first] = workerPids(read(logFile));
      process.kill(first!, 'SIGSTOP');
      await waitFor(() => /sent no heartbeat for \d+ s \(hung or stopped while starting\); killing it/.test(read(logFile)) && workerPids(read(logFile)).length === 2, {
        timeoutMs: 45_000,
        what: 'the stopped starting worker killed and restarted',
      }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- log:\n${read(logFile)}`);
      });
      fake.release();
      const r = await launched;
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /running in the background/);
      await waitFor(() => /ready in \d+ ms/.test(read(logFile)), { what: 'second worker ready' });
    } finally {
      fake.release();
      await stopByPidFile(pidFile).catch(() => undefined);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { abs, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { parseFailLog } from '../../../src/faillog/record.js';

const hostileNames = (marker: string): string[] =>
  [
    `space name`,
    `q'uote`,
    `d"q`,
    `b\`touch ${marker}\`t`,
    `s$(touch ${marker})x`,
    `semi;touch ${marker}`,
    'new\nline',
    '-dash',
    '中文',
    '😀',
  ].map((n) => Buffer.from(n).toString('latin1'));

const converge = (src: string, dst: string, agent: AgentProcess, what: string, timeoutMs = 60_000): Promise<void> =>
  waitForMirror(src, dst, what, { timeoutMs, log: () => agent.lines });

describe('remote outage: fail log, then replay the moment the remote is back', () => {
  let site: Site, tmp: string, src: string, dst: string, failLog: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    site = await startSite('outage');
    ({ tmp, src, dst, daemon } = site);
    failLog = path.join(tmp, 'rsync_fail_log.sh');
    // timeToExecute = 60 min: convergence must not wait for the periodic replay.
    agent = await startAgentOn(site, { failLog, timeToExecute: 60 });
  });
  after(() => site.close());

  it('200 changes while the daemon is down reach the fail log, then the remote converges without waiting for timeToExecute', async (t) => {
    fs.writeFileSync(path.join(src, 'before.txt'), 'before');
    fs.writeFileSync(path.join(src, 'to-delete.txt'), 'x');
    await converge(src, dst, agent, 'before the outage');
    await daemon.stop();
    const wentDown = Date.now();
    fs.unlinkSync(path.join(src, 'to-delete.txt'));
    for (let i = 0; i < 180; i++) {
      const d = path.join(src, `d${i % 10}`);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `f${i}`), `change ${i}`);
    }
    for (const n of hostileNames('PWNED')) fs.writeFileSync(abs(src, n), 'hostile');
    // A deadline, not a timing assertion: what matters is that the entry comes without waiting
    // for timeToExecute (60 min); how soon it comes by design (well within 30 s) is the lane
    // health policy's, unit-tested on a fake clock (test/unit/lane/lane-health.test.ts).
    await waitFor(() => fs.existsSync(failLog) && parseFailLog(fs.readFileSync(failLog)).records.length > 0, {
      timeoutMs: 60_000,
      what: 'a fail log entry',
    });
    const firstEntryAfter = Date.now() - wentDown;
    await waitFor(() => parseFailLog(fs.readFileSync(failLog)).records[0]!.paths.length >= 21, {
      timeoutMs: 60_000,
      what: 'every change recorded',
    });
    const st = fs.statSync(failLog);
    assert.equal(st.mode & 0o777, 0o600, 'fail log is mode 0600');
    execFileSync('sh', ['-n', failLog]); // a valid /bin/sh script
    const parsed = parseFailLog(fs.readFileSync(failLog));
    assert.equal(parsed.corrupt.length, 0);
    assert.equal(parsed.records.length, 1, 'one record per (root, remote), merged by path');
    assert.equal(parsed.records[0]!.root, src);
    assert.equal(parsed.records[0]!.remote, '127.0.0.1::www');
    const paths = new Set(parsed.records[0]!.paths);
    for (const n of [...hostileNames('PWNED'), 'to-delete.txt'])
      assert.ok(paths.has(n) || [...paths].some((p) => n.startsWith(`${p}/`)), `fail log holds ${JSON.stringify(n)}`);
    await daemon.start();
    const back = Date.now();
    await converge(src, dst, agent, 'after the daemon is back');
    t.diagnostic(
      `first fail-log entry ${firstEntryAfter} ms after the outage began; remote converged ${Date.now() - back} ms after the daemon came back`,
    );
    await waitFor(() => parseFailLog(fs.readFileSync(failLog)).records.length === 0, {
      what: 'fail log entries removed after delivery',
    });
    assert.equal(fs.existsSync(path.join(dst, 'to-delete.txt')), false, 'the delete made during the outage arrived');
    for (const dir of [src, dst, tmp, process.cwd()]) assert.equal(fs.existsSync(path.join(dir, 'PWNED')), false);
  });
});

describe('the remote is still down when the fail log is replayed', () => {
  let site: Site, src: string, dst: string, failLog: string, daemon: RsyncDaemon;
  // Replay every 3 s (0.05 min).
  const spec = (): { failLog: string; timeToExecute: number } => ({ failLog, timeToExecute: 0.05 });
  const stillDown =
    /fail-log replay \(every 0\.05 min\): .* -> 127\.0\.0\.1::www still down, 1 entry \(1 path\(s\)\) kept/;
  /** Waits for `n` periodic replay ticks, logged after line `from`, that found the lane down. */
  const replayTicks = (agent: AgentProcess, from: number, n: number): Promise<void> =>
    waitFor(() => agent.lines.slice(from).filter((l) => stillDown.test(l)).length >= n, {
      timeoutMs: 30_000,
      what: `${n} periodic replays of a down lane`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- agent log tail:\n${agent.lines.slice(-15).join('\n')}`);
    });
  const entries = (): { paths: readonly string[] }[] => parseFailLog(fs.readFileSync(failLog)).records;
  before(async () => {
    site = await startSite('stilldown');
    ({ src, dst, daemon } = site);
    failLog = path.join(site.tmp, 'rsync_fail_log.sh');
  });
  after(() => site.close());

  it('entries stay in the fail log across periodic replays, then replay once the remote is back', async () => {
    const agent = await startAgentOn(site, spec());
    await daemon.stop();
    fs.writeFileSync(path.join(src, 'waiting.txt'), 'w');
    await waitFor(() => fs.existsSync(failLog) && entries().length === 1, {
      timeoutMs: 40_000,
      what: 'fail log entry',
    });
    await replayTicks(agent, agent.lines.length, 2);
    const rec = entries();
    assert.equal(rec.length, 1, 'the entry survived the replay periods');
    assert.deepEqual(rec[0]!.paths, ['waiting.txt']);
    await daemon.start();
    await converge(src, dst, agent, 'after the daemon is back');
    await waitFor(() => entries().length === 0, { what: 'fail log entry removed after delivery' });
    assert.equal(await agent.stop(), 0);
  });

  it('an agent restarted while the remote is still down keeps the entries through its startup replay', async () => {
    const first = await startAgentOn(site, spec());
    await daemon.stop();
    fs.writeFileSync(path.join(src, 'across-restart.txt'), 'r');
    await waitFor(() => fs.existsSync(failLog) && entries().length === 1, {
      timeoutMs: 40_000,
      what: 'fail log entry',
    });
    assert.equal(await first.stop(), 0);
    const second = await startAgentOn(site, spec()); // the remote is still down
    assert.ok(
      second.lines.some((l) => /replaying 1 path\(s\) for .* -> 127\.0\.0\.1::www \(startup\)/.test(l)),
      second.lines.join('\n'),
    );
    // The replayed batch fails until the lane is down again; periodic replays then keep the entry.
    await replayTicks(second, 0, 2);
    const rec = entries();
    assert.equal(rec.length, 1, 'the entry survived the startup replay');
    assert.deepEqual(rec[0]!.paths, ['across-restart.txt']);
    await daemon.start();
    await converge(src, dst, second, 'after the daemon is back');
    await waitFor(() => entries().length === 0, { what: 'fail log entry removed after delivery' });
    assert.equal(await second.stop(), 0);
  });
});

describe('two remotes, one down', () => {
  let site: Site, src: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    site = await startSite('onedown');
    ({ src, daemon } = site);
    // The second remote is 127.0.0.2 on the same port: the daemon listens on 127.0.0.1 only, so
    // that remote refuses every connection (down), on a loopback address.
    agent = await startAgentOn(site, { remotes: [{ module: 'www' }, { module: 'www', ip: '127.0.0.2' }] });
  });
  after(() => site.close());
  it('the healthy remote keeps converging while the other is down', async () => {
    for (let i = 0; i < 8; i++) {
      fs.writeFileSync(path.join(src, `f${i}`), `v${i}`);
      await converge(src, daemon.modules['www']!, agent, `healthy remote, change ${i}`);
    }
    await agent.waitForLine(/127\.0\.0\.2::www.*remote is down after 5 attempts/, 40_000);
    fs.writeFileSync(path.join(src, 'after-down.txt'), 'x');
    await converge(src, daemon.modules['www']!, agent, 'healthy remote after the other went down');
  });
});

describe('two remotes, one hanging', () => {
  it('-n 1: the healthy remote converges change after change while the other remote holds an rsync run', async (t) => {
    const site = await startSite('onehung', { t });
    const { src, dst, daemon } = site;
    // 127.0.0.2 refuses at the start (nothing listens there yet), then takes connections and never
    // answers: the second lane's next run connects and hangs there, as on a wedged host. -n 1:
    // the one slot -n allows must not be the hanging host's to hold (lane/slots.ts).
    const agent = await startAgentOn(site, { remotes: [{ module: 'www' }, { module: 'www', ip: '127.0.0.2' }] }, [
      '-n',
      '1',
    ]);
    await agent.waitForLine(/at most 2 rsync processes at once \(-n 1: 1 for each of 2 remote hosts\)/);
    const held = new Set<net.Socket>();
    const hole = net.createServer((sock) => {
      held.add(sock);
      sock.on('close', () => held.delete(sock));
      sock.on('error', () => held.delete(sock));
    });
    await new Promise<void>((resolve) => hole.listen(daemon.port, '127.0.0.2', resolve));
    // Before the site closes: the agent's stop would wait for the hanging run.
    const release = async (): Promise<void> => {
      for (const sock of held) sock.destroy();
      await new Promise((r) => hole.close(r));
    };
    try {
      fs.writeFileSync(path.join(src, 'first'), 'x');
      await converge(src, dst, agent, 'the healthy remote, first change');
      await waitFor(() => held.size > 0, {
        timeoutMs: 30_000,
        what: "the other lane's rsync connected to the hanging host",
      });
      const hung = [...held][0]!;
      for (let i = 0; i < 8; i++) {
        fs.writeFileSync(path.join(src, `f${i}`), `v${i}`);
        await converge(src, dst, agent, `healthy remote, change ${i}, the other lane's rsync still hanging`);
      }
      // The same connection is still open: every change above arrived while that run hung.
      assert.ok(held.has(hung), 'the hanging run was still in flight');
      assert.equal(
        agent.lines.some((l) => /127\.0\.0\.2::www.*exit/.test(l)),
        false,
        agent.lines.join('\n'),
      );
    } finally {
      await release();
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSshd, type Sshd, sshSpec } from '../../helpers/sshd.js';
import { CLI, configXml, runAgent, startAgent, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { parseFailLog } from '../../../src/faillog/record.js';

const MASTER_UP = /ssh master to 127\.0\.0\.1 up(?: again)? \(pid (\d+)\)/;

/** The pids of every "master up" line so far, in order. */
function masterPids(agent: AgentProcess): number[] {
  return agent.lines
    .map((l) => MASTER_UP.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

function isMaster(pid: number): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('-M') && argv.includes('-N');
  } catch {
    return false;
  }
}

describe('over ssh: the remote goes away and comes back; the master is killed', () => {
  let tmp: string, src: string, dst: string, failLog: string, sshd: Sshd, agent: AgentProcess;
  const mirrored = (what: string): Promise<void> =>
    waitForMirror(src, dst, what, { timeoutMs: 90_000, log: () => agent.lines });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-ssh-res-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    failLog = path.join(tmp, 'rsync_fail_log.sh');
    sshd = await startSshd(tmp);
    dst = sshd.remoteDir('dst');
    agent = await startAgent(tmp, sshSpec(sshd, src, dst, { failLog, debug: true }), [], { env: sshd.env });
    await agent.waitForLine(MASTER_UP);
  });
  after(async () => {
    const code = await agent?.stop();
    await sshd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(code, 0);
  });

  it('sshd down: the batches fail and reach the fail log; sshd back on the same port: the fail log replays over ssh', async () => {
    fs.writeFileSync(path.join(src, 'before'), 'before\n');
    await mirrored('before the outage');
    await sshd.stop();
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, `during-${i}`), `written while sshd was down ${i}\n`);
    await waitFor(
      () => fs.existsSync(failLog) && (parseFailLog(fs.readFileSync(failLog)).records[0]?.paths.length ?? 0) >= 5,
      { timeoutMs: 60_000, what: 'the fail log holds the 5 files' },
    );
    const rec = parseFailLog(fs.readFileSync(failLog)).records[0]!;
    assert.equal(rec.remote, `127.0.0.1:${dst}`);
    assert.equal(fs.existsSync(path.join(dst, 'during-0')), false, 'nothing arrived while sshd was down');
    await agent.waitForLine(/ssh master to 127\.0\.0\.1 ended/);
    await sshd.start();
    await mirrored('after sshd is back');
    await agent.waitForLine(/delivered; its fail log entries are removed/, 60_000);
    await waitFor(() => parseFailLog(fs.readFileSync(failLog)).records.length === 0, {
      what: 'the fail log is empty again',
    });
    await agent.waitForLine(/ssh master to 127\.0\.0\.1 up again/, 60_000);
  });

  it('the master killed while an rsync runs: noticed, a new master runs, and what is written after arrives', async () => {
    await waitFor(() => masterPids(agent).length > 0 && isMaster(masterPids(agent).at(-1)!), {
      what: 'a running master',
    });
    const old = masterPids(agent).at(-1)!;
    const debugBefore = agent.lines.length;
    fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(64 * 1024 * 1024 - 1, 7));
    // The agent logs each rsync command (debug) right before it starts it.
    await waitFor(
      () => agent.lines.slice(debugBefore).some((l) => l.includes("'big.bin'") && l.includes("| 'rsync'")),
      { what: 'the big file’s rsync starting' },
    );
    process.kill(old, 'SIGKILL');
    await agent.waitForLine(new RegExp(`ssh master to 127\\.0\\.0\\.1 ended`));
    await waitFor(() => masterPids(agent).some((p) => p !== old && isMaster(p)), {
      timeoutMs: 60_000,
      what: 'a new master',
    });
    fs.writeFileSync(path.join(src, 'after-kill'), 'written after the master was killed\n');
    await mirrored('after the master was killed');
    const now = masterPids(agent).at(-1)!;
    assert.notEqual(now, old);
    assert.ok(isMaster(now), `pid ${now} is an ssh master`);
  });
});

describe('over ssh: a key the server refuses, a state directory too long for a socket, --check', () => {
  let tmp: string, src: string, sshd: Sshd, conf: string, env: NodeJS.ProcessEnv;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-ssh-key-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    sshd = await startSshd(tmp);
    conf = path.join(tmp, 'confxml.xml');
    fs.writeFileSync(
      conf,
      configXml({
        watch: src,
        remotes: [{ module: sshd.remoteDir('dst') }],
        port: sshd.port,
        ssh: true,
        commonParams: '-a',
        timeoutSec: null,
      }),
    );
    env = { PATH: `${sshd.wrongKeyPath()}:${process.env['PATH'] ?? ''}` };
  });
  after(async () => {
    await sshd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const refused =
    /remote 127\.0\.0\.1:.*: ssh to \S+@127\.0\.0\.1 port \d+: Permission denied \(publickey\): check the key/;

  it('the agent refuses to start: exit 78, one clear line naming the host', async () => {
    const agent = runAgent(['-o', conf], env);
    const code = await agent.exited;
    assert.equal(code, 78, agent.lines.join('\n'));
    const line = agent.lines.find((l) => refused.test(l));
    assert.ok(line, `a clear line:\n${agent.lines.join('\n')}`);
    assert.ok(line.includes(`port ${sshd.port}`));
  });

  it('a state directory too long for a socket path: the sockets go to a short directory, said once, and the master works', async () => {
    const stateDir = path.join(tmp, 'a-state-directory-whose-path-is-far-too-long-for-a-unix-socket-name');
    const dst = sshd.remoteDir('dst-long');
    const longConf = path.join(tmp, 'long.xml');
    fs.writeFileSync(longConf, configXml(sshSpec(sshd, src, dst)));
    const agent = runAgent(['-o', longConf, '--state-dir', stateDir], sshd.env);
    let shortDir = '';
    try {
      const note = await agent.waitForLine(
        /ssh master sockets go to \/tmp\/sersync-ts-ssh-\S+: .* is too long for a unix socket path/,
      );
      shortDir = /go to (\S+):/.exec(note)![1]!;
      await agent.waitForLine(/ssh master to 127\.0\.0\.1 up/);
      assert.equal(fs.statSync(shortDir).mode & 0o777, 0o700);
      fs.writeFileSync(path.join(src, 'via-short-dir'), 'x\n');
      await waitFor(() => fs.existsSync(path.join(dst, 'via-short-dir')), { what: 'the file over the master' });
    } finally {
      assert.equal(await agent.stop(), 0);
      if (shortDir.startsWith('/tmp/sersync-ts-ssh-')) fs.rmSync(shortDir, { recursive: true, force: true });
    }
  });

  it('--check prints the ssh command and the same line, exit 78; with the right key the login passes', () => {
    const bad = spawnSync(process.execPath, [CLI, '--check', '-o', conf], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    assert.equal(bad.status, 78, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /master: {4}'ssh' '-M' '-N' '-o' 'ControlPersist=no'/);
    assert.match(
      bad.stdout,
      /rsync -e: {2}'ssh -o ConnectTimeout=10 -p \d+ -o BatchMode=yes -o ControlMaster=no -o ControlPath=/,
    );
    assert.ok(
      bad.stdout.split('\n').some((l) => l.startsWith('FAIL') && refused.test(l)),
      bad.stdout,
    );
    const good = spawnSync(process.execPath, [CLI, '--check', '-o', conf], {
      encoding: 'utf8',
      env: { ...process.env, ...sshd.env },
      timeout: 60_000,
    });
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(
      good.stdout,
      new RegExp(`ok {3}ssh to 127\\.0\\.0\\.1 port ${sshd.port}: login works without a prompt`),
    );
    assert.match(good.stdout, /ok {3}remote 127\.0\.0\.1:.*: remote directory answers/);
  });
});

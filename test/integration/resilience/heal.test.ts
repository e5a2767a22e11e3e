import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { startSite } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { machineMonotonicMs } from '../../../src/shared/clock.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';

const converge = (src: string, dst: string, agent: AgentProcess, what: string, timeoutMs = 90_000): Promise<void> =>
  waitForMirror(src, dst, what, { timeoutMs, log: () => agent.lines });

describe('lost events heal', () => {
  it('SIGSTOP of the agent during a burst of twice the kernel queue in files overflows it; the canary notices and the remote converges', async (t) => {
    const site = await startSite('overflow', { t });
    const { src, dst } = site;
    // Each file is at least two events (create, close): six times the queue (16,384 by default:
    // 32,768 files) at least. A fixed 100,000 cost this test 160 s of a loaded CI machine.
    const queue = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    const files = Math.max(10_000, 2 * queue);
    // Files grouped by directory (like an upload), so no later event would rescan them by chance.
    for (let d = 0; d * 1000 < files; d++) fs.mkdirSync(path.join(src, `up${d}`));
    const agent = await startAgentOn(site);
    agent.child.kill('SIGSTOP');
    const script = `const fs=require('fs');for(let i=0;i<${files};i++){fs.writeFileSync(${JSON.stringify(src)}+'/up'+Math.floor(i/1000)+'/f'+i,'x')}`;
    await new Promise<void>((resolve, reject) =>
      spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', (c) =>
        c === 0 ? resolve() : reject(new Error(`writer ${c}`)),
      ),
    );
    await new Promise((r) => setTimeout(r, 500)); // let the canary writer (not stopped) add a few
    agent.child.kill('SIGCONT');
    // The canary names the loss either way: an overflow once the agent thaws, or (when writing the
    // files took longer than the canary's patience, as on a loaded machine) its silence.
    const noticed = /inotify queue overflowed|no canary event reported for/;
    await agent.waitForLine(noticed, 60_000);
    await converge(src, dst, agent, 'after the overflow');
    t.diagnostic(agent.lines.find((l) => noticed.test(l)) ?? '');
    assert.equal(await agent.stop(), 0);
  });

  /**
   * Freezes the agent's canary writer (SIGSTOP) until it has missed 20 slots of its 100 ms clock
   * (counted on the writer's own clock: /proc/uptime for the bash writer, the monotonic clock for
   * the node one), writes `name` into the tree meanwhile, thaws it; resolves to the newest slot
   * the writer had written before.
   */
  async function freezeCanary(tmp: string, src: string, agent: AgentProcess, name: string): Promise<number> {
    const writer = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(agent.child.pid)], { encoding: 'utf8' })
      .split('\n')
      // The bash writer's script begins with a comment naming it: near the start of its line.
      .find((l) => /sersync-ts canary writer|canary-writer\.js/.test(l));
    assert.ok(writer, 'the agent runs a canary writer');
    const pid = Number(writer.trim().split(/\s+/)[0]);
    const writerNowMs = /sersync-ts canary writer/.test(writer)
      ? (): number => Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000
      : machineMonotonicMs;
    const canaryDir = path.join(tmp, 'rsync_fail_log.sh.state', `canary-${agent.child.pid}-1`);
    const newestSlot = (): number =>
      Math.max(...fs.readdirSync(canaryDir).map((n) => Number(/^c(\d+)\./.exec(n)?.[1] ?? 0)));
    await waitFor(() => Number.isFinite(newestSlot()), { what: 'a first canary file' });
    process.kill(pid, 'SIGSTOP');
    const frozenAt = newestSlot();
    await waitFor(() => Math.floor(writerNowMs() / 100) - newestSlot() > 20, {
      what: 'the frozen writer missing 20 slots',
    });
    fs.writeFileSync(path.join(src, name), 'x');
    process.kill(pid, 'SIGCONT');
    // The writer's first file after the thaw: the agent sees it (and judges the gap) before any
    // later event of the tree (one inotify queue, in order).
    await waitFor(() => newestSlot() > frozenAt + 20, { what: 'a canary file after the thaw' });
    return frozenAt;
  }

  it('a frozen canary writer shows a clock gap after it thaws: a warning and a full sync', async (t) => {
    const site = await startSite('frozen', { t });
    const { tmp, src, dst } = site;
    const agent = await startAgentOn(site);
    await freezeCanary(tmp, src, agent, 'while-frozen.txt'); // 20 slots, against a tolerance of 5
    await agent.waitForLine(/canary writer was frozen for \d+ interval\(s\).*full sync of every root/, 30_000);
    await agent.waitForLine(/full sync, exit 0/, 30_000);
    await converge(src, dst, agent, 'after the thaw');
    assert.equal(await agent.stop(), 0);
  });

  it('the seam tests use (SERSYNC_TEST_CANARY_STALL_SLOTS) raises the tolerance: the same freeze asks for nothing', async (t) => {
    const site = await startSite('frozenok', { t });
    const { tmp, src, dst } = site;
    const agent = await startAgentOn(site, {}, [], {
      command: [process.execPath, SEAMED_CLI],
      env: { SERSYNC_TEST_CANARY_STALL_SLOTS: '600' },
    });
    await freezeCanary(tmp, src, agent, 'while-frozen.txt');
    fs.writeFileSync(path.join(src, 'after-thaw.txt'), 'y');
    await converge(src, dst, agent, 'after the thaw');
    assert.deepEqual(
      agent.lines.filter((l) => /canary writer was frozen|full sync/.test(l)),
      [],
      'no stall reported, no full sync',
    );
    assert.equal(await agent.stop(), 0);
  });

  it('the watched root replaced by a new directory (mv www www.old; mkdir www): re-armed, converges', async (t) => {
    const site = await startSite('rootswap', { t });
    const { src, dst } = site;
    fs.writeFileSync(path.join(src, 'old.txt'), 'old');
    const agent = await startAgentOn(site, {}, ['-r']);
    await converge(src, dst, agent, 'initial');
    fs.renameSync(src, `${src}.old`);
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'new.txt'), 'new');
    fs.mkdirSync(path.join(src, 'sub'));
    fs.writeFileSync(path.join(src, 'sub/deep.txt'), 'deep');
    await agent.waitForLine(/is back \(a new directory\)/);
    await converge(src, dst, agent, 'after the swap');
    assert.equal(fs.existsSync(path.join(dst, 'old.txt')), false, 'the old tree is gone remotely');
    fs.writeFileSync(path.join(src, 'sub/later.txt'), 'later');
    await converge(src, dst, agent, 'a later write in the new root');
    assert.equal(await agent.stop(), 0);
  });

  it('a root that is a symlink swapped to another release (ln -sfn release2 current): re-armed, converges', async (t) => {
    const site = await startSite('symswap', { t });
    const { tmp, dst } = site;
    const current = path.join(tmp, 'current');
    for (const rel of ['release1', 'release2']) fs.mkdirSync(path.join(tmp, rel, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'release1/old.txt'), 'old');
    fs.writeFileSync(path.join(tmp, 'release1/sub/shared.txt'), 'v1');
    fs.writeFileSync(path.join(tmp, 'release2/new.txt'), 'new');
    fs.writeFileSync(path.join(tmp, 'release2/sub/shared.txt'), 'v2, longer');
    fs.symlinkSync('release1', current);
    const agent = await startAgentOn(site, { watch: current }, ['-r']);
    await converge(current, dst, agent, 'release1');
    execFileSync('ln', ['-sfn', 'release2', 'current'], { cwd: tmp });
    await agent.waitForLine(/is back \(a new directory\)/);
    await converge(current, dst, agent, 'after the symlink swap');
    assert.equal(fs.existsSync(path.join(dst, 'old.txt')), false, 'release1 is gone remotely');
    fs.writeFileSync(path.join(current, 'sub/later.txt'), 'later');
    await converge(current, dst, agent, 'a later write in release2');
    assert.equal(await agent.stop(), 0);
  });

  it('<crontab> heals a change made while the agent was stopped', async (t) => {
    const site = await startSite('crontab', { t });
    const { src, dst } = site;
    fs.writeFileSync(path.join(src, 'a.txt'), 'a');
    const first = await startAgentOn(site, {}, ['-r']);
    await converge(src, dst, first, 'initial');
    assert.equal(await first.stop(), 0);
    fs.writeFileSync(path.join(src, 'while-stopped.txt'), 'made while no agent ran');
    fs.rmSync(path.join(src, 'a.txt'));
    const second = await startAgentOn(site, { crontabMin: 0.05 }); // every 3 s, no -r
    await converge(src, dst, second, 'crontab full sync');
    assert.ok(second.lines.some((l) => /requested \(<crontab>\)/.test(l)));
    assert.equal(await second.stop(), 0);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSshd, type Sshd, sshSpec } from '../../helpers/sshd.js';
import { batchesQuiet, startAgent, type AgentProcess } from '../../helpers/agent.js';
import { abs, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const masterPids = (agent: AgentProcess): number[] =>
  agent.lines
    .map((l) => /ssh master to 127\.0\.0\.1 up(?: again)? \(pid (\d+)\)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
const alive = (pid: number): boolean =>
  fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/**
 * `<ssh start="true">` against a real sshd on 127.0.0.1 (key login, known_hosts checked), with
 * the remote directory and the agent's state directory both holding a space (rsync's -e
 * parsing and ssh's ControlPath parsing, remote-side argument quoting).
 */
describe('over ssh, through one master connection', () => {
  let tmp: string, src: string, dst: string, stateDir: string, sshd: Sshd, agent: AgentProcess;
  const mirrored = (what: string): Promise<void> => waitForMirror(src, dst, what, { log: () => agent.lines });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-ssh-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'pre'), 'there before the start\n');
    sshd = await startSshd(tmp);
    dst = sshd.remoteDir('remote dir');
    stateDir = path.join(tmp, 'state dir');
    agent = await startAgent(tmp, sshSpec(sshd, src, dst), ['-r', '--state-dir', stateDir], { env: sshd.env });
    await agent.waitForLine(/ssh master to 127\.0\.0\.1 up \(pid \d+\)/);
  });
  after(async () => {
    const code = await agent?.stop();
    const leftover = (agent ? masterPids(agent) : []).filter(alive);
    await sshd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(code, 0);
    assert.deepEqual(leftover, [], 'stopping the agent closes its masters');
  });

  it('-r, then create, modify, delete and move arrive with their content', async () => {
    await mirrored('-r over ssh');
    fs.writeFileSync(path.join(src, 'new.txt'), 'new\n');
    fs.mkdirSync(path.join(src, 'dir', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(src, 'dir', 'deeper', 'f'), 'deep\n');
    await mirrored('create');
    fs.appendFileSync(path.join(src, 'new.txt'), 'more\n');
    await mirrored('modify');
    fs.unlinkSync(path.join(src, 'sub', 'pre'));
    await mirrored('delete');
    fs.renameSync(path.join(src, 'dir'), path.join(src, 'dir-moved'));
    fs.renameSync(path.join(src, 'new.txt'), path.join(src, 'sub', 'moved.txt'));
    await mirrored('move');
  });

  it('hostile names arrive as they are, and no shell on either side ever runs one', async () => {
    const names = [
      'with space',
      "quote'single",
      'quote"double',
      '`backtick`',
      '$(touch MARKER)',
      'line\nbreak',
      '-leading-dash',
      '--delete',
      'non-utf8-\xff\xfe',
      '; touch MARKER2 #',
    ];
    for (const n of names) fs.writeFileSync(abs(src, n), `${n}\n`);
    fs.mkdirSync(abs(src, '$(touch MARKER) dir'));
    fs.writeFileSync(abs(src, '$(touch MARKER) dir/`x`'), 'inner\n');
    await mirrored('hostile names');
    for (const n of names.slice(0, 4)) fs.unlinkSync(abs(src, n));
    await mirrored('hostile names deleted');
    for (const where of [src, dst, tmp, path.join(tmp, 'sshd', 'home'), process.cwd()]) {
      for (const m of ['MARKER', 'MARKER2'])
        assert.equal(fs.existsSync(path.join(where, m)), false, `${m} in ${where}`);
    }
  });

  it('N batches, 1 connection: sshd accepts no new login while the master is up', async () => {
    await batchesQuiet(agent);
    const logins = sshd.acceptedLogins();
    const batches = agent.batchLines().length;
    for (let i = 0; i < 5; i++) {
      fs.writeFileSync(path.join(src, `batch${i}`), `batch ${i}\n`);
      await waitFor(() => fs.existsSync(path.join(dst, `batch${i}`)), { what: `batch${i} arrives` });
      await batchesQuiet(agent, 300);
    }
    await mirrored('five batches');
    assert.ok(agent.batchLines().length - batches >= 5, agent.batchLines().slice(batches).join('\n'));
    assert.equal(
      sshd.acceptedLogins(),
      logins,
      `new ssh logins during 5 batches:\n${sshd
        .log()
        .split('\n')
        .filter((l) => /Accepted/.test(l))
        .join('\n')}`,
    );
  });

  it('a config reload (HUP): the new agent gets its own master, the old one is closed, changes keep arriving', async () => {
    const before = masterPids(agent);
    agent.child.kill('SIGHUP');
    await agent.waitForLine(/config reloaded/);
    await waitFor(() => masterPids(agent).length > before.length, { what: 'the new agent’s master' });
    const now = masterPids(agent).at(-1)!;
    await waitFor(() => !before.some(alive), { what: 'the old master to end' });
    assert.ok(alive(now), 'the new master runs');
    fs.writeFileSync(path.join(src, 'after-reload'), 'after the reload\n');
    await mirrored('after the reload');
  });

  it('the master socket is in <state dir>/ssh, mode 0700, owned by the agent', () => {
    const dir = path.join(stateDir, 'ssh');
    const st = fs.statSync(dir);
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(st.uid, process.getuid?.());
    assert.ok(
      fs.readdirSync(dir).some((n) => fs.lstatSync(path.join(dir, n)).isSocket()),
      'a socket',
    );
  });
});

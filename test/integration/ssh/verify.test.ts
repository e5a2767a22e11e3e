import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { startSshd, type Sshd, sshSpec } from '../../helpers/sshd.js';
import { configXml, startAgent, type AgentProcess, type ConfigSpec } from '../../helpers/agent.js';
import { diffTrees, snapshot, waitForMirror } from '../../helpers/tree.js';
import { editRemoteInvisibly, put, verifyCli } from '../../helpers/verify.js';

const same = (src: string, dst: string): string[] => diffTrees(snapshot(src), snapshot(dst));

/** Drift made on the remote behind the agent's back (the edit keeps size and mtime). */
function drift(dst: string): void {
  editRemoteInvisibly(path.join(dst, 'a.txt'), 'SOURCE A');
  put(dst, 'extra.txt', 'remote only');
  fs.rmSync(path.join(dst, 'd', 'b.txt'));
}

/** `sersync-ts verify` and the agent's scheduled verify over ssh, against a real sshd on 127.0.0.1. */
describe('verify over ssh', () => {
  let tmp: string, src: string, dst: string, sshd: Sshd, conf: string;
  const spec = (over: Partial<ConfigSpec> = {}): ConfigSpec => sshSpec(sshd, src, dst, { statusPort: 0, ...over });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-ssh-verify-'));
    src = path.join(tmp, 'src');
    put(src, 'a.txt', 'source a');
    put(src, 'd/b.txt', 'source b');
    sshd = await startSshd(tmp);
    dst = sshd.remoteDir('mirror dir');
    conf = path.join(tmp, 'confxml.xml');
    fs.writeFileSync(conf, configXml(spec()));
    // The test's own setup: one plain rsync over the same ssh (not the code under test).
    const r = await execa('rsync', ['-a', '--delete', '-e', `ssh -p ${sshd.port}`, './', `127.0.0.1:${dst}/`], {
      cwd: src,
      env: sshd.env,
      reject: false,
    });
    assert.equal(r.exitCode, 0, String(r.stderr));
  });
  after(async () => {
    await sshd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('identical: exit 0; drift: exit 1 with the paths; --repair: exit 0 and the same bytes', async () => {
    const ok = await verifyCli(conf, [], undefined, sshd.env);
    assert.equal(ok.code, 0, [...ok.out, ...ok.err].join('\n'));
    assert.match(ok.out.join('\n'), /: identical \(/);
    drift(dst);
    const found = await verifyCli(conf, [], undefined, sshd.env);
    assert.equal(found.code, 1, [...found.out, ...found.err].join('\n'));
    const text = found.out.join('\n');
    assert.match(text, /1 differ/);
    assert.match(text, /1 missing/);
    assert.match(text, /1 extra/);
    for (const name of ["'a.txt'", "'d/b.txt'", "'extra.txt'"]) assert.ok(text.includes(name), `${name} in\n${text}`);
    const fixed = await verifyCli(conf, ['--repair'], undefined, sshd.env);
    assert.equal(fixed.code, 0, [...fixed.out, ...fixed.err].join('\n'));
    assert.deepEqual(same(src, dst), []);
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'source a');
  });

  it('the scheduled verify in a running agent goes through its ssh master (no new login) and repairs the drift', async () => {
    let agent: AgentProcess | null = null;
    try {
      agent = await startAgent(
        tmp,
        spec({ extraSersync: '<verify schedule="0.05"/>' }),
        ['--state-dir', path.join(tmp, 'state')],
        { env: sshd.env },
      );
      await agent.waitForLine(/ssh master to 127\.0\.0\.1 up \(pid \d+\)/);
      const logins = sshd.acceptedLogins();
      drift(dst);
      await agent.waitForLine(/3 paths drifted .*; repairing them through the lane/, 30_000);
      await waitForMirror(src, dst, 'the scheduled verify repairs the drift over ssh', { log: () => agent!.lines });
      assert.equal(sshd.acceptedLogins(), logins, 'the comparison and the repair reused the master connection');
      assert.equal(await agent.stop(), 0);
      agent = null;
    } finally {
      await agent?.stop();
    }
  });
});

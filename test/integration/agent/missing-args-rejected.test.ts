/*
 * A receiver whose rsync rejects --delete-missing-args: Debian 12's main-archive rsync (3.2.7-1+deb12u6
 * in 2026) dies on the mode-0 entry of a deleted path listed after an existing one ("invalid file
 * mode 00 ... protocol incompatibility (code 2)", rsync issue #910), files and all. The daemon here
 * is that real rsync, taken out of Debian's package by scripts/ensure-deps.sh --for-tests; the
 * agent sends with the system's rsync. It learns it from its first batch that deletes, says so
 * once, sends that batch again with the deleted paths through their directories
 * (lane/missing-args.ts), and deletes that way from then on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, makeTestDir, startSite, toModule } from '../../helpers/rsyncd.js';
import { startAgent, startAgentOn, writeConfig } from '../../helpers/agent.js';
import { startSshd, sshSpec } from '../../helpers/sshd.js';
import { cli, receiverInit } from '../../helpers/cli.js';
import { abs, waitForMirror } from '../../helpers/tree.js';

const BOOKWORM_RSYNC = path.join(
  process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'),
  'sersync-ts',
  'tools',
  'rsync-bookworm',
  'rsync',
);

const MARKER = 'PWNED';
/** Deleted names that a shell would run, split or glob, and one that is not UTF-8. */
const HOSTILE = [
  `h/$(touch ${MARKER}) x`,
  `h/back\`touch ${MARKER}\`tick`,
  'h/new\nline',
  'h/-leading-dash',
  'h/star*[1]?',
  Buffer.from([0x68, 0x2f, 0x6e, 0xff, 0xfe]).toString('latin1'),
];

function bookwormRsync(): string {
  assert.ok(
    fs.existsSync(BOOKWORM_RSYNC),
    `no Debian bookworm rsync at ${BOOKWORM_RSYNC}: run bash scripts/ensure-deps.sh --for-tests (it needs bookworm in the apt sources)`,
  );
  return BOOKWORM_RSYNC;
}

describe('a receiver whose rsync rejects --delete-missing-args', () => {
  it('is told apart once, and every deletion then goes through its directory: the remote equals the source', async (t) => {
    const site = await startSite('missingargs', { t, daemonRsync: bookwormRsync() });
    const { src, dst, tmp, daemon } = site;

    // What makes this receiver the one the test needs: a plain run that lists an existing file
    // and then a deleted one dies on the deleted one, and sends nothing at all.
    fs.writeFileSync(path.join(src, 'a'), 'a');
    fs.writeFileSync(path.join(dst, 'gone'), 'gone');
    const plain = spawnSync(
      'rsync',
      ['-a', '-R', '--files-from=-', '--from0', '--delete-missing-args', ...toModule(daemon)],
      { cwd: src, input: 'a\0gone\0', encoding: 'utf8' },
    );
    assert.equal(plain.status, 2, plain.stderr);
    assert.match(plain.stderr, /invalid file mode 0+ for gone \[Receiver\]/);
    assert.deepEqual(fs.readdirSync(dst), ['gone'], 'the run sent nothing');
    fs.rmSync(path.join(dst, 'gone'));

    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(src, `k${i}`), `kept ${i}`);
    fs.mkdirSync(path.join(src, 'd1/d2'), { recursive: true });
    fs.mkdirSync(path.join(src, 'gdir/sub'), { recursive: true });
    fs.mkdirSync(path.join(src, 'h'));
    for (const f of ['d1/keep', 'd1/g1', 'd1/d2/g2', 'top', 'gdir/sub/f', ...HOSTILE])
      fs.writeFileSync(abs(src, f), `content of ${f}`);
    const agent = await startAgentOn(site, {}, ['-r']);
    const converged = (what: string): Promise<void> => waitForMirror(src, dst, what, { log: () => agent.lines });
    await converged('the start');

    // One batch: a nested file, a deeper one, a top-level file, a tree, the hostile names, and a new file.
    for (const f of ['d1/g1', 'd1/d2/g2', 'top', ...HOSTILE]) fs.unlinkSync(abs(src, f));
    fs.rmSync(path.join(src, 'gdir'), { recursive: true });
    fs.writeFileSync(path.join(src, 'd1/new'), 'new beside the deletions');
    await converged('the first deletions');
    await agent.waitForLine(
      /rejects --delete-missing-args .*rsync issue #910.*deletes through the deleted paths' directories/,
    );

    // Later deletions go the same way at once, beside what the receiver has and this side never had.
    fs.writeFileSync(path.join(dst, 'k0-remote-only'), 'the receiver keeps what no batch names');
    fs.unlinkSync(path.join(src, 'd1/keep'));
    fs.writeFileSync(path.join(src, 'd1/d2/new2'), 'new');
    await waitForMirror(src, dst, 'the second deletions', {
      log: () => agent.lines,
      exclude: (r) => r === 'k0-remote-only',
    });
    assert.ok(
      fs.existsSync(path.join(dst, 'k0-remote-only')),
      "a deletion through its directory deletes only the batch's names",
    );
    assert.equal(agent.lines.filter((l) => /rejects --delete-missing-args/.test(l)).length, 1, 'said once');
    assert.equal(agent.lines.filter((l) => /invalid file mode/.test(l)).length, 0, 'no batch failed for it');
    for (const dir of [src, dst, tmp, process.cwd(), '/'])
      assert.equal(fs.existsSync(path.join(dir, MARKER)), false, `no name ran as a command (${dir}/${MARKER})`);
    assert.equal(await agent.stop(), 0);
  });

  it("--check says so as a warning and leaves no probe behind; receiver check finds it in the host's own rsync", async (t) => {
    const site = await startSite('missingargs-check', { t, daemonRsync: bookwormRsync() });
    const xml = writeConfig(site.tmp, { ...site.spec, failLog: path.join(site.tmp, 'fail.sh') }, 'check.xml');
    const check = cli(['--check', '-o', xml]);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /^ok {3}remote 127\.0\.0\.1::www: writable \(wrote and removed \S+\)$/m);
    assert.match(check.out, /^WARN remote 127\.0\.0\.1::www rejects --delete-missing-args .*rsync issue #910/m);
    assert.deepEqual(fs.readdirSync(site.dst), [], 'the probe and its directory are gone');

    // On the backup host: receiver check runs the host's rsync against itself.
    const out = path.join(site.tmp, 'etc');
    const init = receiverInit({ module: 'www', path: path.join(site.tmp, 'backup'), port: await freePort(), out });
    assert.equal(init.code, 0, init.err);
    const conf = path.join(out, 'rsyncd.conf');
    const bin = path.join(site.tmp, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(BOOKWORM_RSYNC, path.join(bin, 'rsync'));
    const old = cli(['receiver', 'check', '--config', conf, '--from', '127.0.0.1'], {
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    });
    assert.equal(old.code, 0, old.out);
    assert.match(
      old.out,
      /^WARN {2}\S+rsyncd\.conf: rsync 3\.2\.7 here rejects the deletions sersync-ts sends .*install an rsync with the fix/m,
    );
    const own = cli(['receiver', 'check', '--config', conf, '--from', '127.0.0.1']);
    assert.equal(own.code, 0, own.out);
    assert.doesNotMatch(own.out, /rejects the deletions/, "this machine's own rsync takes them");
  });

  it('over ssh, with that rsync as the remote side (--rsync-path in commonParams): the same', async (t) => {
    // makeTestDir's close stops the agent, then sshd, then removes the directory. Separate t.after
    // hooks run in the order they are added: the directory went first, while the agent ran (its
    // canary writer adding files), failed (ENOTEMPTY), and the agent and sshd were never stopped.
    const dir = makeTestDir('missingargs-ssh', { t });
    const { tmp, src } = dir;
    fs.mkdirSync(path.join(src, 'd1'));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, 'd1', `f${i}`), `file ${i}`);
    const sshd = await startSshd(tmp);
    dir.onClose(() => sshd.stop());
    const dst = sshd.remoteDir();
    const spec = sshSpec(sshd, src, dst, { commonParams: `-a --rsync-path=${bookwormRsync()}` });
    const agent = await startAgent(tmp, spec, ['-r'], { env: sshd.env });
    dir.onClose(() => agent.stop());
    const converged = (what: string): Promise<void> => waitForMirror(src, dst, what, { log: () => agent.lines });
    await converged('the start');
    fs.unlinkSync(path.join(src, 'd1', 'f3'));
    fs.writeFileSync(path.join(src, 'd1', 'new'), 'new');
    await converged('a deletion beside a new file');
    await agent.waitForLine(/rejects --delete-missing-args/);
    fs.unlinkSync(path.join(src, 'd1', 'f4'));
    await converged('the next deletion');
    assert.equal(agent.lines.filter((l) => /rejects --delete-missing-args/.test(l)).length, 1, 'said once');
  });
});

/**
 * `--check`'s write probe over ssh, against a real sshd on 127.0.0.1, into a remote directory
 * whose name a shell would split or run (spaces, quotes, a backtick, `$(...)`): the file is
 * written and removed there, nothing else on the remote changes, nothing runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeConfig } from '../../helpers/agent.js';
import { cli } from '../../helpers/cli.js';
import { makeTestDir, type TestDir } from '../../helpers/rsyncd.js';
import { startSshd, type Sshd, sshSpec } from '../../helpers/sshd.js';

describe('over ssh: --check writes and removes its probe in a hostile-named remote directory', () => {
  let d: TestDir, sshd: Sshd;
  before(async () => {
    d = makeTestDir('ssh-probe');
    sshd = await startSshd(d.tmp);
    d.onClose(() => sshd.stop());
  });
  after(() => d.close());

  it('exit 0, "writable", and the remote directory holds exactly what it held', () => {
    const remote = sshd.remoteDir("dst it's `touch BT` $(touch PWNED) -x");
    fs.writeFileSync(path.join(remote, 'page.html'), 'site\n');
    fs.mkdirSync(path.join(remote, '.sersync-ts-probe'));
    fs.writeFileSync(path.join(remote, '.sersync-ts-probe', 'not-ours'), 'a user file\n');
    const before = fs.readdirSync(remote, { recursive: true }).map(String).sort();
    const conf = writeConfig(d.tmp, sshSpec(sshd, d.src, remote));
    const r = cli(['--check', '-o', conf], { env: sshd.env, cwd: d.tmp });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^ok {3}remote 127\.0\.0\.1:.*: remote directory answers$/m);
    assert.match(
      r.out,
      /^ok {3}remote 127\.0\.0\.1:.*: writable \(wrote and removed \.sersync-ts-probe\/probe-[\w.-]+\)$/m,
    );
    assert.deepEqual(fs.readdirSync(remote, { recursive: true }).map(String).sort(), before);
    assert.equal(fs.readFileSync(path.join(remote, '.sersync-ts-probe', 'not-ours'), 'utf8'), 'a user file\n');
    for (const dir of [d.tmp, d.src, remote, os.homedir(), '/']) {
      assert.ok(
        !fs.existsSync(path.join(dir, 'PWNED')) && !fs.existsSync(path.join(dir, 'BT')),
        `nothing ran in ${dir}`,
      );
    }
  });
});

/**
 * `receiver init` writes a backup host's rsyncd.conf, secrets and client password file; a real
 * `rsync --daemon` started from exactly those files receives what an agent configured with the
 * printed confxml lines sends (bytes compared). `receiver check` passes that config, then names
 * each of the tutorial's mistakes written into it, each of which the daemon really refuses on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runAgent, writeConfig } from '../../helpers/agent.js';
import { cli, receiverInit } from '../../helpers/cli.js';
import { freePort, makeTestDir, startDaemonFromConf, type TestDir } from '../../helpers/rsyncd.js';
import { waitFor } from '../../helpers/wait.js';

describe('receiver init: a daemon from its files receives what the agent sends', () => {
  let d: TestDir, out: string, backup: string, port: number, init: { code: number | null; out: string; err: string };
  before(async () => {
    d = makeTestDir('receiver-init');
    out = path.join(d.tmp, 'etc');
    backup = path.join(d.tmp, 'backup');
    port = await freePort();
    init = receiverInit({ module: 'wwwroot', path: backup, port, out });
  });
  after(() => d.close());

  it('writes the files with their modes and prints the confxml lines', () => {
    assert.equal(init.code, 0, init.out + init.err);
    assert.equal(fs.statSync(path.join(out, 'rsyncd.secrets')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(out, 'client-wwwroot.pas')).mode & 0o777, 0o600);
    const conf = fs.readFileSync(path.join(out, 'rsyncd.conf'), 'utf8');
    for (const opt of [
      'strict modes = yes',
      'socket options = TCP_NODELAY',
      'munge symlinks = no',
      'read only = no',
      'auth users = rsyncuser',
      'hosts allow = 127.0.0.1/32',
      `port = ${port}`,
    ])
      assert.ok(conf.split('\n').includes(opt), opt);
    assert.ok(
      conf.split('\n').every((l) => l.startsWith('#') || !l.includes('#')),
      'no comment after a value',
    );
    const pw = fs.readFileSync(path.join(out, 'client-wwwroot.pas'), 'utf8').trim();
    assert.match(pw, /^[A-Za-z0-9]{24}$/);
    assert.equal(fs.readFileSync(path.join(out, 'rsyncd.secrets'), 'utf8'), `rsyncuser:${pw}\n`);
    assert.match(init.out, /^ {4}<remote ip="[^"]+" name="wwwroot"\/>$/m);
    assert.match(init.out, /^ {4}<auth start="true" users="rsyncuser" passwordfile="\/etc\/rsync\.pas"\/>$/m);
    assert.match(init.out, new RegExp(`^ {4}<userDefinedPort start="true" port="${port}"/>$`, 'm'));
    assert.match(
      fs.readFileSync(path.join(out, 'sersync-receiver-wwwroot.service'), 'utf8'),
      /^ExecStart="\S*rsync" --daemon --no-detach "--config=\S+rsyncd\.conf"$/m,
    );
    const again = receiverInit({ module: 'wwwroot', path: backup, out });
    assert.equal(again.code, 1);
    assert.match(again.err, /already exist\(s\): move them away or pass --force/);
  });

  it("receiver check passes it; the daemon started from it takes --check and the agent's files, byte for byte", async () => {
    const conf = path.join(out, 'rsyncd.conf');
    const lint = cli(['receiver', 'check', '--config', conf, '--from', '127.0.0.1']);
    assert.equal(lint.code, 0, lint.out + lint.err);
    assert.match(lint.out, /: 1 module\(s\) \[wwwroot\]: 0 error\(s\), 0 warning\(s\)$/m);
    const daemon = await startDaemonFromConf(conf, port);
    d.onClose(() => daemon.stop());
    // The printed lines, with this test's address and the client password file where it was written.
    const lines = init.out
      .split('\n')
      .filter((l) => l.startsWith('    <'))
      .map((l) =>
        l
          .trim()
          .replace(/ip="[^"]+"/, 'ip="127.0.0.1"')
          .replace('/etc/rsync.pas', path.join(out, 'client-wwwroot.pas')),
      );
    const xml = writeConfig(
      d.tmp,
      {
        watch: d.src,
        remotes: [{ module: 'wwwroot' }],
        port,
        passwordFile: path.join(out, 'client-wwwroot.pas'),
        failLog: path.join(d.tmp, 'fail.sh'),
      },
      'from-init.xml',
      (x) =>
        x
          .replace(/<remote [^>]*\/>/, lines[0]!)
          .replace(/<auth [^>]*\/>/, lines[1]!)
          .replace(/<userDefinedPort [^>]*\/>/, lines[2]!),
    );
    const check = cli(['--check', '-o', xml]);
    assert.equal(check.code, 0, check.out + check.err);
    assert.match(check.out, /^ok {3}remote 127\.0\.0\.1::wwwroot: writable/m);
    const agent = runAgent(['-o', xml]);
    d.onClose(() => agent.stop());
    await agent.waitForLine(/ready in \d+ ms/);
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    fs.mkdirSync(path.join(d.src, 'site dir'));
    fs.writeFileSync(path.join(d.src, 'site dir', 'index.html'), bytes);
    fs.symlinkSync('site dir/index.html', path.join(d.src, 'home'));
    await waitFor(
      () =>
        fs.existsSync(path.join(backup, 'site dir', 'index.html')) &&
        fs.readFileSync(path.join(backup, 'site dir', 'index.html')).equals(bytes),
      { timeoutMs: 60_000, what: 'the file in the backup' },
    );
    await waitFor(() => fs.existsSync(path.join(backup, 'home')), {
      timeoutMs: 60_000,
      what: 'the symlink in the backup',
    });
    assert.equal(
      fs.readlinkSync(path.join(backup, 'home')),
      'site dir/index.html',
      'the symlink is stored as it is (munge symlinks = no)',
    );
  });
});

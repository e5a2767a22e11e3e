/**
 * Issue 19's table, reproduced: a real `rsync --daemon` on 127.0.0.1 set up with the tutorial's
 * receiver mistakes (a secrets file others can read under strict modes, a `hosts allow` that
 * leaves this host out, a same-line comment in `path` and in `read only`, `read only = yes`), a
 * wrong password and an unknown module. For each, `--check` prints the refusal table's line
 * naming the side that must act, and exits 78; the good module passes the login and the write
 * probe, which leaves the remote as it found it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeConfig } from '../../helpers/agent.js';
import { cli, type CliResult } from '../../helpers/cli.js';
import { freePort, makeTestDir, startDaemonFromConf, type ConfDaemon, type TestDir } from '../../helpers/rsyncd.js';
import { waitFor } from '../../helpers/wait.js';

const ROOT = process.getuid?.() === 0;

/** Every file and directory under `dir`, with its content, sorted: what the remote holds. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(r);
      } else out.push(`${r} ${fs.readFileSync(path.join(dir, r), 'utf8')}`);
    }
  };
  walk('');
  return out.sort();
}

function confText(d: TestDir): string {
  const secrets = path.join(d.tmp, 'rsyncd.secrets');
  const mod = (name: string, body: string, secretsFile = secrets): string =>
    `[${name}]\n${body}\nauth users = rsyncuser\nsecrets file = ${secretsFile}\n`;
  return [
    `uid = ${process.getuid?.() ?? 0}\ngid = ${process.getgid?.() ?? 0}\nuse chroot = no\nstrict modes = yes\nlog file = ${path.join(d.tmp, 'rsyncd.log')}\n`,
    mod('good', `path = ${d.tmp}/good\nread only = no`),
    mod('keep', `path = ${d.tmp}/keep\nread only = no`),
    mod('sec644', `path = ${d.tmp}/good\nread only = no`, path.join(d.tmp, 'secrets644')),
    mod('hosts', `path = ${d.tmp}/good\nread only = no\nhosts allow = 192.168.2.1/24`),
    mod('chroot', `path = ${d.tmp}/web-back/ # 备份目录\nuse chroot = yes\nread only = no`),
    mod('bool', `path = ${d.tmp}/good\nread only = false # 可写`),
    mod('ro', `path = ${d.tmp}/good\nread only = yes`),
    mod('perm', `path = ${d.tmp}/perm\nuid = nobody\ngid = nogroup\nread only = no`),
    mod('full', `path = ${d.tmp}/full\nread only = no`),
  ].join('');
}

describe('the receiver faults of issue 19, each named by --check (exit 78)', () => {
  let d: TestDir, daemon: ConfDaemon, pw: string;
  const check = (module: string, opts: { passwordFile?: string; port?: number } = {}): CliResult => {
    const f = writeConfig(
      d.tmp,
      {
        watch: d.src,
        remotes: [{ module }],
        port: opts.port ?? daemon.port,
        passwordFile: opts.passwordFile ?? pw,
        failLog: path.join(d.tmp, 'fail.sh'),
      },
      `${module}.xml`,
    );
    return cli(['--check', '-o', f]);
  };
  const remoteLines = (r: CliResult): string =>
    r.out
      .split('\n')
      .filter((l) => / remote 127\.0\.0\.1::/.test(l))
      .join('\n');
  const daemonLog = (): string => fs.readFileSync(path.join(d.tmp, 'rsyncd.log'), 'utf8');

  before(async () => {
    d = makeTestDir('receiver-faults');
    for (const dir of ['good', 'keep/.sersync-ts-probe', 'web-back', 'perm', 'full'])
      fs.mkdirSync(path.join(d.tmp, dir), { recursive: true });
    fs.writeFileSync(path.join(d.tmp, 'keep', 'page.html'), 'site\n');
    fs.writeFileSync(path.join(d.tmp, 'keep', '.sersync-ts-probe', 'not-ours'), 'a user file\n');
    fs.writeFileSync(path.join(d.tmp, 'rsyncd.secrets'), 'rsyncuser:right-password\n', { mode: 0o600 });
    fs.writeFileSync(path.join(d.tmp, 'secrets644'), 'rsyncuser:right-password\n');
    fs.chmodSync(path.join(d.tmp, 'secrets644'), 0o644);
    pw = path.join(d.tmp, 'rsync.pas');
    fs.writeFileSync(pw, 'right-password\n', { mode: 0o600 });
    const conf = path.join(d.tmp, 'rsyncd.conf');
    fs.writeFileSync(conf, confText(d));
    daemon = await startDaemonFromConf(conf);
    d.onClose(() => daemon.stop());
  });
  after(() => d.close());

  it('a good module: the login, then a file written and removed; the remote is left as it was', () => {
    const before = tree(path.join(d.tmp, 'keep'));
    for (const m of ['good', 'keep']) {
      const r = check(m);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, new RegExp(`^ok {3}remote 127\\.0\\.0\\.1::${m}: module answers \\(as rsyncuser\\)$`, 'm'));
      assert.match(
        r.out,
        new RegExp(
          `^ok {3}remote 127\\.0\\.0\\.1::${m}: writable \\(wrote and removed \\.sersync-ts-probe/probe-[\\w.-]+\\)$`,
          'm',
        ),
      );
    }
    assert.deepEqual(tree(path.join(d.tmp, 'good')), [], 'the probe directory is gone once empty');
    assert.deepEqual(tree(path.join(d.tmp, 'keep')), before, 'a probe directory holding something else is left alone');
    assert.ok(before.includes('.sersync-ts-probe/not-ours a user file\n'));
  });

  it('secrets file mode 644 under strict modes: auth failed, the password file first, then the secrets file mode', () => {
    const r = check('sec644');
    assert.equal(r.code, 78, r.out);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::sec644: @ERROR: auth failed on module sec644: this host or the receiving server must act; check, most likely first: \(1\) this host: the password file \S+rsync\.pas must hold exactly the password of "rsyncuser".*; \(2\) the receiving server: the secrets file must be mode 600 and owned by root \(with "strict modes = yes".*\); \(3\) the receiving server: the module's "auth users" must list "rsyncuser"/m,
    );
    assert.match(daemonLog(), /secrets file must not be other-accessible/);
  });

  it("hosts allow = 192.168.2.1/24: access denied, the server's hosts allow, naming this host's address", () => {
    const r = check('hosts');
    assert.equal(r.code, 78, r.out);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::hosts: @ERROR: access denied to hosts from \S+ \(127\.0\.0\.1\): the receiving server must act: the module's \(or the global\) "hosts allow" must include this host as the server sees it, \S+ \(127\.0\.0\.1\), and "hosts deny" must not match it$/m,
    );
  });

  it('path = DIR # 备份目录: chroot failed, the comment on the path line', () => {
    const r = check('chroot');
    assert.equal(r.code, 78, r.out);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::chroot: @ERROR: chroot failed: the receiving server must act: the module's "path" must be an existing directory; a "#" comment on the path's line becomes part of the path/m,
    );
  });

  it('read only = false # 可写: the login passes, the write probe fails, naming the Badly formed boolean', () => {
    const r = check('bool');
    assert.equal(r.code, 78, r.out);
    assert.match(remoteLines(r), /^ok {3}remote 127\.0\.0\.1::bool: module answers/m);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::bool: cannot write \.sersync-ts-probe\/probe-\S+: ERROR: module is read only: the receiving server must act: set "read only = no" in the module, on a line of its own: "read only = false # comment" is a "Badly formed boolean"/m,
    );
    assert.match(daemonLog(), /Badly formed boolean in configuration file: "false # /);
  });

  it('read only = yes: the write probe fails with the same line', () => {
    const r = check('ro');
    assert.equal(r.code, 78, r.out);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::ro: cannot write \S+: ERROR: module is read only: the receiving server must act: set "read only = no"/m,
    );
  });

  it('a wrong password: the same auth line (the client cannot tell it from the secrets file mode)', () => {
    const wrong = path.join(d.tmp, 'wrong.pas');
    fs.writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const r = check('good', { passwordFile: wrong });
    assert.equal(r.code, 78, r.out);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::good: @ERROR: auth failed on module good: this host or the receiving server must act; check, most likely first: \(1\) this host: the password file \S+wrong\.pas/m,
    );
  });

  it("an unknown module: this host's <remote name> first, naming the config file, then the server's sections", () => {
    const r = check('nosuch');
    assert.equal(r.code, 78, r.out);
    assert.match(
      remoteLines(r),
      /^FAIL remote 127\.0\.0\.1::nosuch: @ERROR: Unknown module 'nosuch': this host or the receiving server must act; check, most likely first: \(1\) this host: <remote name="nosuch"> in \S+nosuch\.xml must name one of the server's \[modules\] exactly \(case counts\); \(2\) the receiving server: rsyncd\.conf must have a \[nosuch\] section/m,
    );
  });

  it('a password file others can read: this host must act (rsync refuses before asking the server)', () => {
    const loose = path.join(d.tmp, 'loose.pas');
    fs.writeFileSync(loose, 'right-password\n');
    fs.chmodSync(loose, 0o644);
    const r = cli([
      '--check',
      '-o',
      writeConfig(
        d.tmp,
        { watch: d.src, remotes: [{ module: 'good' }], port: daemon.port, passwordFile: loose },
        'loose.xml',
      ),
    ]);
    assert.equal(r.code, 78, r.out + r.err);
    assert.match(
      r.err,
      /loose\.pas has mode 644; rsync refuses a password file others can read: chmod 600 \S+loose\.pas$/m,
    );
  });

  it(
    "a path the daemon's uid cannot write: the write probe names the ownership",
    { skip: ROOT ? false : 'the daemon must run as root to switch to uid nobody' },
    () => {
      const r = check('perm');
      assert.equal(r.code, 78, r.out);
      assert.match(
        remoteLines(r),
        /^FAIL remote 127\.0\.0\.1::perm: cannot write \S+: rsync: \[\w+\] .*Permission denied \(13\): the receiving server must act: the module's "path" must be owned and writable by the daemon's "uid"\/"gid"/m,
      );
      assert.deepEqual(fs.readdirSync(path.join(d.tmp, 'perm')), []);
    },
  );

  it('a full disk: the write probe fails with No space left, and leaves nothing behind', async (t) => {
    const full = path.join(d.tmp, 'full');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full], { stdio: 'pipe' });
    } catch (err) {
      t.skip(`cannot mount a small tmpfs here (${String((err as Error).message).split('\n')[0]})`);
      return;
    }
    try {
      fs.writeFileSync(path.join(full, 'filler'), Buffer.alloc(240 * 1024));
      const r = check('full');
      assert.equal(r.code, 78, r.out);
      assert.match(
        remoteLines(r),
        /^FAIL remote 127\.0\.0\.1::full: cannot write \S+: rsync: \[receiver\] write failed on .*No space left on device \(28\): the receiving server must act: free space on the filesystem of the module's path/m,
      );
      // The check's probe file is gone (the daemon's per-connection child may finish a moment later).
      await waitFor(() => fs.readdirSync(full).join('/') === 'filler', { what: `only filler in ${full}` });
    } finally {
      // The daemon's per-connection child may still hold its chroot in the mount for a moment after
      // the check returns (CI saw "target is busy"); a lazy unmount detaches it either way.
      execFileSync('umount', ['-l', full]);
    }
  });

  it('no daemon on the port: a WARN naming the receiving server, exit 0 (the agent keeps retrying)', async () => {
    const r = check('good', { port: await freePort() });
    assert.equal(r.code, 0, r.out);
    assert.match(
      remoteLines(r),
      /^WARN remote 127\.0\.0\.1::good: unreachable: rsync: \[\w+\] failed to connect to 127\.0\.0\.1 \(127\.0\.0\.1\): Connection refused \(111\): the receiving server must act: is the rsync daemon running \(systemctl status rsync\) and listening on 127\.0\.0\.1 port \d+\?$/m,
    );
  });
});

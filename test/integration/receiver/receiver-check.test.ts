/**
 * `receiver check` against the tutorial's receiver mistakes, each written into a config that
 * `receiver init` made: the lint names it (exit 78), and a real daemon started from that same
 * config refuses sersync-ts's --check with the refusal table's line (exit 78), so every finding
 * below is one the daemon really acts on. The untouched config lints clean.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { writeConfig } from '../../helpers/agent.js';
import { cli, receiverInit } from '../../helpers/cli.js';
import { freePort, makeTestDir, startDaemonFromConf, type TestDir } from '../../helpers/rsyncd.js';

interface Fault {
  readonly name: string;
  /** Changes the conf text (and the disk) into the mistake. */
  readonly apply: (conf: string, t: { secrets: string; backup: string }) => string;
  readonly lint: RegExp;
  /** What sersync-ts --check says against a daemon run from it (null: the daemon does not refuse a lone check). */
  readonly daemon: RegExp | null;
  readonly args?: readonly string[];
}

const FAULTS: readonly Fault[] = [
  {
    name: 'read only = false # 可写',
    apply: (c) => c.replace(/^read only = no$/m, 'read only = false # 可写'),
    lint: /^ERROR \S+rsyncd\.conf:\d+: \[www\] "read only = false # 可写": a "#" after a value is not a comment in rsyncd\.conf, a "Badly formed boolean" that rsyncd ignores \(it keeps the default: the module stays read-only\): move the comment to a line of its own$/m,
    daemon:
      /^FAIL remote 127\.0\.0\.1::www: cannot write \S+: ERROR: module is read only: the receiving server must act/m,
  },
  {
    name: 'secrets file mode 644',
    apply: (c, t) => (fs.chmodSync(t.secrets, 0o644), c),
    lint: /^ERROR \S+:\d+: \[www\] secrets file \S+rsyncd\.secrets is mode 644: with "strict modes" \(the default\) rsyncd ignores a secrets file others can read and every login fails "auth failed": chmod 600 \S+$/m,
    daemon:
      /^FAIL remote 127\.0\.0\.1::www: @ERROR: auth failed on module www: this host or the receiving server must act/m,
  },
  {
    name: 'hosts allow = 192.168.2.1/24',
    apply: (c) => c.replace(/^hosts allow = 127\.0\.0\.1\/32$/m, 'hosts allow = 192.168.2.1/24'),
    lint: /^ERROR \S+:\d+: \[www\] "hosts allow = 192\.168\.2\.1\/24" leaves out 127\.0\.0\.1 \("@ERROR: access denied"\): add it/m,
    daemon:
      /^FAIL remote 127\.0\.0\.1::www: @ERROR: access denied to www from \S+ \(127\.0\.0\.1\): the receiving server must act/m,
  },
  {
    name: 'path = DIR # 备份目录',
    apply: (c, t) => c.replace(`path = ${t.backup}`, `path = ${t.backup}/ # 备份目录`),
    lint: /^ERROR \S+:\d+: \[www\] "path = \S+\/ # 备份目录": a "#" after a value is not a comment in rsyncd\.conf, the path becomes "[^"]+" \("chroot failed" \/ "chdir failed"\)/m,
    daemon: /^FAIL remote 127\.0\.0\.1::www: @ERROR: chroot failed: the receiving server must act/m,
  },
  {
    name: 'the path is missing',
    apply: (c, t) => (fs.renameSync(t.backup, `${t.backup}.moved`), c),
    lint: /^ERROR \S+:\d+: \[www\] path \S+ does not exist \("@ERROR: chroot failed" \/ "chdir failed"\): mkdir -p \S+ && chown root:root \S+$/m,
    daemon: /^FAIL remote 127\.0\.0\.1::www: @ERROR: chroot failed/m,
  },
  {
    name: 'max connections = 5 under -n 10',
    apply: (c) => c.replace(/^max connections = 0$/m, 'max connections = 5'),
    lint: /^ERROR \S+:\d+: \[www\] "max connections = 5" is below what sersync-ts -n 10 needs \(10 rsyncs at once plus a probe\): set it to at least 11/m,
    daemon: null,
  },
  {
    name: 'use chroot = no, symlinks munged',
    apply: (c) => c.replace(/^use chroot = yes$/m, 'use chroot = no').replace(/^munge symlinks = no\n/m, ''),
    lint: /^WARN {2}\S+:\d+: \[www\] "use chroot = no" without "munge symlinks = no": symlinks are stored with a "\/rsyncd-munged\/" prefix/m,
    daemon: null,
  },
];

describe("receiver check: the tutorial's mistakes, named by the lint and refused by the daemon", () => {
  let d: TestDir, port: number, pas: string;
  before(async () => {
    d = makeTestDir('receiver-check');
    port = await freePort();
  });
  after(() => d.close());

  for (const [i, f] of FAULTS.entries()) {
    it(f.name, async () => {
      const out = path.join(d.tmp, `etc${i}`);
      const backup = path.join(d.tmp, `backup${i}`);
      const init = receiverInit({ module: 'www', path: backup, port, out });
      assert.equal(init.code, 0, init.err);
      const conf = path.join(out, 'rsyncd.conf');
      const clean = cli(['receiver', 'check', '--config', conf, '--from', '127.0.0.1']);
      assert.equal(clean.code, 0, clean.out);
      fs.writeFileSync(
        conf,
        f.apply(fs.readFileSync(conf, 'utf8'), { secrets: path.join(out, 'rsyncd.secrets'), backup }),
      );
      const lint = cli(['receiver', 'check', '--config', conf, '--from', '127.0.0.1']);
      assert.match(lint.out, f.lint);
      assert.equal(lint.code, f.lint.source.startsWith('^ERROR') ? 78 : 0, lint.out);
      if (!f.daemon) return;
      const daemon = await startDaemonFromConf(conf, port);
      try {
        pas = path.join(out, 'client-www.pas');
        const xml = writeConfig(
          d.tmp,
          { watch: d.src, remotes: [{ module: 'www' }], port, passwordFile: pas, failLog: path.join(d.tmp, 'fail.sh') },
          `c${i}.xml`,
        );
        const check = cli(['--check', '-o', xml]);
        assert.equal(check.code, 78, check.out);
        assert.match(check.out, f.daemon);
      } finally {
        await daemon.stop();
      }
    });
  }
});

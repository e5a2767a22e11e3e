import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from './paths.js';
import type { RunResult } from './check.js';

export const VERSION = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** Runs a program, stdout and stderr together; 20 minutes at most (a package build on a loaded machine). */
export function run(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): RunResult {
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    timeout: 1_200_000,
    maxBuffer: 64 * 1024 * 1024,
    ...opts,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

/**
 * A copy of the checkout as a fresh clone has it: the files git tracks (and new ones it would
 * track), as they are in the working tree; no node_modules, no dist. The build scripts must
 * install and compile what they need themselves.
 */
export function freshCopy(dir: string): string {
  const dest = path.join(dir, 'clone');
  fs.mkdirSync(dest, { recursive: true });
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot });
  assert.equal(files.code, 0, files.out);
  const present = files.out
    .split('\0')
    .filter((f) => f !== '' && fs.existsSync(path.join(projectRoot, f)) && !f.startsWith('node_modules'));
  const t = run('tar', ['-C', projectRoot, '--null', '-T', '-', '-cf', path.join(dir, 'clone.tar')], {
    input: present.join('\0'),
  });
  assert.equal(t.code, 0, t.out);
  const x = run('tar', ['-C', dest, '-xf', path.join(dir, 'clone.tar')]);
  assert.equal(x.code, 0, x.out);
  assert.ok(!fs.existsSync(path.join(dest, 'node_modules')), 'the copy has no node_modules');
  return dest;
}

export type PackageFormat = 'deb' | 'rpm' | 'tarball';

/** The file each format builds for x86_64 (what build-packages.sh is asked for). */
const ARTIFACTS: Record<PackageFormat, string> = {
  deb: `sersync-ts_${VERSION}_amd64.deb`,
  rpm: `sersync-ts-${VERSION}-1.x86_64.rpm`,
  tarball: `sersync-ts-${VERSION}-linux-x86_64.tar.gz`,
};

/**
 * Runs scripts/build-packages.sh in a fresh copy of the checkout (under `work`), into `out`: every
 * format whose tool is here (rpm needs rpmbuild), from one staging. xz and gzip level 1: the same
 * files, packed in a fraction of the release level's time.
 */
function buildAll(work: string, out: string): void {
  const clone = freshCopy(work);
  const formats = (['deb', 'rpm', 'tarball'] as const).filter((f) => f !== 'rpm' || missingTool('rpmbuild') === null);
  const b = run(
    'bash',
    [path.join(clone, 'scripts', 'build-packages.sh'), '--arch', 'x86_64', '--formats', formats.join(','), out],
    { cwd: clone, env: { SERSYNC_TS_XZ_LEVEL: '1', SERSYNC_TS_GZIP_LEVEL: '1' } },
  );
  if (b.code !== 0) throw new Error(`scripts/build-packages.sh --formats ${formats.join(',')} failed:\n${b.out}`);
}

/** Whether the process that holds `lock` has died (a lock without its pid file yet is held). */
function abandoned(lock: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The packages of this checkout, built once for the test run: the package tests run in separate
 * processes (scripts/run-tests.mjs's shards), and the first to ask builds under a lock in
 * SERSYNC_TS_TEST_SHARED_DIR (which the runner removes at the end) while the others wait, as an
 * operator's release does with scripts/build-packages.sh. A failed build is reported to every
 * waiter; a builder that died is replaced. Without that directory (a file run by hand) the caller
 * builds its own, under `dir`. Returns the path of `format`'s package, asserting it was built.
 */
export async function builtPackage(dir: string, format: PackageFormat): Promise<string> {
  const shared = process.env['SERSYNC_TS_TEST_SHARED_DIR'];
  const out = shared ? path.join(shared, 'packages') : path.join(dir, 'packages');
  const lock = `${out}.lock`;
  const failed = `${out}.failed`;
  const file = path.join(out, ARTIFACTS[format]);
  const deadline = Date.now() + 1_500_000;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  while (!fs.existsSync(path.join(out, '.done'))) {
    if (fs.existsSync(failed)) throw new Error(`the shared package build failed:\n${fs.readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`no packages in ${out} after 25 minutes (lock ${lock})`);
    try {
      fs.mkdirSync(lock, { recursive: false });
    } catch {
      if (abandoned(lock)) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
    try {
      fs.mkdirSync(out, { recursive: true });
      buildAll(fs.mkdtempSync(path.join(dir, 'build-')), out);
      fs.writeFileSync(path.join(out, '.done'), '');
    } catch (e) {
      fs.writeFileSync(failed, String(e));
      throw e;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  assert.ok(fs.existsSync(file), `${file} not built (ls ${out}: ${fs.readdirSync(out).join(' ')})`);
  return file;
}

/** Why a program the test needs is missing, or null when it is on PATH. */
export function missingTool(...names: string[]): string | null {
  for (const n of names) {
    if (spawnSync('sh', ['-c', `command -v ${n}`]).status !== 0)
      return `${n} is not installed (bash scripts/ensure-deps.sh --for-tests installs it)`;
  }
  return null;
}

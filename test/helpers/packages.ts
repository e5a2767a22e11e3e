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

/**
 * Builds a package with one of scripts/build-{deb,rpm,tarball}.sh in a fresh copy of the
 * checkout (under `dir`), into `dir`; returns the path of `artifact` there, asserting the build
 * made it. xz and gzip level 1: the same files, packed in a fraction of the release level's time.
 */
export function buildPackage(
  dir: string,
  script: 'build-deb.sh' | 'build-rpm.sh' | 'build-tarball.sh',
  args: readonly string[],
  artifact: string,
): string {
  const clone = freshCopy(dir);
  const b = run('bash', [path.join(clone, 'scripts', script), ...args, dir], {
    cwd: clone,
    env: { SERSYNC_TS_XZ_LEVEL: '1', SERSYNC_TS_GZIP_LEVEL: '1' },
  });
  assert.equal(b.code, 0, `${script} ${args.join(' ')} failed:\n${b.out}`);
  const file = path.join(dir, artifact);
  assert.ok(fs.existsSync(file), `${file} not built:\n${b.out}`);
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

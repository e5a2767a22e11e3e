import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { configXml } from './agent.js';
import type { RsyncDaemon } from './rsyncd.js';

export interface RunResult {
  readonly code: number | null;
  readonly out: string;
}

/** Runs an installed `sersync-ts` (argv[0] = its path), stdout and stderr together. */
export function runInstalled(cmd: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

/**
 * An installed `sersync-ts --check` against a real rsync daemon: with the daemon's module it
 * passes and says the module answers (as the daemon's user); with a module the daemon does not
 * have it exits 78. Both, so the check cannot pass without really asking the daemon.
 */
export function assertCheckAgainstDaemon(
  cmd: readonly string[],
  dir: string,
  daemon: RsyncDaemon,
  module: string,
): RunResult {
  const src = path.join(dir, 'check-src');
  fs.mkdirSync(src, { recursive: true });
  const good = path.join(dir, 'check-good.xml');
  const bad = path.join(dir, 'check-bad.xml');
  const spec = {
    watch: src,
    port: daemon.port,
    passwordFile: daemon.passwordFile,
    user: daemon.user,
    failLog: path.join(dir, 'check-fail.sh'),
  };
  fs.writeFileSync(good, configXml({ ...spec, remotes: [{ module }] }));
  fs.writeFileSync(bad, configXml({ ...spec, remotes: [{ module: `${module}-nonexistent` }] }));
  const ok = runInstalled(cmd, ['--check', '-o', good]);
  assert.equal(ok.code, 0, ok.out);
  assert.match(
    ok.out,
    new RegExp(`^ok +remote 127\\.0\\.0\\.1::${module}: module answers \\(as ${daemon.user}\\)$`, 'm'),
    ok.out,
  );
  assert.match(ok.out, /^ok +rsync \d+\.\d+/m, ok.out);
  const no = runInstalled(cmd, ['--check', '-o', bad]);
  assert.equal(no.code, 78, no.out);
  assert.match(no.out, new RegExp(`${module}-nonexistent`), no.out);
  return ok;
}

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CLI } from './agent.js';
import { toModule, type RsyncDaemon } from './rsyncd.js';

/** `sersync-ts verify ...` as a user runs it: the real CLI, its own stdout and stderr, its exit code. */
export async function verifyCli(
  conf: string,
  args: readonly string[] = [],
  cwd?: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string[]; err: string[] }> {
  const r = await execa(process.execPath, [CLI, 'verify', '-o', conf, ...args], {
    reject: false,
    ...(cwd ? { cwd } : {}),
    ...(env ? { env } : {}),
  });
  const lines = (s: unknown): string[] =>
    String(s)
      .split('\n')
      .filter((l) => l !== '');
  return { code: r.exitCode ?? -1, out: lines(r.stdout), err: lines(r.stderr) };
}

/** A plain `rsync -a --delete` of src to the module: the test's own setup, not the code under test. */
export async function mirror(src: string, daemon: RsyncDaemon, module = 'www'): Promise<void> {
  const r = await execa('rsync', ['-a', '--delete', ...toModule(daemon, module)], { cwd: src, reject: false });
  assert.equal(r.exitCode, 0, String(r.stderr));
}

/** A file whose remote copy is rewritten with the same size and its old mtime: the quick check cannot see it. */
export function editRemoteInvisibly(dst: Buffer | string, text: string): void {
  const st = fs.statSync(dst);
  assert.equal(Buffer.byteLength(text), st.size, 'same size');
  fs.writeFileSync(dst, text);
  fs.utimesSync(dst, st.atime, st.mtime);
}

/** Writes `text` at `rel` under `dir`, making the directories. */
export function put(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

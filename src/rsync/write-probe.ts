import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Remote, RsyncConfig } from '../config/types.js';
import { succeeded } from './exit-codes.js';
import { buildWriteProbeArgs, PROBE_TIMEOUT_SEC } from './args.js';
import { classifyRsyncFailure, refusalContext, rejectsMissingArgs, rsyncReason, type Refusal } from './refusals.js';
import type { RsyncResult, RsyncRunner } from './runner.js';
import type { SshControl } from './ssh-command.js';

/**
 * Does the module take a file? `--check` writes one under a hidden directory of the remote and
 * removes it in the same check: a listing alone passes a read-only module, a `path` the daemon
 * cannot write, or a full disk, which then fail every batch. Only the probe's own names are ever
 * listed for removal: its file, then its directory without --force (rsync leaves a non-empty
 * one alone, e.g. while another host's check runs).
 */
const PROBE_DIR = '.sersync-ts-probe';

/** Big enough that a full disk refuses it (an empty file needs no data block). */
const PROBE_BYTES = 64 * 1024;

type WriteProbeResult =
  /** `missingArgsRejected`: the receiver rejects --delete-missing-args; the file went through its directory. */
  | { readonly ok: true; readonly path: string; readonly missingArgsRejected: boolean }
  | {
      readonly ok: false;
      readonly path: string;
      readonly stage: 'write' | 'remove';
      readonly refusal: Refusal | null;
      readonly reason: string;
    };

/** A name no other check picks: host, pid and random bytes, in plain characters only. */
function probeName(host = os.hostname(), pid = process.pid, random = randomBytes(6).toString('hex')): string {
  return `${PROBE_DIR}/probe-${host.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 40)}-${pid}-${random}`;
}

interface WriteProbeDeps {
  readonly runner: RsyncRunner;
  readonly rsync: RsyncConfig;
  readonly remote: Remote;
  readonly ssh?: SshControl;
  /** Where the probe's local files are staged (removed afterwards). */
  readonly tmpDir?: string;
}

export async function probeWrite(deps: WriteProbeDeps, name = probeName()): Promise<WriteProbeResult> {
  const stage = await fs.mkdtemp(path.join(deps.tmpDir ?? os.tmpdir(), 'sersync-probe-'));
  try {
    const full = path.join(stage, 'write', name);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, randomBytes(PROBE_BYTES));
    const wrote = await run(deps, path.join(stage, 'write'), [name], false);
    // Removed even when the write failed: a full disk may have taken the directory, not the file.
    const { removed, throughDir } = await remove(deps, stage, name);
    if (!succeeded(wrote) || wrote.filesTransferred !== 1) return failed(deps, name, 'write', wrote);
    if (!succeeded(removed)) return failed(deps, name, 'remove', removed);
    return { ok: true, path: name, missingArgsRejected: throughDir };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

/**
 * The probe's file, then its directory: gone only when empty (no --force). A receiver that rejects
 * the file's removal as a missing arg (lane/missing-args.ts) gets it the way the agent's deletions
 * then go: its directory sent with --delete and a rule that leaves every other name alone.
 */
async function remove(
  deps: WriteProbeDeps,
  stage: string,
  name: string,
): Promise<{ removed: RsyncResult; throughDir: boolean }> {
  // The file is listed from a directory that has its parent but not it: rsync deletes it there.
  await fs.mkdir(path.join(stage, 'remove', PROBE_DIR), { recursive: true });
  let removed = await run(deps, path.join(stage, 'remove'), [name], true);
  const throughDir = rejectsMissingArgs(removed);
  if (throughDir) {
    const rules = ['--delete', `--include=/${name}`, `--exclude=/${PROBE_DIR}/*`];
    removed = await run(deps, path.join(stage, 'remove'), [PROBE_DIR], false, rules);
  }
  // A lone top-level missing arg: even such a receiver takes it (the first entry's mode is not checked).
  await fs.mkdir(path.join(stage, 'none'));
  await run(deps, path.join(stage, 'none'), [PROBE_DIR], true);
  return { removed, throughDir };
}

function run(
  deps: WriteProbeDeps,
  cwd: string,
  names: readonly string[],
  remove: boolean,
  rules: readonly string[] = [],
): Promise<RsyncResult> {
  const input = Buffer.from(names.map((n) => `${n}\0`).join(''));
  return deps.runner.run({
    args: [
      ...rules,
      ...buildWriteProbeArgs(deps.rsync, deps.remote, { remove, ...(deps.ssh ? { ssh: deps.ssh } : {}) }),
    ],
    cwd,
    input,
    killAfterMs: (PROBE_TIMEOUT_SEC + 25) * 1000,
  });
}

function failed(deps: WriteProbeDeps, name: string, stage: 'write' | 'remove', r: RsyncResult): WriteProbeResult {
  const refusal = r.spawnError ? null : classifyRsyncFailure(r, refusalContext(deps.rsync, deps.remote));
  const why =
    r.spawnError ??
    (succeeded(r)
      ? 'rsync transferred no file (a daemon-side exclude or filter on the module?)'
      : rsyncReason(r.stderr) || `rsync exit ${r.exitCode}`);
  return { ok: false, path: name, stage, refusal, reason: refusal?.line ?? why };
}

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Remote, RsyncConfig, VersionsConfig } from '../config/types.js';
import { withoutUpdateFlag } from '../config/words.js';
import { fileList } from '../rsync/file-list.js';
import { rsyncReason } from '../rsync/refusals.js';
import { remoteArgs } from '../rsync/args.js';
import { classifyExit, succeeded } from '../rsync/exit-codes.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import type { SshControl } from '../rsync/ssh-command.js';
import type { BytePath } from '../shared/bytepath.js';
import { LISTING_FORMAT, parseListing, type Listing } from './listing.js';

/** One receiver's versions, reached the way the lanes reach it (rsync/args.ts remoteArgs). */
export interface VersionsRemote {
  readonly rsync: RsyncConfig & { readonly versions: VersionsConfig };
  readonly remote: Remote;
  readonly runner: RsyncRunner;
  readonly ssh?: SshControl;
}

type Listed = { readonly listing: Listing } | { readonly error: string };

const ssh = (v: VersionsRemote): { ssh?: SshControl } => (v.ssh ? { ssh: v.ssh } : {});

function failure(r: RsyncResult): string | null {
  if (r.spawnError !== null) return r.spawnError;
  return succeeded(r) ? null : `rsync exit ${r.exitCode}: ${rsyncReason(r.stderr) || classifyExit(r.exitCode).meaning}`;
}

/** The versions directory does not exist yet (nothing was ever replaced): an empty listing, not an error. */
const NO_DIR = /change_dir .* failed: No such file or directory|link_stat .* failed: No such file or directory/;

/**
 * A listing of `sub` on the receiver (`dir/` of versions, or `` for the mirror): a dry-run pull
 * into an empty directory (listing.ts says why). `files`: only these paths (NUL-separated on
 * stdin, relative to `sub`), else `sub`'s top level (or everything, `recursive`).
 */
export async function listRemote(
  v: VersionsRemote,
  sub: string,
  opts: { files?: readonly BytePath[]; recursive: boolean; excludeVersions?: boolean },
): Promise<Listed> {
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'sersync-ts-list-'));
  try {
    let out = '';
    const args = ['-n', opts.recursive ? '-r' : '-d', LISTING_FORMAT];
    if (opts.files) args.push('--files-from=-', '--from0', '--ignore-missing-args');
    if (opts.excludeVersions) args.push(`--exclude=/${v.rsync.versions.dir}`);
    args.push(...remoteArgs(v.rsync, v.remote, sub, { to: `${empty}/`, ...ssh(v) }));
    const r = await v.runner.run({
      args,
      cwd: empty,
      ...(opts.files ? { input: fileList(opts.files) } : {}),
      onStdout: (t) => (out += t),
    });
    const err = failure(r);
    if (err !== null && !(r.exitCode === 23 && NO_DIR.test(r.stderr))) return { error: err };
    return { listing: parseListing(out) };
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
}

/**
 * Pulls `files` (relative to `from`, a directory under the receiver's root, or the root itself
 * for '') into `target`, keeping their paths relative to `from`. The source is always the
 * root, each name `from/./path` (-R keeps what follows `/./`): rsync 3.5's daemon reads
 * --files-from names against the module's root whatever directory the source names.
 * The options are
 * the sync's own options without -u (a restore replaces what is newer); `everyFile` sends each
 * one even when size and mtime match (--ignore-times: that is no proof of the same bytes).
 */
export async function pullFiles(
  v: VersionsRemote,
  from: string,
  files: readonly BytePath[],
  target: string,
  everyFile: boolean,
): Promise<string | null> {
  const args = [
    ...withoutUpdateFlag(v.rsync.commonParams),
    '--files-from=-',
    '--from0',
    ...(everyFile ? ['--ignore-times'] : []),
    ...remoteArgs(v.rsync, v.remote, '', { to: `${target}/`, ...ssh(v) }),
  ];
  return failure(
    await v.runner.run({
      args,
      cwd: target,
      input: fileList(from === '' ? files : files.map((f) => `${from}/./${f}`)),
    }),
  );
}

/**
 * Removes these buckets from the receiver: an rsync --delete of an empty directory into the
 * versions directory, with an include for each bucket (plain names: no escaping) and an exclude
 * for everything else, which protects it. No --backup: this is the one run that frees space.
 */
export async function deleteBuckets(v: VersionsRemote, buckets: readonly string[]): Promise<string | null> {
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'sersync-ts-empty-'));
  try {
    const rules = [...buckets.map((b) => `--include=/${b}/***`), '--exclude=*'];
    const args = [
      '-r',
      '--delete',
      ...rules,
      ...remoteArgs(v.rsync, v.remote, `${v.rsync.versions.dir}/`, { from: './', ...ssh(v) }),
    ];
    return failure(await v.runner.run({ args, cwd: empty }));
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
}

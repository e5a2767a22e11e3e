import type { Remote, RsyncConfig } from '../config/types.js';
import { withoutUpdateFlag } from '../config/words.js';
import { deleteDelay, hasFuzzy, hasOption } from './option-words.js';
import { rshCommand, sshBaseOptions, sshClientOptions, type SshControl } from './ssh-command.js';

/** How a batch's paths are sent; see architecture.md §2 for why each flag is there. */
export interface BatchArgsOptions {
  /** `<inotify><delete start>`: propagate deletions (else missing paths are skipped). */
  readonly deleteEnabled: boolean;
  /** Send listed directories without recursion (a directory's own attributes changed). */
  readonly dirsOnly?: boolean;
  /** Only the root directory's own attributes (the list is "."): --dirs alone would copy its files. */
  readonly rootOnly?: boolean;
  /** A NUL-separated exclude file (paths under a recursively sent directory that `<filter>` excludes). */
  readonly excludeFrom?: string;
  /** Globs of remote paths --delete must never remove (`<filter>` excludes, as far as expressible). */
  readonly protect?: readonly string[];
  /**
   * Let the receiver use a similar file in the same directory as the basis for a new one
   * (`--fuzzy`): a renamed file's content is then matched, not sent again. `false` turns it off
   * even when commonParams has it (`--no-fuzzy`): a run that deletes in a directory where it
   * also creates must not use it (lane/batch-plan.ts). Unset: commonParams decides.
   */
  readonly fuzzy?: boolean;
  /**
   * Rules for directories listed for their own attributes only, in a recursive run
   * (rsync/filter-rules.ts attrOnlyRules), and protect rules for what a directory sent in place
   * of its missing children holds (keepRules): as `--include=`/`--exclude=`/`--filter=P` words...
   */
  readonly attrRules?: readonly string[];
  /** ...or in a `--filter=merge` file (NUL-separated, `--from0`) when they cannot be words. */
  readonly attrRulesFrom?: string;
  /**
   * Listed directories whose files the receiver mostly has already (one a seed has just filled,
   * one sent for its deletions): a same-size file is compared by content (--checksum), not sent
   * whatever it holds (--ignore-times, the rule for everything else).
   */
  readonly byContent?: boolean;
  /** Over ssh: the agent's master connection to this host. */
  readonly ssh?: SshControl;
  /** With `<versions>`: the bucket replaced and deleted files move into (versions/buckets.ts backupDirAt). */
  readonly backupDir?: string;
}

interface SeedArgsOptions {
  /** The moved directory, relative to the root (valid UTF-8 text, see Transfer). */
  readonly dir: string;
  /** Where the directory was, relative to `dir` (e.g. `../old`): the receiver resolves it. */
  readonly oldPlace: string;
  /** Hard-link unchanged files from there (`--link-dest`), or copy them (`--copy-dest`): lane/plan-transfer.ts seedLinks. */
  readonly link: boolean;
  readonly excludeFrom?: string;
  readonly ssh?: SshControl;
}

interface FullSyncArgsOptions {
  readonly deleteEnabled: boolean;
  readonly excludeFrom?: string;
  readonly protect?: readonly string[];
  /** `<crontabfilter>` rsync glob patterns. */
  readonly globExcludes?: readonly string[];
  /**
   * A comparison (`sersync-ts verify`): the same rules, as a dry run by checksum that prints one
   * itemized line per difference (`%i %n`: no ` -> target` after a symlink's name, so every name
   * is the rest of its line). `-u` is dropped from commonParams: it hides a file that is newer on
   * the remote, which is exactly the drift a comparison must see.
   */
  readonly compare?: boolean;
  readonly ssh?: SshControl;
  readonly backupDir?: string;
}

/** `[user@]ip::module`, or `ip:path` over ssh. */
export function destination(rsync: RsyncConfig, remote: Remote): string {
  const user = rsync.auth ? `${rsync.auth.user}@` : '';
  return rsync.ssh ? `${user}${remote.ip}:${remote.module}` : `${user}${remote.ip}::${remote.module}`;
}

/**
 * commonParams holds filter options of its own (include/exclude/filter rules, -C, -F, or
 * --delete-excluded). They come first on the command line, and rsync's first matching rule
 * wins, so the rules that let directory attributes ride in a recursive run could be undone (a
 * user `--include=*` would make a listed root recurse). Then those go in separate runs, as before.
 */
export function hasUserFilters(words: readonly string[]): boolean {
  return words.some(
    (w) =>
      /^--(include|exclude|filter|cvs-exclude|delete-excluded)(=|-from|$)/.test(w) ||
      (w.startsWith('-') && !w.startsWith('--') && /[fFC]/.test(w)),
  );
}

/**
 * Connecting (and the daemon's greeting) must not take longer than this: a remote that drops
 * packets or accepts and hangs then fails in seconds, not minutes, so the lane goes down and
 * the fail log shows it within 30 s. Used as it is when `<timeout>` is off, capped when it is on.
 */
const CONNECT_TIMEOUT_SEC = 10;

/** A probe lists one directory entry: if nothing moves for this long, the remote is not answering. */
export const PROBE_TIMEOUT_SEC = 5;

/** How long connecting may take (seconds): 10, or `<timeout time>` when that is lower. */
export function connectTimeoutSec(rsync: RsyncConfig): number {
  return Math.min(rsync.timeoutSec ?? CONNECT_TIMEOUT_SEC, CONNECT_TIMEOUT_SEC);
}

/** The ssh command rsync runs (`-e`), as argv words (rsync/ssh-command.ts says why each is there). */
export function sshWords(rsync: RsyncConfig, ssh?: SshControl): string[] {
  return ['ssh', ...sshBaseOptions(rsync, connectTimeoutSec(rsync)), ...sshClientOptions(ssh)];
}

/** Transport options shared by every call: port, timeouts, ssh, socket options. */
function transportArgs(rsync: RsyncConfig, ioTimeoutSec: number | null = rsync.timeoutSec, ssh?: SshControl): string[] {
  const out: string[] = [];
  const connect = connectTimeoutSec(rsync);
  if (rsync.ssh) {
    // With ssh, a user-defined port is the ssh port (sersync passed a meaningless --port).
    out.push('-e', rshCommand(sshWords(rsync, ssh)));
  } else {
    if (rsync.port !== null) out.push(`--port=${rsync.port}`);
    // Nagle + delayed ACKs cost ~90 ms per small transfer on the daemon protocol.
    if (!hasOption(rsync.commonParams, '--sockopts')) out.push('--sockopts=TCP_NODELAY');
    out.push(`--contimeout=${connect}`);
  }
  // Only when asked for: with --timeout, every run against a daemon that has no `socket options =
  // TCP_NODELAY` stalls ~45 ms on a delayed ACK (measured). Without it, a transfer the remote
  // stops answering is ended by the lane instead (see SLOW_BATCH_MS in lane/lane.ts).
  if (ioTimeoutSec !== null) out.push(`--timeout=${ioTimeoutSec}`);
  return out;
}

/**
 * Over ssh the remote path (directory, or a seed's subdirectory) travels on the remote shell's command line. rsync 3.2.4 and
 * later escape it there by default; an older client would let the remote shell split a path
 * with a space (or run a `$(...)` in it): with anything but plain characters, --protect-args
 * sends it inside rsync's own protocol instead (remote rsync >= 3.0).
 */
function protectRemoteArgs(rsync: RsyncConfig, target: string): string[] {
  return rsync.ssh && /[^A-Za-z0-9._/+,:@=-]/.test(target.slice(target.indexOf(':') + 1)) ? ['--protect-args'] : [];
}

function tail(rsync: RsyncConfig, remote: Remote, target = destination(rsync, remote)): string[] {
  // --stats: bytes and files per run, for the log and /metrics.
  const out = [...protectRemoteArgs(rsync, target), '--stats', './', target];
  if (rsync.auth && !rsync.ssh) out.push(`--password-file=${rsync.auth.passwordFile}`);
  return out;
}

/**
 * One batch: the paths come on stdin, NUL-separated, relative to the root (cwd = root).
 * `-R` recreates parents; `-r` is explicit because `-a` does not imply it with --files-from;
 * `--delete` removes remote files a listed directory no longer has; `--delete-missing-args`
 * deletes a listed path that is gone; `--force` lets that remove non-empty directories.
 */
export function buildBatchArgs(rsync: RsyncConfig, remote: Remote, opts: BatchArgsOptions): string[] {
  const args = [...rsync.commonParams, '-R'];
  // commonParams usually holds -r (sersync's -artuz): undo it for attribute-only directory sends.
  args.push(
    ...(opts.dirsOnly || opts.rootOnly ? ['--no-recursive', '--dirs'] : ['-r']),
    ...versionsArgs(rsync, opts.backupDir, true),
  );
  args.push('--files-from=-', '--from0');
  // Every listed path is known to have changed: rsync's quick check (same size and mtime to the
  // second = unchanged) would skip a same-size rewrite within the second, or one whose old mtime
  // was restored (cp -p, tar x, a rename of a prepared file), and leave the remote stale for
  // good. --ignore-times makes rsync send it anyway (still as a delta: unchanged blocks are not
  // sent again). `byContent` runs compare same-size files by content instead (--checksum): they
  // send directories whose files the receiver mostly has already, and --ignore-times rewrote
  // every identical one there (1,000 identical 4 KiB files: 342 ms against 115 ms, rsync 3.5.0).
  // Only those: --checksum makes the sender read every file once more first (5,000 appends:
  // +140 ms; 5,000 new files to 8 remotes: +300-400 ms). Full syncs keep the quick check;
  // `verify` compares by content. With <versions> (a backup dir) every run compares by content:
  // --ignore-times rewrote an identical file, and --backup then moved the receiver's copy (the same
  // content) into the bucket over the version it held there, so a save without a change, or a
  // file sent twice, lost the content the bucket was keeping (rsync 3.5.0).
  const byContent = opts.byContent === true || opts.backupDir !== undefined;
  if (!opts.dirsOnly && !opts.rootOnly) args.push(byContent ? '--checksum' : '--ignore-times');
  if (opts.deleteEnabled && !opts.dirsOnly && !opts.rootOnly)
    args.push('--delete', ...deleteDelay(rsync, opts.fuzzy), '--delete-missing-args', '--force');
  else args.push('--ignore-missing-args');
  if (opts.rootOnly) args.push('--exclude=/*');
  if (opts.excludeFrom) args.push(`--exclude-from=${opts.excludeFrom}`);
  if (opts.deleteEnabled && !opts.dirsOnly && !opts.rootOnly) args.push(...protectArgs(opts.protect));
  if (opts.attrRules) args.push(...opts.attrRules);
  if (opts.attrRulesFrom) args.push(`--filter=merge ${opts.attrRulesFrom}`);
  if (opts.fuzzy) args.push('--fuzzy');
  else if (opts.fuzzy === false && hasFuzzy(rsync.commonParams)) args.push('--no-fuzzy');
  args.push(...transportArgs(rsync, rsync.timeoutSec, opts.ssh));
  return [...args, ...tail(rsync, remote)];
}

/**
 * A directory moved within the root, sent on its own (cwd = the directory) before the batch that
 * deletes its old place: the receiver hard-links (`--link-dest`) or copies (`--copy-dest`) each
 * unchanged file from the old place instead of receiving it again. It deletes nothing; the batch
 * lists the directory as usual, so the result is exactly what the batch alone would give.
 */
export function buildSeedArgs(rsync: RsyncConfig, remote: Remote, opts: SeedArgsOptions): string[] {
  const args = [...rsync.commonParams, '-r', `--${opts.link ? 'link' : 'copy'}-dest=${opts.oldPlace}`];
  if (opts.excludeFrom) args.push('--from0', `--exclude-from=${opts.excludeFrom}`);
  args.push(...transportArgs(rsync, rsync.timeoutSec, opts.ssh));
  return [...args, ...tail(rsync, remote, `${destination(rsync, remote)}/${opts.dir}/`)];
}

/**
 * With `<versions>` the receiver's versions directory is never sent, deleted nor compared (an
 * exclude hides and protects it), first of our rules so no later include can reach it; and each
 * run moves what it replaces or deletes into the bucket (`--backup-dir` is relative to the
 * destination's root). `--out-format=%i %n` itemizes for versions/backed-up.ts's count.
 */
function versionsArgs(rsync: RsyncConfig, backupDir: string | undefined, itemize: boolean): string[] {
  if (!rsync.versions) return [];
  const out = [`--exclude=/${rsync.versions.dir}`];
  if (backupDir !== undefined) out.push('--backup', `--backup-dir=${backupDir}`);
  if (backupDir !== undefined && itemize && !hasOption(rsync.commonParams, '--out-format'))
    out.push('--out-format=%i %n');
  return out;
}

function protectArgs(globs: readonly string[] | undefined): string[] {
  // An exclude both keeps the path from being sent and protects it on the receiver from --delete.
  return (globs ?? []).map((g) => `--exclude=${g}`);
}

/** The whole root (`-r`, `<crontab>`, after lost events): `rsync ... -r --delete ./ dest`. */
export function buildFullSyncArgs(rsync: RsyncConfig, remote: Remote, opts: FullSyncArgsOptions): string[] {
  // progress2: whole-transfer progress on stdout, so a long full sync can be seen moving.
  const args = [
    ...(opts.compare ? withoutUpdateFlag(rsync.commonParams) : rsync.commonParams),
    '-r',
    '--info=progress2',
    ...versionsArgs(rsync, opts.compare ? undefined : opts.backupDir, true),
  ];
  if (opts.deleteEnabled) args.push('--delete', '--force');
  if (opts.excludeFrom) args.push('--from0', `--exclude-from=${opts.excludeFrom}`);
  for (const g of opts.globExcludes ?? []) args.push(`--exclude=${g}`);
  if (opts.deleteEnabled) args.push(...protectArgs(opts.protect));
  if (opts.compare) args.push('--dry-run', '--checksum', '--out-format=%i %n');
  args.push(...transportArgs(rsync, rsync.timeoutSec, opts.ssh));
  return [...args, ...tail(rsync, remote)];
}

/**
 * The transport, the remote path under the destination (`sub`, e.g. `.sersync-versions/`) and
 * the password file, for the runs of versions/ (listing, restore, retention): every run with
 * the same connection rules as a batch. A pull names the local directory after the remote path,
 * a push (`from`) before it.
 */
export function remoteArgs(
  rsync: RsyncConfig,
  remote: Remote,
  sub: string,
  local: { readonly to?: string; readonly from?: string; readonly ssh?: SshControl },
): string[] {
  const target = `${destination(rsync, remote)}/${sub}`;
  const paths =
    local.from !== undefined ? [local.from, target] : local.to !== undefined ? [target, local.to] : [target];
  const out = [...transportArgs(rsync, rsync.timeoutSec, local.ssh), ...protectRemoteArgs(rsync, target), ...paths];
  if (rsync.auth && !rsync.ssh) out.push(`--password-file=${rsync.auth.passwordFile}`);
  return out;
}

/**
 * A cheap probe of a module: list only its top directory entry. Answers "unknown module",
 * "auth failed" or "connection refused" exactly as a real transfer would, moving no data.
 */
export function buildProbeArgs(rsync: RsyncConfig, remote: Remote, ssh?: SshControl): string[] {
  const target = `${destination(rsync, remote)}/`;
  const args = [
    '--list-only',
    '--dirs',
    '--exclude=*',
    ...transportArgs(rsync, Math.min(rsync.timeoutSec ?? PROBE_TIMEOUT_SEC, PROBE_TIMEOUT_SEC), ssh),
    ...protectRemoteArgs(rsync, target),
    target,
  ];
  if (rsync.auth && !rsync.ssh) args.push(`--password-file=${rsync.auth.passwordFile}`);
  return args;
}

/**
 * `--check`'s write probe (rsync/write-probe.ts): the paths on stdin are sent (cwd = a temp dir
 * holding them), or with `remove`, deleted on the remote because they are missing here. No
 * --force: a directory listed for removal goes only when it is empty. No commonParams either:
 * the probe asks whether the module takes a file at all.
 */
export function buildWriteProbeArgs(
  rsync: RsyncConfig,
  remote: Remote,
  opts: { readonly remove: boolean; readonly ssh?: SshControl },
): string[] {
  const words = ['-r', '--files-from=-', '--from0', ...(opts.remove ? ['--delete-missing-args'] : [])];
  return [
    ...words,
    ...transportArgs(rsync, Math.min(rsync.timeoutSec ?? PROBE_TIMEOUT_SEC, PROBE_TIMEOUT_SEC), opts.ssh),
    ...tail(rsync, remote),
  ];
}

/*
 * Batches and full syncs become rsync runs here: the disk is read just before sending (what
 * exists now is sent, what is gone is deleted), moved directories are seeded, and a deleting
 * run with untranslated <filter> regexes goes through a dry run first. About 300 lines in one
 * file because those steps share one decision, which paths go into which run, and split apart
 * they would each need the whole batch and the config again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';
import type { PendingEntry } from '../aggregate/types.js';
import { buildBatchArgs, buildFullSyncArgs, buildSeedArgs, hasUserFilters } from '../rsync/args.js';
import type { SshControl } from '../rsync/ssh-command.js';
import { succeeded } from '../rsync/exit-codes.js';
import { attrOnlyRules, excludeFileContent, rulesAsArgv, rulesFile } from '../rsync/filter-rules.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import { resendCommand } from '../rsync/shell-quote.js';
import { findExcluded, type TreeTally } from '../fullsync/excludes.js';
import { dryRunArgs, ExcludedDeletions } from '../fullsync/deletions.js';
import { protectRules } from '../fullsync/protect-rules.js';
import { unsafeRootReason } from '../fullsync/safety.js';
import type { PathFilter } from '../watch/filter.js';
import { isUnder, isUtf8, toText, type BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { lstatUnder } from '../shared/under-root.js';
import type { MoveHints } from './move-hints.js';
import type { RsyncSlots } from './slots.js';
import { fileList, resolveBatch, type SlotRule } from './resolve.js';
import { attrIncludes, planBatch, renameCandidates, type PlannedRun } from './batch-plan.js';
import { parseProgress, type TransferProgress } from '../rsync/progress.js';
import { BackedUpCount } from '../rsync/backed-up.js';
import { backupDirNow } from '../rsync/bucket-clock.js';

export interface TransferDeps {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly config: SersyncConfig;
  readonly filter: PathFilter;
  /** Globs that --delete must never remove remotely (from `<filter>`, see fullsync/protect-rules.ts). */
  readonly protect: readonly string[];
  readonly runner: RsyncRunner;
  /** Caps rsync processes across all lanes (`-n`). */
  readonly limiter: RsyncSlots;
  /** Where short-lived exclude files go. */
  readonly tmpDir: string;
  readonly clock: Clock;
  /** Directories moved within this root (shared by its lanes); none when absent. */
  readonly moves?: MoveHints;
  /** Over ssh: the agent's master connection to this remote's host (rsync/ssh-master.ts). */
  readonly ssh?: SshControl;
  /** The mass-deletion brake holds this root's deletions: runs delete nothing (daemon/deletion-brake.ts). */
  readonly deletesHeld?: () => boolean;
}

/** A debug line shows at most this many of a batch's paths. */
const DEBUG_PATHS = 200;
/** A batch seeds at most this many moved directories (each is one more rsync process). */
const MAX_SEEDS_PER_BATCH = 8;
/** A new file whose ctime is this much later than its mtime was renamed or moved in (see renamed()). */
const RENAMED_GAP_MS = 100;
/** Names rsync's daemon would glob-expand or a remote shell might split: sent the plain way. */
const UNSEEDABLE = /[*?[\\\n\r]/;

/** What one batch or full sync did. `refused`: a full sync the safety check stopped. */
export type TransferOutcome =
  | {
      readonly kind: 'ran';
      readonly result: RsyncResult;
      readonly paths: number;
      readonly rsyncRuns: number;
      readonly large?: readonly PendingEntry[];
    }
  | { readonly kind: 'nothing'; readonly large?: readonly PendingEntry[] }
  | { readonly kind: 'refused'; readonly reason: string };

/** `<crontab><crontabfilter>` words: --exclude globs of every full sync. */
function crontabExcludes(config: SersyncConfig): readonly string[] {
  return config.crontab.filterEnabled ? config.crontab.filterExcludes : [];
}

/** A lane's batch argv (protect rules included), without the per-batch exclude file. Pure. */
export function laneBatchArgv(
  config: SersyncConfig,
  remote: Remote,
  protect: readonly string[],
  versions: { backupDir?: string } = {},
): string[] {
  return buildBatchArgs(config.rsync, remote, { deleteEnabled: config.inotify.delete, protect, ...versions });
}

/** A lane's full-sync argv (protect rules and <crontabfilter> excludes), without the exclude file. Pure. */
export function laneFullSyncArgv(
  config: SersyncConfig,
  remote: Remote,
  protect: readonly string[],
  versions: { backupDir?: string } = {},
): string[] {
  return buildFullSyncArgs(config.rsync, remote, {
    deleteEnabled: config.inotify.delete,
    protect,
    globExcludes: crontabExcludes(config),
    ...versions,
  });
}

/** A lane's comparison argv (`sersync-ts verify`: the full sync's, as a dry run by checksum), without the exclude file. Pure. */
function laneCompareArgv(
  config: SersyncConfig,
  remote: Remote,
  protect: readonly string[],
  excludeFrom?: string,
  ssh?: SshControl,
): string[] {
  return buildFullSyncArgs(config.rsync, remote, {
    deleteEnabled: config.inotify.delete,
    protect,
    globExcludes: crontabExcludes(config),
    compare: true,
    ...(excludeFrom ? { excludeFrom } : {}),
    ...(ssh ? { ssh } : {}),
  });
}

/** Where a comparison's output and facts go (see Transfer.compare). */
export interface CompareSinks {
  /** rsync's stdout as it comes: itemized lines, progress2, --stats. */
  readonly onStdout: (text: string) => void;
  /** What the local walk counted, before rsync starts. */
  readonly onTree?: (tally: TreeTally) => void;
  readonly onSpawn?: (pid: number) => void;
}

/** Turns a batch into rsync runs for one (root, remote): the disk is read here, just before sending. */
export class Transfer {
  private seq = 0;
  /** Some `<filter>` regex has no protect glob, so deleting runs look for remote-only matches first. */
  private readonly dryRunFirst: boolean;

  constructor(
    private readonly deps: TransferDeps,
    private readonly log: Logger,
  ) {
    const { filter, inotify } = deps.config;
    this.dryRunFirst = filter.enabled && inotify.delete && protectRules(filter.excludes).untranslated.length > 0;
  }

  /** The argv a batch of paths is sent with (also written into the fail log). */
  batchArgv(): string[] {
    return laneBatchArgv(this.deps.config, this.deps.remote, this.deps.protect, this.versionsOption());
  }

  fullSyncArgv(): string[] {
    return laneFullSyncArgv(this.deps.config, this.deps.remote, this.deps.protect, this.versionsOption());
  }

  /**
   * Sends a batch: in one rsync run in the common case (lane/batch-plan.ts says when and why it
   * takes two). The files `rule` leaves to the lane's large-file slot (big ones, ones still being
   * written) are not sent: they come back in the outcome's `large`.
   */
  async send(
    entries: readonly PendingEntry[],
    rule?: SlotRule,
    signal?: AbortSignal,
    deletionsFirst = false,
  ): Promise<TransferOutcome> {
    const { remote, config, protect } = this.deps;
    const resolved = resolveBatch(this.deps.root.path, entries, rule);
    const large = resolved.large.length > 0 ? { large: resolved.large } : {};
    const deleteEnabled = config.inotify.delete && this.deps.deletesHeld?.() !== true;
    const plan = planBatch(resolved, {
      deletes: deleteEnabled,
      attrsInSession: !hasUserFilters(config.rsync.commonParams),
      moved: await this.renamed(renameCandidates(resolved, deleteEnabled)),
      deletionsFirst,
    });
    const missing = new Set(resolved.missing);
    const ssh = { ...this.sshOption(), ...this.versionsOption() };
    let last: RsyncResult | null = null;
    let runs = 0;
    let bytes: number | null = null;
    let durationMs = 0;
    let versioned = 0;
    const sent = (r: RsyncResult): RsyncResult => {
      runs++;
      durationMs += r.durationMs;
      if (r.bytesSent !== null) bytes = (bytes ?? 0) + r.bytesSent;
      versioned += r.versioned ?? 0;
      last = r;
      return r;
    };
    const outcome = (r: RsyncResult): TransferOutcome => ({
      kind: 'ran',
      result: { ...r, bytesSent: bytes, durationMs, ...(this.deps.config.rsync.versions ? { versioned } : {}) },
      paths: resolved.recursive.length + resolved.dirsOnly.length,
      rsyncRuns: runs,
      ...large,
    });
    // Separate runs, for bytes only: each moved directory is seeded from its old place first.
    await this.seedMovedDirs(resolved.directories, missing, sent, signal);
    for (const run of plan.runs) {
      const r = await this.runPlanned(run, deleteEnabled, protect, sent, signal);
      if (!succeeded(r)) return outcome(r);
    }
    // Only when commonParams has filter options of its own (see hasUserFilters): as before.
    if (plan.dirsOnlyRun.length > 0)
      sent(
        await this.run(
          buildBatchArgs(config.rsync, remote, { deleteEnabled, dirsOnly: true, ...ssh }),
          plan.dirsOnlyRun,
          { signal },
        ),
      );
    if (plan.rootOnlyRun && (last === null || succeeded(last)))
      sent(
        await this.run(buildBatchArgs(config.rsync, remote, { deleteEnabled, rootOnly: true, ...ssh }), ['.'], {
          signal,
        }),
      );
    return last ? outcome(last) : { kind: 'nothing', ...large };
  }

  /** One planned run, with its `<filter>` excludes, attribute rules and (when needed) a dry run first. */
  private async runPlanned(
    run: PlannedRun,
    deleteEnabled: boolean,
    protect: readonly string[],
    sent: (r: RsyncResult) => RsyncResult,
    signal?: AbortSignal,
  ): Promise<RsyncResult> {
    const { root, remote, config } = this.deps;
    const dirs = run.directories;
    const excluded =
      config.filter.enabled && dirs.length > 0 ? await findExcluded(root.path, dirs, this.deps.filter) : [];
    const rules = attrOnlyRules(run.attrDirs, attrIncludes(run.attrDirs, run.paths));
    const attrRules = rulesAsArgv(rules);
    return this.withTempFile(
      rules.length > 0 && attrRules === null ? rulesFile(rules) : null,
      async (attrRulesFrom) => {
        const ssh = { ...this.sshOption(), ...this.versionsOption() };
        const attr = attrRulesFrom ? { attrRulesFrom } : rules.length > 0 && attrRules ? { attrRules } : {};
        const argv = (excludeFrom: string | null): string[] =>
          buildBatchArgs(config.rsync, remote, {
            deleteEnabled,
            protect,
            fuzzy: run.fuzzy,
            ...(excludeFrom ? { excludeFrom } : {}),
            ...attr,
            ...ssh,
          });
        // A directory sent recursively deletes what the remote has and it does not.
        const protectedToo =
          dirs.length > 0 && this.dryRunFirst
            ? await this.remoteExcluded(excluded, argv, run.paths, signal)
            : { paths: [] };
        if ('failed' in protectedToo) return sent(protectedToo.failed);
        if (protectedToo.ran) sent(protectedToo.ran);
        return sent(
          await this.withExcludeFile([...excluded, ...protectedToo.paths], (excludeFrom) =>
            this.run(argv(excludeFrom), run.paths, { signal }),
          ),
        );
      },
    );
  }

  /**
   * Which of these new files were renamed or moved in rather than written: `mv` keeps the mtime
   * and bumps the ctime, a write sets both. A gap of RENAMED_GAP_MS keeps the usual atomic save
   * (write a temp file, rename it over the old one within milliseconds) a one-run batch. One
   * renamed file decides the plan, so the search stops at the first.
   */
  private async renamed(candidates: readonly BytePath[]): Promise<Set<BytePath>> {
    for (const p of candidates) {
      const st = await lstatUnder(this.deps.root.path, p);
      if (st?.isFile() && st.ctimeMs - st.mtimeMs >= RENAMED_GAP_MS) return new Set([p]);
    }
    return new Set();
  }

  /** The master connection for this remote's host, as buildXArgs options (none without ssh). */
  private sshOption(): { ssh?: SshControl } {
    return this.deps.ssh ? { ssh: this.deps.ssh } : {};
  }

  /** With `<versions>`: the bucket this run backs up into, by the bucket clock (versions/clock.ts). */
  private versionsOption(): { backupDir?: string } {
    return backupDirNow(this.deps.config.rsync.versions, this.deps.clock);
  }

  /**
   * Directories that were moved within the root and whose old place is gone locally: send each
   * on its own first, with the receiver copying unchanged files from the old place (which the
   * batch deletes right after). A seed that fails changes nothing: the batch sends it all anyway.
   */
  private async seedMovedDirs(
    directories: readonly BytePath[],
    missing: ReadonlySet<BytePath>,
    sent: (r: RsyncResult) => RsyncResult,
    signal?: AbortSignal,
  ): Promise<void> {
    const { root, remote, config, moves } = this.deps;
    // A seed could replace a file at the new place that no backup then keeps: with <versions>, none.
    if (!moves || moves.size === 0 || config.rsync.versions) return;
    const now = this.deps.clock.now();
    let seeds = 0;
    for (const dir of directories) {
      const from = moves.from(dir, now);
      if (from === undefined || seeds >= MAX_SEEDS_PER_BATCH) continue;
      if (!missing.has(from) && (await lstatUnder(root.path, from)) !== null) continue; // copied, not moved
      if (![dir, from].every((p) => isUtf8(p) && !UNSEEDABLE.test(p))) continue;
      const text = toText(dir);
      // --copy-dest is relative to the destination directory: climb out of `dir` to the root.
      const copyDest = `${'../'.repeat(dir.split('/').length)}${toText(from)}`;
      const excluded = config.filter.enabled
        ? (await findExcluded(root.path, [dir], this.deps.filter))
            .filter((p) => isUnder(p, dir))
            .map((p) => p.slice(dir.length + 1))
        : [];
      seeds++;
      const r = await this.withExcludeFile(excluded, (excludeFrom) =>
        this.run(
          buildSeedArgs(config.rsync, remote, {
            dir: text,
            copyDest,
            ...(excludeFrom ? { excludeFrom } : {}),
            ...this.sshOption(),
          }),
          null,
          { cwd: path.join(root.path, text), signal },
        ),
      );
      sent(r);
      if (!succeeded(r))
        this.log.debug(
          `seeding moved ${text} from ${toText(from)} failed (exit ${r.exitCode}); the batch sends it in full`,
        );
    }
  }

  async fullSync(onProgress?: (p: TransferProgress) => void, signal?: AbortSignal): Promise<TransferOutcome> {
    const { root, remote, config, protect } = this.deps;
    const deleteEnabled = config.inotify.delete && this.deps.deletesHeld?.() !== true;
    if (deleteEnabled) {
      const unsafe = await unsafeRootReason(root.path);
      if (unsafe) return { kind: 'refused', reason: unsafe };
    }
    const excluded = config.filter.enabled ? await findExcluded(root.path, [''], this.deps.filter) : [];
    this.log.info(
      `full sync of ${root.path} -> ${remote.label} starting${excluded.length ? ` (${excluded.length} paths excluded by <filter>)` : ''}`,
    );
    const argv = (excludeFrom: string | null): string[] =>
      buildFullSyncArgs(config.rsync, remote, {
        deleteEnabled,
        protect,
        globExcludes: this.globExcludes(),
        ...(excludeFrom ? { excludeFrom } : {}),
        ...this.sshOption(),
        ...this.versionsOption(),
      });
    const protectedToo = this.dryRunFirst ? await this.remoteExcluded(excluded, argv, null, signal) : { paths: [] };
    if ('failed' in protectedToo) return { kind: 'ran', result: protectedToo.failed, paths: 0, rsyncRuns: 1 };
    const result = await this.withExcludeFile([...excluded, ...protectedToo.paths], (excludeFrom) =>
      this.run(argv(excludeFrom), null, { ...(onProgress ? { onProgress } : {}), signal }),
    );
    return { kind: 'ran', result, paths: 0, rsyncRuns: protectedToo.ran ? 2 : 1 };
  }

  /**
   * `sersync-ts verify`: the full sync's rules (protect globs, the `<filter>` excludes a walk
   * finds, `<crontabfilter>`) as one dry run by checksum. No dry run first for remote-only
   * excluded paths: this is a dry run, and its reader drops those `*deleting` lines itself. The
   * same empty-root refusal as a deleting full sync: an unmounted root would read as "everything
   * on the remote is extra", and a repair would delete it.
   */
  async compare(sinks: CompareSinks, signal?: AbortSignal): Promise<TransferOutcome> {
    const { root, remote, config, protect } = this.deps;
    if (config.inotify.delete) {
      const unsafe = await unsafeRootReason(root.path);
      if (unsafe) return { kind: 'refused', reason: unsafe };
    }
    const tally: TreeTally = { entries: 1, bytes: 0 }; // rsync counts the root "." too
    const excluded = await findExcluded(root.path, [''], this.deps.filter, tally);
    sinks.onTree?.(tally);
    const result = await this.withExcludeFile(excluded, (excludeFrom) =>
      this.run(laneCompareArgv(config, remote, protect, excludeFrom ?? undefined, this.deps.ssh), null, {
        onStdout: sinks.onStdout,
        ...(sinks.onSpawn ? { onSpawn: sinks.onSpawn } : {}),
        signal,
      }),
    );
    return { kind: 'ran', result, paths: 0, rsyncRuns: 1 };
  }

  /**
   * Remote-only paths that `<filter>` excludes and that the deleting run `argv` would delete: a
   * dry run of the same argv lists its deletions (fullsync/deletions.ts). A dry run that fails
   * is returned instead: the real run would fail the same way, and must not run unprotected.
   */
  private async remoteExcluded(
    excluded: readonly BytePath[],
    argv: (excludeFrom: string | null) => string[],
    paths: readonly BytePath[] | null,
    signal?: AbortSignal,
  ): Promise<{ readonly paths: BytePath[]; readonly ran?: RsyncResult } | { readonly failed: RsyncResult }> {
    const seen = new ExcludedDeletions(this.deps.filter);
    const cwd = this.deps.root.path;
    const r = await this.withExcludeFile(excluded, (excludeFrom) => {
      const dry = dryRunArgs(argv(excludeFrom));
      this.log.debug(
        () =>
          `dry run for remote-only excluded paths: ${toText(resendCommand(cwd, dry, paths ? paths.slice(0, DEBUG_PATHS) : null))}`,
      );
      const input = paths ? fileList(paths) : undefined;
      return this.deps.limiter.run(() =>
        this.deps.runner.run({
          args: dry,
          cwd,
          ...(input ? { input } : {}),
          onStdout: (t) => seen.push(t),
          ...(signal ? { signal } : {}),
        }),
      );
    });
    if (!succeeded(r)) return { failed: r };
    const found = seen.end();
    if (found.length > 0)
      this.log.info(
        `${this.deps.root.path} -> ${this.deps.remote.label}: ${found.length} remote-only path(s) matched by <filter> are kept from --delete`,
      );
    return { paths: found, ran: r };
  }

  private globExcludes(): readonly string[] {
    return crontabExcludes(this.deps.config);
  }

  private async withExcludeFile<T>(paths: readonly BytePath[], fn: (file: string | null) => Promise<T>): Promise<T> {
    if (paths.length > 0)
      this.log.debug(
        () =>
          `the next exclude file excludes ${paths.length} path(s): ${paths
            .slice(0, DEBUG_PATHS)
            .map((p) => JSON.stringify(toText(p)))
            .join(' ')}`,
      );
    return this.withTempFile(paths.length > 0 ? excludeFileContent(paths) : null, fn);
  }

  /** A short-lived file (mode 600, a fresh name) holding `content`, or none for null. */
  private async withTempFile<T>(content: Buffer | null, fn: (file: string | null) => Promise<T>): Promise<T> {
    if (content === null) return fn(null);
    const file = path.join(
      this.deps.tmpDir,
      `sersync-ts-rules-${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2)}`,
    );
    await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' });
    try {
      return await fn(file);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private async run(
    args: string[],
    paths: readonly BytePath[] | null,
    opts: {
      readonly onProgress?: (p: TransferProgress) => void;
      readonly onStdout?: (text: string) => void;
      readonly onSpawn?: (pid: number) => void;
      readonly cwd?: string;
      readonly signal?: AbortSignal | undefined;
    } = {},
  ): Promise<RsyncResult> {
    const { onProgress, cwd = this.deps.root.path, signal, onSpawn } = opts;
    // Copy-pasteable: the same command the fail log would hold (every value single-quoted).
    this.log.debug(
      () =>
        `${toText(resendCommand(cwd, args, paths ? paths.slice(0, DEBUG_PATHS) : null))}${paths && paths.length > DEBUG_PATHS ? `  # the first ${DEBUG_PATHS} of ${paths.length} paths` : ''}`,
    );
    const input = paths ? fileList(paths) : undefined;
    const backedUp = args.includes('--backup') ? new BackedUpCount() : null;
    const onStdout = (text: string): void => {
      backedUp?.push(text);
      const p = onProgress ? parseProgress(text) : null;
      if (p) onProgress!(p);
      opts.onStdout?.(text);
    };
    const r = await this.deps.limiter.run(() =>
      this.deps.runner.run({
        args,
        cwd,
        ...(input ? { input } : {}),
        onStdout,
        ...(onSpawn ? { onSpawn } : {}),
        ...(signal ? { signal } : {}),
      }),
    );
    return backedUp ? { ...r, versioned: backedUp.end() } : r;
  }
}

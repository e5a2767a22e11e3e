/*
 * Batches and full syncs of one (root, remote) become rsync runs here, in three steps: look at
 * the disk just before sending (what exists now is sent, what is gone is deleted), plan the runs
 * (lane/plan-transfer.ts, pure), and perform them (lane/run-rsync.ts).
 */
import type { Stats } from 'node:fs';
import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import type { SshControl } from '../rsync/ssh-command.js';
import { succeeded } from '../rsync/exit-codes.js';
import { rejectsMissingArgs, refusesOption } from '../rsync/refusals.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import type { TransferProgress } from '../rsync/progress.js';
import { backupDirNow } from '../rsync/bucket-clock.js';
import { unsafeRootReason } from '../delete-safety/safety.js';
import type { PathFilter } from '../watch/filter.js';
import { toText, type BytePath } from '../shared/bytepath.js';
import { lstatAllUnder, readDirUnderSync, type DirNames } from '../shared/lstat-under.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MoveHints } from './move-hints.js';
import type { RsyncSlots } from './slots.js';
import { statBatch, type ResolvedBatch, type SlotRule } from './stat-batch.js';
import { renameCandidates } from './batch-plan.js';
import { changeFoldReads, changesFoldable } from './fold-changes.js';
import { deletionFoldReads, deletionsFoldable } from './fold-deletions.js';
import { laneBatchArgv, laneFullSyncArgv } from './lane-argv.js';
import {
  planFullSync,
  planTransfer,
  type BatchFacts,
  type LanePlan,
  type MovedDir,
  type RsyncRun,
} from './plan-transfer.js';
import { batchResult, RsyncExecutor } from './run-rsync.js';
import { missingArgsLine } from './missing-args.js';
import type { SharedLook } from './shared-look.js';
import { nextTurn } from '../shared/one-shot.js';

export interface TransferDeps {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly config: SersyncConfig;
  readonly filter: PathFilter;
  /** Globs that --delete must never remove remotely (from `<filter>`, see delete-safety/protect-rules.ts). */
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
  /** Shared by the lanes of this root: one look for a batch they all send at once (lane/shared-look.ts). */
  readonly sharedLook?: SharedLook<DiskFacts>;
}

/** What a look at the disk found for a batch: the planner's facts but the lane's own versions bucket. */
export type DiskFacts = Omit<BatchFacts, 'backupDir'>;

/** A new file whose ctime is this much later than its mtime was renamed or moved in (see renamed()). */
const RENAMED_GAP_MS = 100;

/** Directories a fold's look reads per turn of the event loop (each at most a batch's files). */
const LISTING_CHUNK = 64;

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

/** Turns a batch into rsync runs for one (root, remote): the disk is read here, just before sending. */
export class Transfer {
  private readonly exec: RsyncExecutor;
  private lane: LanePlan;

  constructor(
    private readonly deps: TransferDeps,
    private readonly log: Logger,
  ) {
    this.exec = new RsyncExecutor(
      {
        rootPath: deps.root.path,
        remoteLabel: deps.remote.label,
        filter: deps.filter,
        runner: deps.runner,
        limiter: deps.limiter,
        tmpDir: deps.tmpDir,
      },
      log,
    );
    this.lane = {
      rootPath: deps.root.path,
      remote: deps.remote,
      config: deps.config,
      protect: deps.protect,
      ...(deps.ssh ? { ssh: deps.ssh } : {}),
    };
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
   * written) are not sent: they come back in the outcome's `large`. `absorb`: after the look, the
   * batch with what arrived meanwhile, to look at and send instead (lane/work.ts absorbPending).
   */
  async send(
    entries: readonly PendingEntry[],
    rule?: SlotRule,
    signal?: AbortSignal,
    deletionsFirst = false,
    absorb?: () => SyncBatch | null,
  ): Promise<TransferOutcome> {
    let facts = await this.lookOnce(entries, rule, deletionsFirst);
    const merged = absorb?.();
    if (merged) {
      this.log.debug(
        () => `${entries.length} paths: what came during the look joins them (${merged.entries.length} paths)`,
      );
      facts = await this.lookOnce(merged.entries, rule, deletionsFirst);
    }
    const { resolved } = facts;
    const large = resolved.large.length > 0 ? { large: resolved.large } : {};
    let all = await this.perform(planTransfer(facts, this.lane), signal);
    if (!this.lane.missingArgsRejected && all.some((r) => rejectsMissingArgs(r))) {
      // Learned once per lane, and this batch sent again the other way (the failed run sent
      // nothing); its seeds, if any, have run already.
      this.lane = { ...this.lane, missingArgsRejected: true };
      this.log.warn(missingArgsLine(this.deps.remote.label));
      const again = planTransfer(facts, this.lane).filter((r) => r.role !== 'seed');
      all = [...all, ...(await this.perform(again, signal))];
    }
    if (all.length === 0) return { kind: 'nothing', ...large };
    return {
      kind: 'ran',
      result: batchResult(all, Boolean(this.deps.config.rsync.versions)),
      paths: resolved.recursive.length + resolved.dirsOnly.length,
      rsyncRuns: all.length,
      ...large,
    };
  }

  /** The runs in order, until one that must succeed fails: the results of every process started. */
  private async perform(runs: readonly RsyncRun[], signal?: AbortSignal): Promise<RsyncResult[]> {
    const all: RsyncResult[] = [];
    for (const run of runs) {
      const results = await this.exec.execute(run, { signal });
      all.push(...results);
      const r = results[results.length - 1]!;
      if (succeeded(r)) continue;
      if (run.mustSucceed) break;
      if (run.seed && !this.lane.linkRefused && refusesOption(r.stderr, '--link-dest')) {
        // Said once: a receiver with `refuse options = link-dest` (its words: "configured to refuse --link-dest").
        this.lane = { ...this.lane, linkRefused: true };
        this.log.info(
          `${this.deps.remote.label} refuses --link-dest: moved directories are seeded with --copy-dest from now on (this one is sent in full)`,
        );
      } else if (run.seed)
        this.log.debug(
          `seeding moved ${toText(run.seed.dir)} from ${toText(run.seed.from)} failed (exit ${r.exitCode}); the batch sends it in full`,
        );
    }
    return all;
  }

  /** look(), or the look another lane of this root has in flight for the same batch. */
  private async lookOnce(
    entries: readonly PendingEntry[],
    rule: SlotRule | undefined,
    deletionsFirst: boolean,
  ): Promise<BatchFacts> {
    const read = (): Promise<DiskFacts> => this.look(entries, rule, deletionsFirst);
    const shared = this.deps.sharedLook;
    if (!shared) return { ...(await read()), ...this.versionsOption() };
    const { look, joined } = shared.look(entries, `${rule ? 'main' : 'large'} ${deletionsFirst}`, read);
    if (joined)
      this.log.debug(() => `${entries.length} paths: the look another lane of this root has in flight is shared`);
    return { ...(await look), ...this.versionsOption() };
  }

  /** What the disk says about a batch just before it ships: the planner's facts. */
  private async look(
    entries: readonly PendingEntry[],
    rule: SlotRule | undefined,
    deletionsFirst: boolean,
  ): Promise<DiskFacts> {
    const resolved = await statBatch(this.deps.root.path, entries, rule);
    const deletesHeld = this.deps.deletesHeld?.() === true;
    const deletes = this.deps.config.inotify.delete && !deletesHeld;
    return {
      resolved,
      renamed: await this.renamed(renameCandidates(resolved, deletes)),
      moves: await this.movedDirs(resolved),
      deletesHeld,
      deletionsFirst,
      listings: await this.listings([
        // A deletion fold takes a directory holding fewer entries than its missing children (and
        // FOLD_MAX_KEEP at most); a change fold one holding no more than the batch's files there.
        ...(deletionsFoldable(this.deps.config, deletes, deletionsFirst) ? deletionFoldReads(resolved) : []),
        ...(changesFoldable(this.deps.config) ? changeFoldReads(resolved) : []),
      ]),
    };
  }

  /**
   * The entries of directories whose deletions or changes may fold into one recursion
   * (lane/fold-deletions.ts, fold-changes.ts), each read no further than `max` entries, a turn of
   * the event loop between every LISTING_CHUNK of them.
   */
  private async listings(reads: Iterable<readonly [BytePath, number]>): Promise<Map<BytePath, DirNames | null>> {
    const out = new Map<BytePath, DirNames | null>();
    for (const [dir, max] of reads) {
      if (out.size > 0 && out.size % LISTING_CHUNK === 0) await nextTurn();
      out.set(dir, readDirUnderSync(this.deps.root.path, dir, max));
    }
    return out;
  }

  /**
   * Which of these new files were renamed or moved in rather than written: `mv` keeps the mtime
   * and bumps the ctime, a write sets both. A gap of RENAMED_GAP_MS keeps the usual atomic save
   * (write a temp file, rename it over the old one within milliseconds) a one-run batch. One
   * renamed file decides the plan, so the search stops at the first.
   */
  private async renamed(candidates: readonly BytePath[]): Promise<Set<BytePath>> {
    const stats = new Map<BytePath, Stats | null>();
    await lstatAllUnder(this.deps.root.path, candidates, stats);
    for (const [p, st] of stats) if (st?.isFile() && st.ctimeMs - st.mtimeMs >= RENAMED_GAP_MS) return new Set([p]);
    return new Set();
  }

  /** Directories of the batch moved within the root whose old place is gone locally (not copied). */
  private async movedDirs(resolved: ResolvedBatch): Promise<MovedDir[]> {
    const { moves, config, clock, root } = this.deps;
    if (!moves || moves.size === 0 || config.rsync.versions) return [];
    const now = clock.now();
    const missing = new Set(resolved.missing);
    const moved: MovedDir[] = [];
    for (const dir of resolved.directories) {
      const from = moves.from(dir, now);
      if (from !== undefined) moved.push({ dir, from });
    }
    const stats = new Map<BytePath, Stats | null>();
    await lstatAllUnder(
      root.path,
      moved.map((m) => m.from).filter((f) => !missing.has(f)),
      stats,
    );
    return moved.filter((m) => missing.has(m.from) || stats.get(m.from) === null);
  }

  /** With `<versions>`: the bucket this run backs up into, by the bucket clock (rsync/bucket-clock.ts). */
  private versionsOption(): { backupDir?: string } {
    return backupDirNow(this.deps.config.rsync.versions, this.deps.clock);
  }

  async fullSync(onProgress?: (p: TransferProgress) => void, signal?: AbortSignal): Promise<TransferOutcome> {
    const { root, remote, config } = this.deps;
    const deletesHeld = this.deps.deletesHeld?.() === true;
    if (config.inotify.delete && !deletesHeld) {
      const unsafe = await unsafeRootReason(root.path);
      if (unsafe) return { kind: 'refused', reason: unsafe };
    }
    const run = planFullSync(this.lane, deletesHeld, this.versionsOption().backupDir);
    const results = await this.exec.execute(run, {
      signal,
      ...(onProgress ? { onProgress } : {}),
      afterWalk: (excluded) =>
        this.log.info(
          `full sync of ${root.path} -> ${remote.label} starting${excluded.length ? ` (${excluded.length} paths excluded by <filter>)` : ''}`,
        ),
    });
    return { kind: 'ran', result: results[results.length - 1]!, paths: 0, rsyncRuns: results.length };
  }
}

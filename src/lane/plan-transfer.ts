/*
 * Plan, then do: what rsync runs a batch or a full sync of one lane takes, decided from what the
 * disk said (lane/stat-batch.ts and Transfer's look) without touching anything. Pure; the
 * executor (lane/run-rsync.ts) writes the temp files, walks for `<filter>` excludes and runs.
 * Every case architecture.md §2 describes is a row of test/unit/plan-transfer.test.ts.
 */
import path from 'node:path';
import type { Remote, SersyncConfig } from '../config/types.js';
import type { BatchArgsOptions } from '../rsync/args.js';
import { buildBatchArgs, buildFullSyncArgs, buildSeedArgs, hasUserFilters } from '../rsync/args.js';
import { keepsBackups, writesInPlace } from '../rsync/option-words.js';
import { crontabExcludes } from './lane-argv.js';
import { attrOnlyRules, keepBelowRules, keepRules, rulesAsArgv, rulesFile } from '../rsync/filter-rules.js';
import type { SshControl } from '../rsync/ssh-command.js';
import { protectRules } from '../delete-safety/protect-rules.js';
import { isUtf8, toText, type BytePath } from '../shared/bytepath.js';
import { attrIncludes, planBatch, ROOT, type PlannedRun } from './batch-plan.js';
import type { DirNames } from '../shared/lstat-under.js';
import { changesFoldable, foldChanges } from './fold-changes.js';
import { deletionsFoldable, foldDeletions } from './fold-deletions.js';
import type { ResolvedBatch } from './stat-batch.js';

/** The names of a run's temp files while it runs (null: none written, its words are left out). */
interface RunFiles {
  /** `--exclude-from` (NUL-separated anchored rules): the walk's `<filter>` excludes, the dry run's finds. */
  readonly excludeFrom: string | null;
  /** `--filter=merge`: attribute rules that cannot be argv words. */
  readonly rulesFrom: string | null;
}

/** A moved directory whose old place is gone locally: the receiver may copy from the old place. */
export interface MovedDir {
  readonly dir: BytePath;
  readonly from: BytePath;
}

/** One rsync process as planned. */
export interface RsyncRun {
  readonly role: 'seed' | 'send' | 'dirs-only' | 'root-only' | 'full-sync' | 'compare';
  /** The argv, given its temp files' names. */
  readonly argv: (files: RunFiles) => string[];
  /** The `--files-from=- --from0` list (NUL-separated on stdin); null: no list, the run names its source. */
  readonly stdin: readonly BytePath[] | null;
  /** Absolute: the root, or the moved directory of a seed. */
  readonly cwd: string;
  /**
   * What `<filter>` excludes under these directories (relative to the root) becomes the exclude
   * file: found by a walk just before the run. `relativeTo`: rules relative to that directory
   * (a seed's source is the directory itself). Null: no walk.
   */
  readonly excludes: { readonly under: readonly BytePath[]; readonly relativeTo?: BytePath } | null;
  /** The content of the `--filter=merge` file, or null. */
  readonly rulesFile: Buffer | null;
  /**
   * First the same argv as a dry run: the remote-only paths `<filter>` excludes that it would
   * delete join the exclude file (delete-safety/deletions.ts). A failed dry run is the run's result.
   */
  readonly dryRunFirst: boolean;
  /** A failure ends the batch; false for a seed (an optimisation: the batch sends it all anyway). */
  readonly mustSucceed: boolean;
  /** A seed's directory and where it came from (its log line). */
  readonly seed?: MovedDir;
}

/** What a lane plans with: fixed for its life. */
export interface LanePlan {
  readonly rootPath: string;
  readonly remote: Remote;
  readonly config: SersyncConfig;
  /** Globs --delete must never remove remotely (`<filter>`, delete-safety/protect-rules.ts). */
  readonly protect: readonly string[];
  readonly ssh?: SshControl;
  /** The receiver refused `--link-dest`: seeds copy (seedLinks). */
  readonly linkRefused?: boolean;
}

/** What the disk said about a batch just before it ships, and the moment's settings. */
export interface BatchFacts {
  readonly resolved: ResolvedBatch;
  /** Files among renameCandidates() that look renamed or moved in (ctime well after mtime). */
  readonly renamed: ReadonlySet<BytePath>;
  /** Directories among `resolved.directories` moved within the root, whose old place is gone. */
  readonly moves: readonly MovedDir[];
  /** The mass-deletion brake holds this root's deletions: the runs delete nothing. */
  readonly deletesHeld: boolean;
  /** The receiver was out of room: deletions first, in a run of their own (lane/batch-plan.ts). */
  readonly deletionsFirst: boolean;
  /** With `<versions>`: the bucket of this moment (rsync/bucket-clock.ts). */
  readonly backupDir?: string;
  /** The entries of the directories a fold may send (lane/fold-deletions.ts, fold-changes.ts), read just now; null: gone. */
  readonly listings: ReadonlyMap<BytePath, DirNames | null>;
}

/** A batch seeds at most this many moved directories (each is one more rsync process). */
const MAX_SEEDS_PER_BATCH = 8;
/** Names rsync's daemon would glob-expand or a remote shell might split: sent the plain way. */
const UNSEEDABLE = /[*?[\\\n\r]/;

/** Some `<filter>` regex has no protect glob: deleting runs look for remote-only matches first. */
function remoteOnlyExcludesNeedDryRun(config: SersyncConfig): boolean {
  const { filter, inotify } = config;
  return filter.enabled && inotify.delete && protectRules(filter.excludes).untranslated.length > 0;
}

const excludeOption = (files: RunFiles): { excludeFrom?: string } =>
  files.excludeFrom ? { excludeFrom: files.excludeFrom } : {};

/**
 * A batch's runs, in order: the moved directories' seeds, the sending runs batch-plan.ts decides
 * (files, deletions and directory attributes in one session as a rule), then, only when
 * commonParams has filter options of its own, the attribute-only runs of old.
 */
export function planTransfer(facts: BatchFacts, lane: LanePlan): RsyncRun[] {
  const { config } = lane;
  const deleteEnabled = config.inotify.delete && !facts.deletesHeld;
  const deletionsFolded = deletionsFoldable(config, deleteEnabled, facts.deletionsFirst)
    ? foldDeletions(facts.resolved, facts.listings)
    : { resolved: facts.resolved, folded: [] };
  const { folded } = deletionsFolded;
  const { resolved, changed } = changesFoldable(config)
    ? foldChanges(deletionsFolded.resolved, facts.listings)
    : { resolved: deletionsFolded.resolved, changed: [] };
  const plan = planBatch(resolved, {
    deletes: deleteEnabled,
    attrsInSession: !hasUserFilters(config.rsync.commonParams),
    moved: facts.renamed,
    deletionsFirst: facts.deletionsFirst,
    folded: new Set(folded.map((f) => f.dir)),
    changed: new Set(changed),
  });
  const base: BatchArgsOptions = {
    deleteEnabled,
    ...(lane.ssh ? { ssh: lane.ssh } : {}),
    ...(facts.backupDir !== undefined ? { backupDir: facts.backupDir } : {}),
  };
  const dryRunFirst = remoteOnlyExcludesNeedDryRun(config);
  const seeds = seedRuns(facts.moves, lane, deleteEnabled);
  // What --delete must leave in the folded directories a run sends recursively.
  const keep = (recursed: ReadonlySet<BytePath>): BytePath[] => [
    ...keepRules(folded.filter((f) => recursed.has(f.dir)).flatMap((f) => f.keep)),
    ...keepBelowRules(changed.filter((d) => recursed.has(d))),
  ];
  // Directories the receiver mostly holds already: seeded just before, or sent for their deletions.
  const filled = new Set([...seeds.flatMap((s) => (s.seed ? [s.seed.dir] : [])), ...folded.map((f) => f.dir)]);
  return [
    ...seeds,
    ...plan.runs.map((run) => sendRun(run, lane, base, { dryRunFirst, keep, filled })),
    ...(plan.dirsOnlyRun.length > 0 ? [attrRun('dirs-only', plan.dirsOnlyRun, lane, { ...base, dirsOnly: true })] : []),
    ...(plan.rootOnlyRun ? [attrRun('root-only', [ROOT], lane, { ...base, rootOnly: true })] : []),
  ];
}

/**
 * One sending run: its paths on stdin, the `<filter>` walk below the directories it sends
 * recursively, its attribute rules and its folded directories' protect rules (words, or a file
 * when a name is not UTF-8 or they are many), by content when it sends a `filled` directory.
 * Every word about deleting is buildBatchArgs's ("--delete-delay when --fuzzy and --delete").
 */
function sendRun(
  run: PlannedRun,
  lane: LanePlan,
  base: BatchArgsOptions,
  {
    dryRunFirst,
    keep,
    filled,
  }: { dryRunFirst: boolean; keep: (recursed: ReadonlySet<BytePath>) => BytePath[]; filled: ReadonlySet<BytePath> },
): RsyncRun {
  const rules = [
    ...attrOnlyRules(run.attrDirs, attrIncludes(run.attrDirs, run.paths)),
    ...keep(new Set(run.directories)),
  ];
  const words = rules.length > 0 ? rulesAsArgv(rules) : [];
  const attr = (files: RunFiles): Partial<BatchArgsOptions> =>
    words === null
      ? files.rulesFrom
        ? { attrRulesFrom: files.rulesFrom }
        : {}
      : words.length > 0
        ? { attrRules: words }
        : {};
  const recursing = run.directories.length > 0;
  return {
    role: 'send',
    argv: (files) =>
      buildBatchArgs(lane.config.rsync, lane.remote, {
        ...base,
        protect: lane.protect,
        fuzzy: run.fuzzy,
        byContent: run.directories.some((d) => filled.has(d)),
        ...excludeOption(files),
        ...attr(files),
      }),
    stdin: run.paths,
    cwd: lane.rootPath,
    // A directory sent recursively carries the exclusions below it, and deletes what the remote
    // has and it does not: hence the walk, and the dry run when a regex has no protect glob.
    excludes: lane.config.filter.enabled && recursing ? { under: run.directories } : null,
    rulesFile: words === null ? rulesFile(rules) : null,
    dryRunFirst: recursing && dryRunFirst,
    mustSucceed: true,
  };
}

/** The separate attribute-only runs (`--dirs` of directories, or of the root alone). */
function attrRun(
  role: 'dirs-only' | 'root-only',
  paths: readonly BytePath[],
  lane: LanePlan,
  opts: BatchArgsOptions,
): RsyncRun {
  return {
    role,
    argv: () => buildBatchArgs(lane.config.rsync, lane.remote, opts),
    stdin: paths,
    cwd: lane.rootPath,
    excludes: null,
    rulesFile: null,
    dryRunFirst: false,
    mustSucceed: true,
  };
}

/**
 * Directories moved within the root and whose old place is gone locally: each is sent on its
 * own first, the receiver reusing unchanged files from the old place (which the batch deletes
 * right after). Not with `<versions>`: a seed could replace a file at the new place that no
 * backup then keeps. Not for a name rsync's daemon would glob or a remote shell could split.
 */
function seedRuns(moves: readonly MovedDir[], lane: LanePlan, deleteEnabled: boolean): RsyncRun[] {
  if (lane.config.rsync.versions) return [];
  const seedable = (p: BytePath): boolean => isUtf8(p) && !UNSEEDABLE.test(p);
  const link = seedLinks(lane, deleteEnabled);
  return moves
    .filter((m) => seedable(m.dir) && seedable(m.from))
    .slice(0, MAX_SEEDS_PER_BATCH)
    .map((m) => seedRun(m, lane, link));
}

/**
 * Whether a seed may hard-link from the old place (`--link-dest`: half the time of
 * `--copy-dest`'s copies, docs/BENCHMARKS.md round 11) rather than copy. A link is two names for
 * one file: rsync sets a file's mode, owner and times on the file itself when its content is
 * unchanged, and `--inplace`/`--append` write into it, so it is safe only while the old name
 * goes at once: the batch right after deletes it. So not when this batch deletes nothing
 * (deletions off or held by the brake), not when the receiver keeps what it deletes (`--backup`:
 * the old name lives on as a backup), not with in-place writes, and not once the receiver
 * refused `--link-dest` (lane/transfer.ts).
 */
function seedLinks(lane: LanePlan, deleteEnabled: boolean): boolean {
  const words = lane.config.rsync.commonParams;
  return deleteEnabled && !lane.linkRefused && !writesInPlace(words) && !keepsBackups(words);
}

function seedRun(move: MovedDir, lane: LanePlan, link: boolean): RsyncRun {
  const text = toText(move.dir);
  // The old place is relative to the destination directory: climb out of `dir` to the root.
  const oldPlace = `${'../'.repeat(move.dir.split('/').length)}${toText(move.from)}`;
  return {
    role: 'seed',
    argv: (files) =>
      buildSeedArgs(lane.config.rsync, lane.remote, {
        dir: text,
        oldPlace,
        link,
        ...excludeOption(files),
        ...(lane.ssh ? { ssh: lane.ssh } : {}),
      }),
    stdin: null,
    cwd: path.join(lane.rootPath, text),
    excludes: lane.config.filter.enabled ? { under: [move.dir], relativeTo: move.dir } : null,
    rulesFile: null,
    dryRunFirst: false,
    mustSucceed: false,
    seed: move,
  };
}

/** The whole root (`-r`, `<crontab>`, after lost events): one run, the dry run first when needed. */
export function planFullSync(lane: LanePlan, deletesHeld: boolean, backupDir?: string): RsyncRun {
  const { config } = lane;
  return {
    role: 'full-sync',
    argv: (files) =>
      buildFullSyncArgs(config.rsync, lane.remote, {
        deleteEnabled: config.inotify.delete && !deletesHeld,
        protect: lane.protect,
        globExcludes: crontabExcludes(config),
        ...excludeOption(files),
        ...(lane.ssh ? { ssh: lane.ssh } : {}),
        ...(backupDir !== undefined ? { backupDir } : {}),
      }),
    stdin: null,
    cwd: lane.rootPath,
    excludes: config.filter.enabled ? { under: [''] } : null,
    rulesFile: null,
    dryRunFirst: remoteOnlyExcludesNeedDryRun(config),
    mustSucceed: true,
  };
}

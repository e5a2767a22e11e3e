/*
 * Plan, then do: what rsync runs a batch or a full sync of one lane takes, decided from what the
 * disk said (lane/stat-batch.ts and Transfer's look) without touching anything. Pure; the
 * executor (lane/run-rsync.ts) writes the temp files, walks for `<filter>` excludes and runs.
 * Every case architecture.md §2 describes is a row of test/unit/plan-transfer.test.ts.
 */
import type { SersyncConfig } from '../config/types.js';
import type { BatchArgsOptions } from '../rsync/args.js';
import { buildBatchArgs, buildFullSyncArgs, hasUserFilters } from '../rsync/args.js';
import { crontabExcludes } from './lane-argv.js';
import { attrOnlyRules, keepBelowRules, keepRules, rulesAsArgv, rulesFile } from '../rsync/filter-rules.js';
import { protectRules } from '../delete-safety/protect-rules.js';
import type { BytePath } from '../shared/bytepath.js';
import { attrIncludes, planBatch, ROOT, type PlannedRun } from './batch-plan.js';
import { changesFoldable, foldChanges } from './fold-changes.js';
import { deletionsFoldable, foldDeletions } from './fold-deletions.js';
import { unlistMissing } from './missing-args.js';
import { seedRuns } from './seed-runs.js';
import type { BatchFacts, LanePlan, RsyncRun, RunFiles } from './run-plan.js';

export type { BatchFacts, LanePlan, MovedDir, RsyncRun } from './run-plan.js';

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
    ...unlistMissing(plan.runs, resolved.missing, lane).map((run) =>
      sendRun(run, lane, base, { dryRunFirst, keep, filled }),
    ),
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
    ...attrOnlyRules(run.attrDirs, attrIncludes(run.attrDirs, [...run.paths, ...(run.unlisted ?? [])])),
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

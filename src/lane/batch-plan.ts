import { ancestorsOf, parentOf, type BytePath } from '../shared/bytepath.js';
import type { ResolvedBatch } from './stat-batch.js';

/**
 * How a resolved batch becomes rsync runs. One run is the rule: files, deletions and directory
 * attributes (the root's included) share one rsync session. Measured with rsync 3.5.0 against a
 * daemon (architecture.md §2); each exception below is what correctness or the rename reuse
 * needs, and each has a test (test/unit/lane/batch-plan.test.ts, test/integration/agent/
 * runs-per-batch.test.ts, reuse.test.ts).
 *
 * - Directory attributes ride along: a directory listed for its own attributes only (the root
 *   after a top-level entry came or went, or a `dir-only` entry) is listed like the rest, with
 *   filter rules that include its listed children and exclude the others (`- /dir/*`): rsync
 *   then sends the directory's attributes and sets its mtime after the deletions in it, and the
 *   excluded children are neither sent nor deleted. Filters also apply to listed paths, which is
 *   why every listed child gets an exact include rule.
 * - `--fuzzy` and a deletion in the same directory never share a run. The generator deletes a
 *   missing path when it reaches it in sorted order: a new file sorted before it may already
 *   have picked it as the fuzzy basis, and the receiver then fails the whole run ("got a block
 *   match with no basis file", exit 2, measured); a new file sorted after it finds no basis.
 *   So such a batch runs without --fuzzy, unless it looks like a rename (a new file in that
 *   directory whose inode changed well after its content did: `mv` keeps the mtime and bumps
 *   the ctime): then the existing paths go first with --fuzzy and the deletions second, so the
 *   old names are still there to serve as basis (two runs, a fraction of the bytes).
 */
export interface PlannedRun {
  /** The paths on stdin (`.` is the root). */
  readonly paths: readonly BytePath[];
  /** Existing directories among `paths` sent recursively (their `<filter>` excludes, dry runs). */
  readonly directories: readonly BytePath[];
  /** Send with --fuzzy (false: make sure it is off, even when commonParams has -y). */
  readonly fuzzy: boolean;
  /** Directories among `paths` sent for their own attributes only (`.` is the root). */
  readonly attrDirs: readonly BytePath[];
  /** Missing paths deleted by their directory's recursion, not listed (lane/missing-args.ts). */
  readonly unlisted?: readonly BytePath[];
}

interface BatchPlan {
  readonly runs: readonly PlannedRun[];
  /**
   * Only when attributes cannot ride along (commonParams holds filter options of its own, which
   * would come first and could undo the rules): the old separate runs, `--dirs` for these...
   */
  readonly dirsOnlyRun: readonly BytePath[];
  /** ...and the root's attributes alone (`--dirs --exclude=/*` of `.`). */
  readonly rootOnlyRun: boolean;
}

export interface PlanOptions {
  /** Deletions are propagated (`<delete start="true">`): only then can they clash with --fuzzy. */
  readonly deletes: boolean;
  /** Attribute-only directories may join the run (no filter options in commonParams). */
  readonly attrsInSession: boolean;
  /** Files among renameCandidates() that look renamed or moved in (see the header). */
  readonly moved: ReadonlySet<BytePath>;
  /**
   * The receiver was out of room: the deletions go in a run of their own before anything is
   * written, so the space they free is there for the files (rsync deletes in sorted order,
   * interleaved with writing, otherwise).
   */
  readonly deletionsFirst?: boolean;
  /**
   * Directories of `resolved.directories` sent in place of their missing children
   * (lane/fold-deletions.ts): their deletions happen inside the recursion, so no --fuzzy; and a
   * top-level one is no sign that the root's entries changed.
   */
  readonly folded?: ReadonlySet<BytePath>;
  /**
   * Directories of `resolved.directories` sent in place of their changed files
   * (lane/fold-changes.ts): nothing is deleted in them, and a top-level one is no sign that the
   * root's entries changed either.
   */
  readonly changed?: ReadonlySet<BytePath>;
}

/** The root, as rsync lists it. */
export const ROOT = '.';

function parentsOfMissing(resolved: ResolvedBatch): Set<BytePath> {
  return new Set(resolved.missing.map(parentOf));
}

/**
 * Existing non-directories in a directory where the batch also deletes something: the only
 * files for which --fuzzy and a deletion can clash, and the only ones worth an lstat to see
 * whether they were renamed.
 */
export function renameCandidates(resolved: ResolvedBatch, deletes: boolean): BytePath[] {
  if (!deletes || resolved.missing.length === 0) return [];
  const missing = new Set(resolved.missing);
  const dirs = new Set(resolved.directories);
  const delParents = parentsOfMissing(resolved);
  return resolved.recursive.filter((p) => !missing.has(p) && !dirs.has(p) && delParents.has(parentOf(p)));
}

/** `p` is an existing directory sent recursively, or lies below one. */
export function coveredBy(p: BytePath, dirs: ReadonlySet<BytePath>): boolean {
  return dirs.has(p) || ancestorsOf(p).some((a) => dirs.has(a));
}

export function planBatch(resolved: ResolvedBatch, opts: PlanOptions): BatchPlan {
  const missing = new Set(resolved.missing);
  if (opts.deletionsFirst && missing.size > 0 && resolved.recursive.length + resolved.dirsOnly.length > missing.size) {
    const rest = planBatch(
      { ...resolved, missing: [], recursive: resolved.recursive.filter((p) => !missing.has(p)) },
      { ...opts, deletionsFirst: false },
    );
    return { ...rest, runs: [{ paths: resolved.missing, directories: [], fuzzy: false, attrDirs: [] }, ...rest.runs] };
  }
  const dirs = new Set(resolved.directories);
  const present = resolved.recursive.filter((p) => !missing.has(p));
  // -R carries every implied parent's attributes except the root's own.
  const rootChanged = resolved.recursive.some(
    (p) => !p.includes('/') && opts.folded?.has(p) !== true && opts.changed?.has(p) !== true,
  );
  if (!opts.attrsInSession) {
    const run = planRuns(resolved, present, dirs, opts, []);
    return { runs: run, dirsOnlyRun: resolved.dirsOnly, rootOnlyRun: rootChanged };
  }
  // A dir-only entry inside a directory sent recursively is carried by that recursion (and its
  // `- dir/*` rule would keep the recursion out of it: it must not be listed).
  const attrDirs = [...(rootChanged ? [ROOT] : []), ...resolved.dirsOnly.filter((d) => !coveredBy(d, dirs))];
  return { runs: planRuns(resolved, present, dirs, opts, attrDirs), dirsOnlyRun: [], rootOnlyRun: false };
}

function planRuns(
  resolved: ResolvedBatch,
  present: readonly BytePath[],
  dirs: ReadonlySet<BytePath>,
  opts: PlanOptions,
  attrDirs: readonly BytePath[],
): PlannedRun[] {
  const candidates = renameCandidates(resolved, opts.deletes);
  // A deletion below a directory sent recursively: that directory's new files could pick it too.
  const deepClash =
    opts.deletes && ((opts.folded?.size ?? 0) > 0 || resolved.missing.some((m) => coveredBy(parentOf(m), dirs)));
  const clash = candidates.length > 0 || deepClash;
  if (candidates.some((p) => opts.moved.has(p))) {
    return [
      { paths: present, directories: resolved.directories, fuzzy: true, attrDirs: [] },
      // Last, so the attributes are set after the deletions changed the directories' mtimes.
      { paths: [...attrDirs, ...resolved.missing], directories: [], fuzzy: false, attrDirs },
    ];
  }
  const paths = [...attrDirs, ...resolved.recursive];
  return paths.length === 0 ? [] : [{ paths, directories: resolved.directories, fuzzy: !clash, attrDirs }];
}

/**
 * The listed children of each attribute-only directory, which its `- dir/*` rule must not hide.
 * Pure: `paths` is the run's stdin list.
 */
export function attrIncludes(attrDirs: readonly BytePath[], paths: readonly BytePath[]): BytePath[] {
  if (attrDirs.length === 0) return [];
  const attr = new Set(attrDirs);
  return paths.filter((p) => p !== ROOT && attr.has(p.includes('/') ? parentOf(p) : ROOT));
}

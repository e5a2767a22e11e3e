/*
 * Deletions folded into their directory. A burst that deletes most of a directory's files would
 * list every missing name (`--delete-missing-args`), and rsync looks at each: 3,000 names took
 * 258–355 ms against 177–180 ms for the same deletions done by sending their 100 directories
 * recursively, `--delete` removing what the sender no longer has, receivers byte-identical
 * (docs/BENCHMARKS.md, issue #21 round 5). So a directory is sent recursively in place of its
 * missing children when that is cheaper and deletes nothing the batch did not see go:
 *  - FOLD_MIN_MISSING or more of its children are missing, and it now holds fewer entries than
 *    that, and at most FOLD_MAX_KEEP (the recursion compares what it holds by content:
 *    rsync/args.ts --checksum; each entry is one protect rule, see below);
 *  - it exists, is not the root and holds no subdirectory (the recursion stays one level deep);
 *  - no other entry of the batch lies in it (a new file there has rules of its own: --fuzzy,
 *    renames, the large-file slot), and no directory the batch sends recursively holds it;
 *  - what it holds at the look is protected from --delete (`P /dir/name`): a file removed
 *    between the look and rsync's read of the directory is deleted by a later batch, after the
 *    mass-deletion brake has counted it, as a listed name would be.
 * Beyond the missing names, the recursion deletes what any directory sent recursively (and any
 * full sync) deletes there: remote entries that this side no longer has, or never had.
 * Pure: the caller reads the candidates' entries (shared/lstat-under.ts readDirUnderSync), and folds
 * only when deletionsFoldable says so.
 */
import type { SersyncConfig } from '../config/types.js';
import { hasUserFilters } from '../rsync/args.js';
import { ancestorsOf, parentOf, type BytePath } from '../shared/bytepath.js';
import type { DirNames } from '../shared/lstat-under.js';
import type { ResolvedBatch } from './stat-batch.js';

/** Fewer missing children than this are listed by name: the saving is below a millisecond. */
export const FOLD_MIN_MISSING = 16;
/**
 * A directory that still holds more entries than this is listed by name too: rsync checks each
 * deletion against every protect rule, so thousands of kept names would cost it more than the
 * missing names do.
 */
export const FOLD_MAX_KEEP = 256;

/**
 * Deletions may fold: they are on, not held (`deletes`), not sent first on their own (a full
 * receiver), and commonParams has no filter rules of its own: those come first on the command
 * line and rsync's first matching rule wins, so a user `--include` would undo the keep rules.
 */
export function deletionsFoldable(config: SersyncConfig, deletes: boolean, deletionsFirst: boolean): boolean {
  return deletes && !deletionsFirst && !hasUserFilters(config.rsync.commonParams);
}

/** A directory sent recursively in place of its missing children. */
export interface FoldedDir {
  readonly dir: BytePath;
  /** What it held at the look (relative to the root): protected from this run's --delete. */
  readonly keep: readonly BytePath[];
}

interface FoldedBatch {
  readonly resolved: ResolvedBatch;
  readonly folded: readonly FoldedDir[];
}

/** The directories whose entries the look reads: those with enough missing children and nothing else of the batch. */
export function foldCandidates(resolved: ResolvedBatch): BytePath[] {
  return [...missingChildren(resolved).keys()];
}

/**
 * Each candidate with the most entries a fold of it can keep: fewer than its missing children,
 * and FOLD_MAX_KEEP at most. The look reads no more than that: a deploy's 100 directories of 300
 * entries, each with 100 removed files, were read to 257 entries each for no fold (issue 21,
 * round 29).
 */
export function deletionFoldReads(resolved: ResolvedBatch): Map<BytePath, number> {
  return new Map([...missingChildren(resolved)].map(([dir, n]) => [dir, Math.min(FOLD_MAX_KEEP, n - 1)]));
}

/** foldCandidates, each with its number of missing children. */
function missingChildren(resolved: ResolvedBatch): Map<BytePath, number> {
  const counts = new Map<BytePath, number>();
  for (const m of resolved.missing) {
    const p = parentOf(m);
    if (p !== '') counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const dirs = [...counts].filter(([, n]) => n >= FOLD_MIN_MISSING);
  if (dirs.length === 0) return new Map();
  const missing = new Set(resolved.missing);
  // Every directory that holds another entry of the batch, at any depth.
  const holding = new Set<BytePath>();
  const others = [
    ...resolved.recursive.filter((p) => !missing.has(p)),
    ...resolved.dirsOnly,
    ...resolved.large.map((e) => e.path),
  ];
  for (const o of others) for (const a of ancestorsOf(o)) holding.add(a);
  const sent = new Set(resolved.directories);
  const busy = (d: BytePath): boolean => holding.has(d) || sent.has(d) || ancestorsOf(d).some((a) => sent.has(a));
  return new Map(dirs.filter(([d]) => !busy(d)));
}

/**
 * The batch with each candidate that qualifies (see the header) sent recursively in place of
 * its missing children. `listings`: the candidates' entries as read just now (null: gone).
 */
export function foldDeletions(resolved: ResolvedBatch, listings: ReadonlyMap<BytePath, DirNames | null>): FoldedBatch {
  const folded: FoldedDir[] = [];
  const into = new Map<BytePath, BytePath>();
  const candidates = new Set(foldCandidates(resolved));
  const gone = new Map<BytePath, BytePath[]>();
  for (const m of resolved.missing) {
    const dir = parentOf(m);
    if (!candidates.has(dir)) continue;
    const list = gone.get(dir);
    if (list) list.push(m);
    else gone.set(dir, [m]);
  }
  for (const [dir, children] of gone) {
    const l = listings.get(dir);
    if (!l || l.hasSubdir || l.names.length >= children.length || l.names.length > FOLD_MAX_KEEP) continue;
    folded.push({ dir, keep: l.names });
    for (const m of children) into.set(m, dir);
  }
  if (folded.length === 0) return { resolved, folded };
  const recursive: BytePath[] = [];
  const listed = new Set<BytePath>();
  for (const p of resolved.recursive) {
    const q = into.get(p) ?? p;
    if (!listed.has(q)) recursive.push(q);
    listed.add(q);
  }
  return {
    resolved: {
      ...resolved,
      recursive,
      directories: [...resolved.directories, ...folded.map((f) => f.dir)],
      missing: resolved.missing.filter((m) => !into.has(m)),
    },
    folded,
  };
}

/*
 * Changes folded into their directory. A burst that rewrites every file of a directory (a deploy,
 * a folder uploaded again, a bulk append) lists each name on rsync's stdin, and rsync costs more
 * per name read from --files-from than per name found by a recursion: 5,000 appended files in 100
 * directories took 438–549 ms listed by name against 311–339 ms as their 100 directories sent
 * recursively, same flags, tmpfs (docs/BENCHMARKS.md, issue #21 round 10). So a directory is sent
 * recursively in place of its changed files when the recursion sends exactly what the batch lists
 * and deletes nothing:
 *  - CHANGE_FOLD_MIN or more of its entries are in the batch as existing files, and the batch
 *    holds nothing else inside it (no deletion, directory or big file; its own attributes may
 *    change: the recursion carries them);
 *  - it exists, is not the root, holds no subdirectory, and everything it holds at the look is
 *    in the batch (so --ignore-times sends what it sent listed by name);
 *  - no directory the batch sends recursively holds it;
 *  - `P /dir/**` keeps the run's --delete off everything below it: a remote-only file stays, as
 *    with the names listed; a file removed between the look and rsync's read of the directory is
 *    deleted by its own batch, once the mass-deletion brake has counted it; a subdirectory that
 *    appears meanwhile is sent whole, and nothing the remote holds in it is deleted.
 * Not with `<filter>` on (a recursion walks for the excludes, and may need a dry run first), nor
 * with filter rules in commonParams (they come first on the command line, rsync's first matching
 * rule wins: a user `--include` would undo the protect rule, measured), and not for a directory
 * whose name holds a line break (its rule must stay one argv word).
 * Pure: the caller reads the candidates' entries (shared/lstat-under.ts readDirUnderSync).
 */
import type { SersyncConfig } from '../config/types.js';
import { hasUserFilters } from '../rsync/args.js';
import { ancestorsOf, parentOf, type BytePath } from '../shared/bytepath.js';
import type { DirNames } from '../shared/lstat-under.js';
import type { ResolvedBatch } from './stat-batch.js';

/** Fewer changed files than this stay listed by name: the saving is below a millisecond. */
export const CHANGE_FOLD_MIN = 16;

const LINE_BREAK = /[\n\r]/;

/** A batch's changed files may fold into their directories: no `<filter>`, no filter rules in commonParams (see the header). */
export function changesFoldable(config: SersyncConfig): boolean {
  return !config.filter.enabled && !hasUserFilters(config.rsync.commonParams);
}

/** The batch's existing files (not directories), grouped by the directory that holds them. */
function filesByDir(resolved: ResolvedBatch): Map<BytePath, BytePath[]> {
  const skip = new Set([...resolved.missing, ...resolved.directories]);
  const byDir = new Map<BytePath, BytePath[]>();
  for (const p of resolved.recursive) {
    if (skip.has(p)) continue;
    const d = parentOf(p);
    const list = byDir.get(d);
    if (list) list.push(p);
    else byDir.set(d, [p]);
  }
  return byDir;
}

/** The directories whose entries the look reads: CHANGE_FOLD_MIN changed files and nothing else of the batch. */
export function changeFoldCandidates(resolved: ResolvedBatch): BytePath[] {
  return candidatesOf(resolved, filesByDir(resolved));
}

/** changeFoldCandidates, given the batch's files by directory (filesByDir). */
function candidatesOf(resolved: ResolvedBatch, byDir: ReadonlyMap<BytePath, readonly BytePath[]>): BytePath[] {
  const dirs = [...byDir]
    .filter(([d, files]) => d !== '' && files.length >= CHANGE_FOLD_MIN && !LINE_BREAK.test(d))
    .map(([d]) => d);
  if (dirs.length === 0) return [];
  // Every directory that holds an entry of the batch other than a file right in it.
  const holding = new Set<BytePath>();
  for (const o of [...resolved.missing, ...resolved.directories, ...resolved.large.map((e) => e.path)])
    for (const a of ancestorsOf(o)) holding.add(a);
  for (const d of byDir.keys()) for (const a of ancestorsOf(d)) holding.add(a);
  for (const d of resolved.dirsOnly) for (const a of ancestorsOf(d)) holding.add(a);
  const sent = new Set(resolved.directories);
  return dirs.filter((d) => !holding.has(d) && !sent.has(d) && !ancestorsOf(d).some((a) => sent.has(a)));
}

/** Each candidate with its number of changed files: the look reads no more entries than that. */
export function changeFoldReads(resolved: ResolvedBatch): Map<BytePath, number> {
  const byDir = filesByDir(resolved);
  return new Map(candidatesOf(resolved, byDir).map((d) => [d, byDir.get(d)!.length]));
}

/**
 * The batch with each candidate that qualifies (see the header) sent recursively in place of its
 * files, listed once where its first file was; `changed`: those directories, for their protect
 * rule. `listings`: the candidates' entries as read just now (null: gone).
 */
export function foldChanges(
  resolved: ResolvedBatch,
  listings: ReadonlyMap<BytePath, DirNames | null>,
): { resolved: ResolvedBatch; changed: readonly BytePath[] } {
  const byDir = filesByDir(resolved);
  const changed = candidatesOf(resolved, byDir).filter((d) => {
    const l = listings.get(d);
    if (!l || l.hasSubdir) return false;
    const listed = new Set(byDir.get(d));
    return l.names.every((n) => listed.has(n));
  });
  if (changed.length === 0) return { resolved, changed };
  const into = new Set(changed);
  const recursive: BytePath[] = [];
  const placed = new Set<BytePath>();
  // Every entry of the batch right in a folded directory is one of its files (anything else there
  // made it no candidate).
  for (const p of resolved.recursive) {
    const d = parentOf(p);
    if (!into.has(d)) recursive.push(p);
    else if (!placed.has(d)) {
      recursive.push(d);
      placed.add(d);
    }
  }
  return { resolved: { ...resolved, recursive, directories: [...resolved.directories, ...changed] }, changed };
}

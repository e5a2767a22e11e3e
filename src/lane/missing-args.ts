/*
 * Deletions for a receiver that rejects --delete-missing-args. rsync sends a deleted path listed
 * on --files-from as an entry of file mode 0, and the mode check that came with rsync 3.4.3's
 * security fixes (also patched into older distribution rsyncs: Debian 12's 3.2.7-1+deb12u6, the
 * rsync of bookworm's main archive) fails the whole run on it: "invalid file mode 00 for NAME
 * [Receiver]", exit 2, nothing sent (rsync issue #910). Against such a receiver a deleted path is
 * not listed. Its directory is, for its own attributes (a `- /dir/*` rule: no other child is sent
 * or deleted), with an include rule for the deleted name, so the recursion's --delete removes it
 * there. Measured against that daemon: files, nested files, top-level ones and a whole tree went,
 * a new file came, the receiver's other files stayed.
 */
import { parentOf, type BytePath } from '../shared/bytepath.js';
import { hasUserFilters } from '../rsync/args.js';
import { coveredBy, ROOT, type PlannedRun } from './batch-plan.js';
import type { LanePlan } from './run-plan.js';

/** What the lane says once, when it learns it (the fix is the receiver's). */
export function missingArgsLine(remoteLabel: string): string {
  return `${remoteLabel} rejects --delete-missing-args (its rsync has the mode check of rsync 3.4.3's security fixes, rsync issue #910): sersync-ts deletes through the deleted paths' directories instead (--delete with a rule per name); install an rsync with the fix there (3.5.0 has it)`;
}

/**
 * The sending runs as this receiver takes them: as planned, or with no missing path listed when it
 * rejects them. Not with filter options in commonParams: they come first on the command line and
 * could undo the `- /dir/*` rules (the batches then fail, and the line says why).
 */
export function unlistMissing(
  runs: readonly PlannedRun[],
  missing: readonly BytePath[],
  lane: LanePlan,
): readonly PlannedRun[] {
  if (!lane.missingArgsRejected || hasUserFilters(lane.config.rsync.commonParams) || missing.length === 0) return runs;
  const set = new Set(missing);
  return runs.map((run) => deleteThroughParents(run, set));
}

/**
 * The run with its missing paths taken off stdin (`unlisted`): each one's directory listed for its
 * attributes instead, unless a directory the run sends recursively holds it (that recursion
 * deletes it already). `missing`: the batch's missing paths.
 */
function deleteThroughParents(run: PlannedRun, missing: ReadonlySet<BytePath>): PlannedRun {
  const gone = run.paths.filter((p) => missing.has(p));
  if (gone.length === 0) return run;
  const paths = run.paths.filter((p) => !missing.has(p));
  const listed = new Set(paths);
  const attrDirs = [...run.attrDirs];
  const attr = new Set(attrDirs);
  const recursed = new Set(run.directories);
  for (const m of gone) {
    const dir = m.includes('/') ? parentOf(m) : ROOT;
    // A recursion deletes it already, or so does a missing ancestor's deletion (stat-batch lists
    // the top of a missing subtree only: this is a guard).
    if (dir !== ROOT && (coveredBy(dir, recursed) || coveredBy(dir, missing))) continue;
    if (!attr.has(dir)) attrDirs.push(dir);
    if (!listed.has(dir)) paths.push(dir);
    attr.add(dir);
    listed.add(dir);
  }
  return { ...run, paths, attrDirs, unlisted: gone };
}

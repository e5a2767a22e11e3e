/*
 * The seeds of a batch's moved directories: each moved directory sent on its own before the
 * batch, the receiver reusing the files of its old place (`--link-dest`, or `--copy-dest`).
 * Pure, like plan-transfer.ts, whose first runs they are.
 */
import path from 'node:path';
import { buildSeedArgs } from '../rsync/args.js';
import { keepsBackups, writesInPlace } from '../rsync/option-words.js';
import { isUtf8, toText, type BytePath } from '../shared/bytepath.js';
import type { LanePlan, MovedDir, RsyncRun } from './run-plan.js';

/** A batch seeds at most this many moved directories (each is one more rsync process). */
const MAX_SEEDS_PER_BATCH = 8;
/** Names rsync's daemon would glob-expand or a remote shell might split: sent the plain way. */
const UNSEEDABLE = /[*?[\\\n\r]/;

/**
 * Directories moved within the root and whose old place is gone locally: each is sent on its
 * own first, the receiver reusing unchanged files from the old place (which the batch deletes
 * right after). Not with `<versions>`: a seed could replace a file at the new place that no
 * backup then keeps. Not for a name rsync's daemon would glob or a remote shell could split.
 */
export function seedRuns(moves: readonly MovedDir[], lane: LanePlan, deleteEnabled: boolean): RsyncRun[] {
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
        ...(files.excludeFrom ? { excludeFrom: files.excludeFrom } : {}),
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

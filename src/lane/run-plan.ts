/*
 * The planner's vocabulary (plan-transfer.ts): what a lane plans with, what the disk said about a
 * batch, and the rsync runs it becomes. Types only, so the planner's helpers (seed-runs.ts,
 * missing-args.ts) can name them without importing the planner.
 */
import type { Remote, SersyncConfig } from '../config/types.js';
import type { SshControl } from '../rsync/ssh-command.js';
import type { BytePath } from '../shared/bytepath.js';
import type { DirNames } from '../shared/lstat-under.js';
import type { ResolvedBatch } from './stat-batch.js';

/** The names of a run's temp files while it runs (null: none written, its words are left out). */
export interface RunFiles {
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
  /** The receiver rejects --delete-missing-args: deleted paths go through their directories (lane/missing-args.ts). */
  readonly missingArgsRejected?: boolean;
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

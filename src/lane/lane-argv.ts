/*
 * A lane's whole argv as operators see it (the fail log's replay lines, `--check`), without a
 * batch's temp files; and the `<crontabfilter>` globs every full sync excludes.
 */
import type { Remote, SersyncConfig } from '../config/types.js';
import { buildBatchArgs, buildFullSyncArgs } from '../rsync/args.js';

/** `<crontab><crontabfilter>` words: --exclude globs of every full sync. */
export function crontabExcludes(config: SersyncConfig): readonly string[] {
  return config.crontab.filterEnabled ? config.crontab.filterExcludes : [];
}

/** A lane's batch argv (protect rules included), without the per-batch exclude file. */
export function laneBatchArgv(
  config: SersyncConfig,
  remote: Remote,
  protect: readonly string[],
  versions: { backupDir?: string } = {},
): string[] {
  return buildBatchArgs(config.rsync, remote, { deleteEnabled: config.inotify.delete, protect, ...versions });
}

/** A lane's full-sync argv (protect rules and <crontabfilter> excludes), without the exclude file. */
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

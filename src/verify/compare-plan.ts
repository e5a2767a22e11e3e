import { buildFullSyncArgs } from '../rsync/args.js';
import { crontabExcludes } from '../lane/lane-argv.js';
import type { LanePlan, RsyncRun } from '../lane/plan-transfer.js';

/**
 * `sersync-ts verify`'s one run per (root, remote): the full sync's rules (protect globs, the
 * `<filter>` excludes a walk finds, `<crontabfilter>`) as one dry run by checksum. The walk
 * always runs (it also counts the tree for the progress estimate). No dry run first for
 * remote-only excluded paths: this is a dry run, and its reader drops those `*deleting` lines
 * itself. Pure.
 */
export function planCompare(lane: LanePlan): RsyncRun {
  const { config } = lane;
  return {
    role: 'compare',
    argv: (files) =>
      buildFullSyncArgs(config.rsync, lane.remote, {
        deleteEnabled: config.inotify.delete,
        protect: lane.protect,
        globExcludes: crontabExcludes(config),
        compare: true,
        ...(files.excludeFrom ? { excludeFrom: files.excludeFrom } : {}),
        ...(lane.ssh ? { ssh: lane.ssh } : {}),
      }),
    stdin: null,
    cwd: lane.rootPath,
    excludes: { under: [''] },
    rulesFile: null,
    dryRunFirst: false,
    mustSucceed: true,
  };
}

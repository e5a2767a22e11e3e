import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';

/** Which (root, remote) pairs `sersync-ts verify` compares. */
export interface LaneChoice {
  readonly root: WatchRoot;
  readonly remote: Remote;
}

/**
 * Every (root, remote) of the config, or those `--root PATH` and `--remote LABEL` name. A root
 * is named by its path (a trailing `/` is ignored); a remote by its label as the log shows it
 * (`127.0.0.1::www`), or by its module name when that is unambiguous. Pure.
 */
export function selectLanes(
  config: SersyncConfig,
  root: string | null,
  remote: string | null,
): { lanes: LaneChoice[] } | { error: string } {
  const want = root === null ? null : root.length > 1 ? root.replace(/\/+$/, '') : root;
  const roots = want === null ? config.roots : config.roots.filter((r) => r.path === want);
  if (roots.length === 0)
    return {
      error: `--root ${root}: not a <localpath watch> of ${config.file} (it has ${config.roots.map((r) => r.path).join(', ')})`,
    };
  const lanes = roots.flatMap((r) => r.remotes.map((x) => ({ root: r, remote: x })));
  if (remote === null) return { lanes };
  const byLabel = lanes.filter((l) => l.remote.label === remote);
  const byModule = lanes.filter((l) => l.remote.module === remote);
  const labels = new Set(byModule.map((l) => l.remote.label));
  if (byLabel.length > 0) return { lanes: byLabel };
  if (byModule.length > 0 && labels.size === 1) return { lanes: byModule };
  const known = [...new Set(lanes.map((l) => l.remote.label))].join(', ');
  return {
    error: `--remote ${remote}: ${labels.size > 1 ? `the module name is on several hosts (${[...labels].join(', ')}); give the label` : `no such remote${want !== null ? ` for ${want}` : ''}`} (remotes: ${known})`,
  };
}

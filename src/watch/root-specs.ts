import type { SersyncConfig } from '../config/types.js';
import type { WatchRootSpec } from './types.js';

/** What the watcher is told of a config: each sync root, with `<filter>`'s excludes when it is on. */
export function rootSpecsOf(config: SersyncConfig): WatchRootSpec[] {
  const excludes = config.filter.enabled ? config.filter.excludes : [];
  return config.roots.map((r) => ({ path: r.path, excludes }));
}

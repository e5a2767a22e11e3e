import type { PendingEntry } from '../aggregate/types.js';
import type { SersyncConfig } from '../config/types.js';
import type { LaneRef } from '../lane/lane.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { toPluginEvents } from '../plugins/events.js';
import { GuardedPlugin } from '../plugins/guard.js';
import { pluginWatch } from '../plugins/registry.js';
import { scopeIn, scopePaths, type PluginScope } from '../plugins/scope.js';
import type { Plugin } from '../plugins/types.js';

/**
 * The plugin beside syncing (`<sersync><plugin start="true">`), behind a guard: told about paths
 * once they reached the root's first remote, once per path. A plugin with its own localpath sees
 * only that subtree, relative to it (its root never changes the sync root, §9.14). Nothing it
 * throws reaches the lane.
 */
export class PluginFeed {
  private readonly plugin: GuardedPlugin;
  private readonly scopes = new Map<string, PluginScope | null>();

  constructor(
    plugin: Plugin,
    config: SersyncConfig,
    /** Per root path: the lane whose deliveries the plugin follows (the first remote's). */
    private readonly firstLane: (root: string) => LaneRef | undefined,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.plugin =
      plugin instanceof GuardedPlugin ? plugin : new GuardedPlugin(plugin, logger.child(`plugin:${plugin.name}`));
    const watch = pluginWatch(config.plugins.name || this.plugin.name, config);
    for (const r of config.roots) this.scopes.set(r.path, scopeIn(r.path, watch));
  }

  stats(): { name: string; failures: number; dropped: number } {
    return { name: this.plugin.name, failures: this.plugin.failures, dropped: this.plugin.dropped };
  }

  /** These entries reached the remote of `lane`. */
  delivered(lane: LaneRef, entries: readonly PendingEntry[]): void {
    const scope = this.scopeFor(lane);
    if (!scope) return;
    this.plugin.guard('delivered', () => {
      const paths = scopePaths(
        scope.prefix,
        entries.map((e) => ({ path: e.path, tree: e.kind === 'tree' })),
      );
      if (paths.length > 0) this.plugin.handle(toPluginEvents(scope.root, paths, this.clock.wallNow()));
    });
  }

  /** A full sync reached the remote of `lane`: its paths are not told one by one, so say so. */
  deliveredFullSync(lane: LaneRef): void {
    const scope = this.scopeFor(lane);
    if (scope) this.plugin.fullSync(scope.root, this.clock.wallNow());
  }

  /** The plugin's scope when `lane` is the one it follows. */
  private scopeFor(lane: LaneRef): PluginScope | null {
    const scope = this.scopes.get(lane.root.path);
    return scope && this.firstLane(lane.root.path) === lane ? scope : null;
  }
}

import type { Logger } from '../shared/logger.js';
import type { Plugin, PluginEvent } from './types.js';

/**
 * A plugin behind a wall: nothing it throws reaches the caller. Plugins run inside the lane's
 * delivery path; one exception there used to kill the agent, and under -d the journaled paths
 * made it crash again on every restart. Each distinct error is logged once (then counted).
 */
export class GuardedPlugin implements Plugin {
  private readonly seen = new Set<string>();
  private readonly fullSyncWarned = new Set<string>();
  private thrown = 0;

  constructor(
    readonly inner: Plugin,
    private readonly log: Logger,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** The plugin's own failures plus the exceptions caught here. */
  get failures(): number {
    return this.inner.failures + this.thrown;
  }

  get dropped(): number {
    return this.inner.dropped;
  }

  /** Runs `fn` (anything that feeds the plugin); an exception is logged once per message and counted. */
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.thrown++;
      const msg = err instanceof Error ? err.message : String(err);
      if (this.seen.size < 100 && !this.seen.has(msg)) {
        this.seen.add(msg);
        this.log.error(
          `plugin "${this.name}" failed (${what}): ${msg}; syncing goes on; further failures like this are only counted (sersync_plugin_failures_total)`,
        );
        if (err instanceof Error && err.stack) this.log.debug(err.stack);
      }
    }
  }

  handle(events: readonly PluginEvent[]): void {
    this.guard('handle', () => this.inner.handle(events));
  }

  fullSync(root: string, time: number): boolean {
    let told = false;
    this.guard('full sync notice', () => (told = this.inner.fullSync?.(root, time) ?? false));
    if (!told && !this.fullSyncWarned.has(root)) {
      this.fullSyncWarned.add(root);
      this.log.warn(
        `${root} had a full sync (too many changes at once, lost events, -r or crontab): the ${this.name} plugin is not told its paths one by one, and its format has no full-sync notice (the http plugin and socket format="json" have one)`,
      );
    }
    return told;
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } catch (err) {
      this.log.warn(`plugin "${this.name}" failed while closing: ${(err as Error).message}`);
    }
  }
}

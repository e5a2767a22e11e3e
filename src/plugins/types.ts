import type { BytePath } from '../shared/bytepath.js';

/**
 * What a plugin is told about one path. State, not raw events (as everywhere in sersync-ts): the
 * path was looked at when it was delivered, so `deleted` is the truth at that moment, and a
 * create/delete pair that cancelled out is not reported as something that exists.
 */
export interface PluginEvent {
  /** The watched root (absolute). */
  readonly root: string;
  /** Relative to the root, as bytes. */
  readonly rel: BytePath;
  /** Absolute path, as bytes. */
  readonly abs: Buffer;
  readonly isDir: boolean;
  readonly deleted: boolean;
  /** ms since the epoch. */
  readonly time: number;
}

export interface Plugin {
  readonly name: string;
  /** Takes a batch; must not block (plugins queue their own work). */
  handle(events: readonly PluginEvent[]): void;
  /**
   * The whole of `root` was synced (changes rolled up past maxPendingPaths, lost events, -r,
   * crontab): its paths are not told one by one. Returns false when the plugin's format has no
   * way to say so (the caller then logs a warning).
   */
  fullSync?(root: string, time: number): boolean;
  /** Work that failed (commands that exited non-zero or timed out, requests that gave up). */
  readonly failures: number;
  /** Work dropped because its queue was full. */
  readonly dropped: number;
  /** Finishes or drops queued work (bounded) and releases connections. */
  close(): Promise<void>;
}

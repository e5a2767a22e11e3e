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
  /** Finishes or drops queued work (bounded) and releases connections. */
  close(): Promise<void>;
}

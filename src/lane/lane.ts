import fs from 'node:fs/promises';
import path from 'node:path';
import type PQueue from 'p-queue';
import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';
import { PendingSet } from '../aggregate/pending-set.js';
import type { PendingEntry, SyncBatch } from '../aggregate/types.js';
import { buildBatchArgs, buildFullSyncArgs } from '../rsync/args.js';
import { classifyExit } from '../rsync/exit-codes.js';
import { excludeFileContent } from '../rsync/filter-rules.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import { shellLine, shellQuote } from '../rsync/shell-quote.js';
import { findExcluded } from '../fullsync/excludes.js';
import { unsafeRootReason } from '../fullsync/safety.js';
import type { PathFilter } from '../watch/filter.js';
import { toText, type BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { fileList, resolveBatch } from './resolve.js';

export type LaneState = 'idle' | 'syncing' | 'full-sync' | 'retrying' | 'stopped';

export interface LaneDeps {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly config: SersyncConfig;
  readonly filter: PathFilter;
  readonly runner: RsyncRunner;
  /** Caps rsync processes across all lanes (`-n`). */
  readonly limiter: PQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Globs that --delete must never remove remotely (from `<filter>`, see fullsync/protect-rules.ts). */
  readonly protect: readonly string[];
  /** Where short-lived exclude files go. */
  readonly tmpDir: string;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
}

export interface LaneStatus {
  readonly root: string;
  readonly remote: string;
  readonly state: LaneState;
  readonly pendingPaths: number;
  readonly fullSyncPending: boolean;
  readonly attempts: number;
  readonly batches: number;
  readonly rsyncRuns: number;
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
}

/** rsync's own words about what went wrong: its first specific lines, not the generic summary. */
function rsyncReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const specific = lines.filter((l) => !l.startsWith('rsync error:'));
  return (specific.length > 0 ? specific.slice(0, 2) : lines.slice(-1)).join(' / ');
}

interface Outcome {
  readonly result: RsyncResult;
  readonly paths: number;
}

/**
 * One (root, remote) pair. One batch in flight at a time (so never two rsyncs for the same path
 * on the same remote); whatever arrives meanwhile ships together in the next batch. A failed
 * batch's paths go back into the pending set, merged with newer ones, and are retried with
 * backoff. A lane's trouble is its own: other lanes never wait for it.
 */
export class Lane {
  private readonly pending: PendingSet;
  private readonly log: Logger;
  private inFlight: 'batch' | 'full' | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private lastExit: number | null = null;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private seq = 0;
  private stats = { batches: 0, rsyncRuns: 0, lastSuccessAt: null as number | null, lastError: null as string | null };

  constructor(private readonly deps: LaneDeps) {
    this.pending = new PendingSet({
      maxPathsPerDir: deps.config.debounce.maxPathsPerDir,
      maxPendingPaths: deps.config.debounce.maxPendingPaths,
    });
    this.log = deps.logger.child(deps.remote.label);
  }

  enqueue(entries: readonly PendingEntry[]): void {
    if (this.stopped) return;
    this.pending.addAll(entries);
    this.pump();
  }

  requestFullSync(reason: string): void {
    if (this.stopped) return;
    this.log.info(`full sync of ${this.deps.root.path} requested (${reason})`);
    this.pending.requestFullSync();
    this.pump();
  }

  isIdle(): boolean {
    return this.inFlight === null && this.pending.isEmpty();
  }

  /** Resolves when nothing is pending or in flight (or the lane is stopped). */
  whenIdle(): Promise<void> {
    if (this.isIdle() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Resolves when the lane has nothing more to do right now: idle, or waiting out a backoff
   * after a failure (a down remote must not hold up shutdown).
   */
  whenSettled(): Promise<void> {
    if (this.isIdle() || this.stopped || (this.inFlight === null && this.retryTimer !== null)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop taking work; an rsync already running is left to finish. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.wakeIdle(true);
  }

  /** Paths still pending (for persisting on shutdown in a later stage). */
  get pendingCount(): number {
    return this.pending.size;
  }

  status(): LaneStatus {
    const state: LaneState = this.stopped
      ? 'stopped'
      : this.inFlight === 'full'
        ? 'full-sync'
        : this.inFlight === 'batch'
          ? 'syncing'
          : this.retryTimer
            ? 'retrying'
            : 'idle';
    return {
      root: this.deps.root.path,
      remote: this.deps.remote.label,
      state,
      pendingPaths: this.pending.size,
      fullSyncPending: this.pending.fullSync,
      attempts: this.attempts,
      batches: this.stats.batches,
      rsyncRuns: this.stats.rsyncRuns,
      lastSuccessAt: this.stats.lastSuccessAt,
      lastError: this.stats.lastError,
    };
  }

  private pump(): void {
    if (this.stopped || this.inFlight || this.retryTimer) return;
    if (this.pending.isEmpty()) {
      this.wakeIdle(false);
      return;
    }
    const batch = this.pending.take();
    this.inFlight = batch.fullSync ? 'full' : 'batch';
    void this.execute(batch).finally(() => {
      this.inFlight = null;
      this.pump();
    });
  }

  private wakeIdle(force: boolean): void {
    if (!force && !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async execute(batch: SyncBatch): Promise<void> {
    let outcome: Outcome | null;
    try {
      outcome = batch.fullSync ? await this.fullSync() : await this.sendBatch(batch.entries);
    } catch (err) {
      outcome = { result: { exitCode: -1, signal: null, stderr: String(err), durationMs: 0, spawnError: String(err) }, paths: 0 };
    }
    if (outcome === null) return; // nothing to do (or refused, already logged)
    this.stats.batches++;
    const { result } = outcome;
    const info = classifyExit(result.exitCode);
    const what = batch.fullSync ? 'full sync' : `${outcome.paths} path${outcome.paths === 1 ? '' : 's'}`;
    const line = `${this.deps.root.path} -> ${this.deps.remote.label}: ${what}, exit ${result.exitCode} (${info.meaning}), ${result.durationMs} ms`;
    if (info.cls === 'ok' && result.spawnError === null) {
      if (this.attempts > 0) this.log.info(`recovered after ${this.attempts} failed attempt(s)`);
      this.attempts = 0;
      this.lastExit = null;
      this.stats.lastSuccessAt = this.deps.clock.now();
      this.log.info(line);
      return;
    }
    // Keep every path: back into the pending set, merged with whatever arrived meanwhile.
    if (batch.fullSync) this.pending.requestFullSync();
    else this.pending.addAll(batch.entries);
    this.attempts++;
    const reason = result.spawnError ?? (rsyncReason(result.stderr) || info.meaning);
    this.stats.lastError = `exit ${result.exitCode}: ${reason}`;
    const delay = backoffDelay(this.attempts, this.deps.backoff ?? DEFAULT_BACKOFF, this.deps.random ?? Math.random);
    const msg = `${line}; ${reason}; retry ${this.attempts} in ${delay} ms`;
    // Log when the failure changes, not on every repeat.
    if (this.lastExit !== result.exitCode) {
      if (info.cls === 'config') this.log.error(`${msg} (check the config or the remote)`);
      else this.log.warn(msg);
    } else this.log.debug(msg);
    this.lastExit = result.exitCode;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delay);
    this.wakeIdle(true); // settled for now: shutdown need not wait for the backoff
  }

  private async sendBatch(entries: readonly PendingEntry[]): Promise<Outcome | null> {
    const { root, remote, config } = this.deps;
    const resolved = resolveBatch(root.path, entries);
    let last: RsyncResult | null = null;
    const deleteEnabled = config.inotify.delete;
    if (resolved.recursive.length > 0) {
      const excluded = config.filter.enabled && resolved.directories.length > 0
        ? await findExcluded(root.path, resolved.directories, this.deps.filter)
        : [];
      last = await this.withExcludeFile(excluded, (excludeFrom) =>
        this.run(buildBatchArgs(config.rsync, remote, { deleteEnabled, protect: this.deps.protect, ...(excludeFrom ? { excludeFrom } : {}) }), resolved.recursive),
      );
      if (classifyExit(last.exitCode).cls !== 'ok' || last.spawnError) return { result: last, paths: resolved.recursive.length };
    }
    if (resolved.dirsOnly.length > 0) {
      last = await this.run(buildBatchArgs(config.rsync, remote, { deleteEnabled, dirsOnly: true }), resolved.dirsOnly);
    }
    return last ? { result: last, paths: resolved.recursive.length + resolved.dirsOnly.length } : null;
  }

  private async fullSync(): Promise<Outcome | null> {
    const { root, remote, config } = this.deps;
    const deleteEnabled = config.inotify.delete;
    if (deleteEnabled) {
      const unsafe = await unsafeRootReason(root.path);
      if (unsafe) {
        this.log.error(unsafe);
        this.stats.lastError = unsafe;
        return null;
      }
    }
    const excluded = config.filter.enabled ? await findExcluded(root.path, [''], this.deps.filter) : [];
    const globExcludes = config.crontab.filterEnabled ? config.crontab.filterExcludes : [];
    this.log.info(`full sync of ${root.path} -> ${remote.label} starting${excluded.length ? ` (${excluded.length} paths excluded by <filter>)` : ''}`);
    const result = await this.withExcludeFile(excluded, (excludeFrom) =>
      this.run(buildFullSyncArgs(config.rsync, remote, { deleteEnabled, globExcludes, protect: this.deps.protect, ...(excludeFrom ? { excludeFrom } : {}) }), null),
    );
    return { result, paths: 0 };
  }

  private async withExcludeFile<T>(paths: readonly BytePath[], fn: (file: string | null) => Promise<T>): Promise<T> {
    if (paths.length === 0) return fn(null);
    const file = path.join(this.deps.tmpDir, `sersync-ts-exclude-${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2)}`);
    await fs.writeFile(file, excludeFileContent(paths), { mode: 0o600, flag: 'wx' });
    try {
      return await fn(file);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private async run(args: string[], paths: readonly BytePath[] | null): Promise<RsyncResult> {
    const { root } = this.deps;
    this.log.debug(() => `cd ${shellQuote(root.path)} && ${shellLine(['rsync', ...args])}${paths ? ` < ${paths.length} paths` : ''}`);
    if (paths) this.log.debug(() => `paths: ${paths.map((p) => JSON.stringify(toText(p))).join(' ')}`);
    this.stats.rsyncRuns++;
    const input = paths ? fileList(paths) : undefined;
    return this.deps.limiter.add(() => this.deps.runner.run({ args, cwd: root.path, ...(input ? { input } : {}) }), { throwOnTimeout: true });
  }
}

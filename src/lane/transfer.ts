import fs from 'node:fs/promises';
import path from 'node:path';
import type PQueue from 'p-queue';
import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';
import type { PendingEntry } from '../aggregate/types.js';
import { buildBatchArgs, buildFullSyncArgs } from '../rsync/args.js';
import { classifyExit } from '../rsync/exit-codes.js';
import { excludeFileContent } from '../rsync/filter-rules.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import { shellLine, shellQuote } from '../rsync/shell-quote.js';
import { findExcluded } from '../fullsync/excludes.js';
import { unsafeRootReason } from '../fullsync/safety.js';
import type { PathFilter } from '../watch/filter.js';
import { toText, type BytePath } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import { fileList, resolveBatch } from './resolve.js';
import { parseProgress, type TransferProgress } from '../rsync/progress.js';

export interface TransferDeps {
  readonly root: WatchRoot;
  readonly remote: Remote;
  readonly config: SersyncConfig;
  readonly filter: PathFilter;
  /** Globs that --delete must never remove remotely (from `<filter>`, see fullsync/protect-rules.ts). */
  readonly protect: readonly string[];
  readonly runner: RsyncRunner;
  /** Caps rsync processes across all lanes (`-n`). */
  readonly limiter: PQueue;
  /** Where short-lived exclude files go. */
  readonly tmpDir: string;
}

/** What one batch or full sync did. `refused`: a full sync the safety check stopped. */
export type TransferOutcome =
  | { readonly kind: 'ran'; readonly result: RsyncResult; readonly paths: number; readonly rsyncRuns: number }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'refused'; readonly reason: string };

/** Turns a batch into rsync runs for one (root, remote): the disk is read here, just before sending. */
export class Transfer {
  private seq = 0;

  constructor(
    private readonly deps: TransferDeps,
    private readonly log: Logger,
  ) {}

  /** The argv a batch of paths is sent with (also written into the fail log). */
  batchArgv(): string[] {
    const { config, remote, protect } = this.deps;
    return buildBatchArgs(config.rsync, remote, { deleteEnabled: config.inotify.delete, protect });
  }

  fullSyncArgv(): string[] {
    const { config, remote, protect } = this.deps;
    return buildFullSyncArgs(config.rsync, remote, { deleteEnabled: config.inotify.delete, protect, globExcludes: this.globExcludes() });
  }

  async send(entries: readonly PendingEntry[]): Promise<TransferOutcome> {
    const { root, remote, config, protect } = this.deps;
    const resolved = resolveBatch(root.path, entries);
    // -R carries the attributes (mtime) of every implied parent directory, except the root's own:
    // when a top-level entry came or went, the root is sent too (alone), or its mtime goes stale.
    const rootChanged = resolved.recursive.some((p) => !p.includes('/'));
    const dirsOnly = resolved.dirsOnly;
    const deleteEnabled = config.inotify.delete;
    let last: RsyncResult | null = null;
    let runs = 0;
    if (resolved.recursive.length > 0) {
      const excluded = config.filter.enabled && resolved.directories.length > 0 ? await findExcluded(root.path, resolved.directories, this.deps.filter) : [];
      runs++;
      last = await this.withExcludeFile(excluded, (excludeFrom) =>
        this.run(buildBatchArgs(config.rsync, remote, { deleteEnabled, protect, ...(excludeFrom ? { excludeFrom } : {}) }), resolved.recursive),
      );
      if (classifyExit(last.exitCode).cls !== 'ok' || last.spawnError) return { kind: 'ran', result: last, paths: resolved.recursive.length, rsyncRuns: runs };
    }
    if (dirsOnly.length > 0) {
      runs++;
      last = await this.run(buildBatchArgs(config.rsync, remote, { deleteEnabled, dirsOnly: true }), dirsOnly);
    }
    if (rootChanged && (!last || classifyExit(last.exitCode).cls === 'ok')) {
      runs++;
      last = await this.run(buildBatchArgs(config.rsync, remote, { deleteEnabled, rootOnly: true }), ['.']);
    }
    return last ? { kind: 'ran', result: last, paths: resolved.recursive.length + resolved.dirsOnly.length, rsyncRuns: runs } : { kind: 'nothing' };
  }

  async fullSync(onProgress?: (p: TransferProgress) => void): Promise<TransferOutcome> {
    const { root, remote, config, protect } = this.deps;
    const deleteEnabled = config.inotify.delete;
    if (deleteEnabled) {
      const unsafe = await unsafeRootReason(root.path);
      if (unsafe) return { kind: 'refused', reason: unsafe };
    }
    const excluded = config.filter.enabled ? await findExcluded(root.path, [''], this.deps.filter) : [];
    this.log.info(`full sync of ${root.path} -> ${remote.label} starting${excluded.length ? ` (${excluded.length} paths excluded by <filter>)` : ''}`);
    const result = await this.withExcludeFile(excluded, (excludeFrom) =>
      this.run(buildFullSyncArgs(config.rsync, remote, { deleteEnabled, protect, globExcludes: this.globExcludes(), ...(excludeFrom ? { excludeFrom } : {}) }), null, onProgress),
    );
    return { kind: 'ran', result, paths: 0, rsyncRuns: 1 };
  }

  private globExcludes(): readonly string[] {
    const c = this.deps.config.crontab;
    return c.filterEnabled ? c.filterExcludes : [];
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

  private async run(args: string[], paths: readonly BytePath[] | null, onProgress?: (p: TransferProgress) => void): Promise<RsyncResult> {
    const { root } = this.deps;
    this.log.debug(() => `cd ${shellQuote(root.path)} && ${shellLine(['rsync', ...args])}${paths ? ` < ${paths.length} paths` : ''}`);
    if (paths) this.log.debug(() => `paths: ${paths.map((p) => JSON.stringify(toText(p))).join(' ')}`);
    const input = paths ? fileList(paths) : undefined;
    const onStdout = onProgress
      ? (text: string): void => {
          const p = parseProgress(text);
          if (p) onProgress(p);
        }
      : undefined;
    return this.deps.limiter.add(() => this.deps.runner.run({ args, cwd: root.path, ...(input ? { input } : {}), ...(onStdout ? { onStdout } : {}) }), { throwOnTimeout: true });
  }
}

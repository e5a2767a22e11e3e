/*
 * The executor of planned runs (lane/plan-transfer.ts): the side effects only. It walks for the
 * `<filter>` excludes a run asks for, writes its temp files (mode 600, fresh names, removed
 * after), makes the dry run first when asked, and runs rsync through the runner inside the
 * lane's `-n` slots. It decides nothing about which runs a batch takes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { succeeded } from '../rsync/exit-codes.js';
import { excludeFileContent } from '../rsync/filter-rules.js';
import { fileList } from '../rsync/file-list.js';
import { parseProgress, type TransferProgress } from '../rsync/progress.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import { resendCommand } from '../rsync/shell-quote.js';
import { BackedUpCount } from '../rsync/backed-up.js';
import { findExcluded, type TreeTally } from '../delete-safety/excludes.js';
import { dryRunArgs, ExcludedDeletions } from '../delete-safety/deletions.js';
import type { PathFilter } from '../watch/filter.js';
import { isUnder, toText, type BytePath } from '../shared/bytepath.js';
import type { Logger } from '../shared/logger.js';
import type { RsyncSlots } from './slots.js';
import type { RsyncRun } from './plan-transfer.js';

/** A debug line shows at most this many of a run's paths. */
const DEBUG_PATHS = 200;

interface ExecutorDeps {
  readonly rootPath: string;
  readonly remoteLabel: string;
  readonly filter: PathFilter;
  readonly runner: RsyncRunner;
  /** Caps rsync processes across all lanes (`-n`). */
  readonly limiter: RsyncSlots;
  /** Where short-lived exclude and rule files go. */
  readonly tmpDir: string;
}

/** What a caller sees of one run besides its results. */
interface RunHooks {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: (p: TransferProgress) => void;
  readonly onStdout?: (text: string) => void;
  readonly onSpawn?: (pid: number) => void;
  /** The walk also counts what it keeps (verify's progress estimate). */
  readonly tally?: TreeTally;
  /** After the walk, before rsync starts: what `<filter>` excludes there. */
  readonly afterWalk?: (excluded: readonly BytePath[]) => void;
}

export class RsyncExecutor {
  private seq = 0;

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly log: Logger,
  ) {}

  /**
   * Performs one planned run: the results of the processes it started, in order (the dry run's,
   * then the run's; only the dry run's when that failed: the real run would fail the same way,
   * and must not run unprotected).
   */
  async execute(run: RsyncRun, hooks: RunHooks = {}): Promise<RsyncResult[]> {
    const excluded = run.excludes ? await this.walk(run.excludes, hooks.tally) : [];
    hooks.afterWalk?.(excluded);
    return this.withTempFile(run.rulesFile, async (rulesFrom) => {
      const argv = (excludeFrom: string | null): string[] => run.argv({ excludeFrom, rulesFrom });
      const real = (paths: readonly BytePath[]): Promise<RsyncResult> =>
        this.withExcludeFile(paths, (excludeFrom) => this.run(argv(excludeFrom), run, hooks));
      if (!run.dryRunFirst) return [await real(excluded)];
      const dry = await this.remoteExcluded(excluded, argv, run, hooks.signal);
      if (!succeeded(dry.result)) return [dry.result];
      return [dry.result, await real([...excluded, ...dry.found])];
    });
  }

  private async walk(excludes: NonNullable<RsyncRun['excludes']>, tally?: TreeTally): Promise<BytePath[]> {
    const found = await findExcluded(this.deps.rootPath, excludes.under, this.deps.filter, tally);
    const base = excludes.relativeTo;
    return base === undefined ? found : found.filter((p) => isUnder(p, base)).map((p) => p.slice(base.length + 1));
  }

  /**
   * Remote-only paths that `<filter>` excludes and that the deleting run would delete: a dry
   * run of the same argv lists its deletions (delete-safety/deletions.ts).
   */
  private async remoteExcluded(
    excluded: readonly BytePath[],
    argv: (excludeFrom: string | null) => string[],
    run: RsyncRun,
    signal?: AbortSignal,
  ): Promise<{ readonly result: RsyncResult; readonly found: BytePath[] }> {
    const seen = new ExcludedDeletions(this.deps.filter);
    const result = await this.withExcludeFile(excluded, (excludeFrom) => {
      const dry = dryRunArgs(argv(excludeFrom));
      this.log.debug(
        () => `dry run for remote-only excluded paths: ${toText(resendCommand(run.cwd, dry, shown(run.stdin)))}`,
      );
      const input = run.stdin ? fileList(run.stdin) : undefined;
      return this.deps.limiter.run(() =>
        this.deps.runner.run({
          args: dry,
          cwd: run.cwd,
          ...(input ? { input } : {}),
          onStdout: (t) => seen.push(t),
          ...(signal ? { signal } : {}),
        }),
      );
    });
    if (!succeeded(result)) return { result, found: [] };
    const found = seen.end();
    if (found.length > 0)
      this.log.info(
        `${this.deps.rootPath} -> ${this.deps.remoteLabel}: ${found.length} remote-only path(s) matched by <filter> are kept from --delete`,
      );
    return { result, found };
  }

  private async withExcludeFile<T>(paths: readonly BytePath[], fn: (file: string | null) => Promise<T>): Promise<T> {
    if (paths.length > 0)
      this.log.debug(
        () =>
          `the next exclude file excludes ${paths.length} path(s): ${paths
            .slice(0, DEBUG_PATHS)
            .map((p) => JSON.stringify(toText(p)))
            .join(' ')}`,
      );
    return this.withTempFile(paths.length > 0 ? excludeFileContent(paths) : null, fn);
  }

  /** A short-lived file (mode 600, a fresh name) holding `content`, or none for null. */
  private async withTempFile<T>(content: Buffer | null, fn: (file: string | null) => Promise<T>): Promise<T> {
    if (content === null) return fn(null);
    const file = path.join(
      this.deps.tmpDir,
      `sersync-ts-rules-${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2)}`,
    );
    await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' });
    try {
      return await fn(file);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private async run(args: string[], run: RsyncRun, hooks: RunHooks): Promise<RsyncResult> {
    const { onProgress, signal, onSpawn } = hooks;
    const paths = run.stdin;
    // Copy-pasteable: the same command the fail log would hold (every value single-quoted).
    this.log.debug(
      () =>
        `${toText(resendCommand(run.cwd, args, shown(paths)))}${paths && paths.length > DEBUG_PATHS ? `  # the first ${DEBUG_PATHS} of ${paths.length} paths` : ''}`,
    );
    const input = paths ? fileList(paths) : undefined;
    const backedUp = args.includes('--backup') ? new BackedUpCount() : null;
    const onStdout = (text: string): void => {
      backedUp?.push(text);
      const p = onProgress ? parseProgress(text) : null;
      if (p) onProgress!(p);
      hooks.onStdout?.(text);
    };
    const r = await this.deps.limiter.run(() =>
      this.deps.runner.run({
        args,
        cwd: run.cwd,
        ...(input ? { input } : {}),
        onStdout,
        ...(onSpawn ? { onSpawn } : {}),
        ...(signal ? { signal } : {}),
      }),
    );
    return backedUp ? { ...r, versioned: backedUp.end() } : r;
  }
}

function shown(paths: readonly BytePath[] | null): readonly BytePath[] | null {
  return paths ? paths.slice(0, DEBUG_PATHS) : null;
}

/** One result for a batch's runs: the last run's, with the bytes, time and versions of all. */
export function batchResult(all: readonly RsyncResult[], versions: boolean): RsyncResult {
  let bytes: number | null = null;
  for (const r of all) if (r.bytesSent !== null) bytes = (bytes ?? 0) + r.bytesSent;
  const durationMs = all.reduce((n, r) => n + r.durationMs, 0);
  const versioned = all.reduce((n, r) => n + (r.versioned ?? 0), 0);
  return { ...all[all.length - 1]!, bytesSent: bytes, durationMs, ...(versions ? { versioned } : {}) };
}

import fs from 'node:fs/promises';
import type { Remote, SersyncConfig, WatchRoot } from '../config/types.js';
import type { PendingEntry } from '../aggregate/types.js';
import type { TreeTally } from '../delete-safety/excludes.js';
import { unsafeRootReason } from '../delete-safety/safety.js';
import { RsyncExecutor } from '../lane/run-rsync.js';
import type { RsyncSlots } from '../lane/slots.js';
import { classifyExit, succeeded } from '../rsync/exit-codes.js';
import type { RsyncResult, RsyncRunner } from '../rsync/runner.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { PathFilter } from '../watch/filter.js';
import { oneLine, type LaneVerdict } from './format.js';
import { CompareOutput } from './itemize.js';
import { formatProgress, ProgressPacer } from './progress.js';
import { DriftCollector } from './report.js';
import type { SshControl } from '../rsync/ssh-command.js';
import { planCompare } from './compare-plan.js';

/** What comparing needs: the lanes' own parts, so the comparison runs as a full sync would. */
export interface CompareDeps {
  readonly config: SersyncConfig;
  readonly runner: RsyncRunner;
  /** The `-n` slots of a remote's host (as for every other rsync). */
  readonly slots: (remote: Remote) => RsyncSlots;
  readonly filter: PathFilter;
  /** Protect globs of `<filter>` (delete-safety/protect-rules.ts). */
  readonly protect: readonly string[];
  readonly tmpDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Progress lines of a long comparison; none when absent. */
  readonly progress?: (line: string) => void;
  /** How often a progress line is printed (after the first, at 2 s). @default 5000 (ms) */
  readonly progressEveryMs?: number;
  /** How often progress is sampled. @default 1000 (ms) */
  readonly progressTickMs?: number;
  /** Over ssh: the agent's master connection to a remote's host (none: rsync logs in itself). */
  readonly ssh?: (remote: Remote) => SshControl;
}

export interface CompareResult {
  readonly verdict: LaneVerdict;
  /** The entries a lane sends to repair the drift (empty when identical or unchecked). */
  readonly repair: readonly PendingEntry[];
}

/** What the local rsync has read so far (bytes), from /proc/PID/io; null when /proc cannot tell. */
async function bytesReadBy(pid: number | null): Promise<number | null> {
  if (pid === null) return null;
  const text = await fs.readFile(`/proc/${pid}/io`, 'utf8').catch(() => '');
  const m = /^rchar: (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** Why a remote could not be checked, on one line: rsync's own words first. */
function uncheckedReason(r: RsyncResult): string {
  if (r.spawnError) return `cannot run rsync: ${r.spawnError}`;
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('rsync error:'));
  const said = lines.slice(0, 2).join(' / ');
  return `rsync exit ${r.exitCode} (${classifyExit(r.exitCode).meaning})${said ? `: ${said}` : ''}`;
}

/**
 * Compares one root with one remote: the walk (excludes, tree size), then one dry run by
 * checksum through the remote's `-n` slots, read as it streams. Exit 0 and 24 (a file vanished
 * meanwhile: it has an event of its own) are a completed check; anything else means the remote
 * could not be checked (down, auth refused, an unreadable file: exit 23 leaves the check partial).
 */
export async function compareLane(
  deps: CompareDeps,
  root: WatchRoot,
  remote: Remote,
  signal?: AbortSignal,
): Promise<CompareResult> {
  const { config, clock } = deps;
  const started = clock.now();
  const collector = new DriftCollector(deps.filter, config.inotify.delete);
  const label = `verify ${root.path} -> ${remote.label}`;
  const state = { tree: null as TreeTally | null, pid: null as number | null, rsyncStarted: 0, checked: 0 };
  const out = new CompareOutput(
    (item) => {
      deps.logger.debug(() => `${label}: ${item.flags} ${JSON.stringify(item.path)}`);
      collector.add(item);
    },
    (p) => (state.checked = p.total !== null && p.toCheck !== null ? p.total - p.toCheck : state.checked),
  );
  let pacer: ProgressPacer | null = null;
  const tick = async (): Promise<void> => {
    const now = clock.now();
    if (!deps.progress || !state.tree || !pacer?.due(now)) return;
    const bytesRead = await bytesReadBy(state.pid);
    deps.progress(
      formatProgress(
        label,
        { entries: state.tree.entries, bytes: state.tree.bytes, filesChecked: state.checked, bytesRead },
        state.rsyncStarted,
        now,
      ),
    );
  };
  const timer = deps.progress ? setInterval(() => void tick(), deps.progressTickMs ?? 1000) : null;
  try {
    const r = await runCompare(deps, root, remote, {
      onStdout: (t) => out.push(t),
      onTree: (t) => (state.tree = t),
      onSpawn: (pid) => {
        state.pid = pid;
        state.rsyncStarted = clock.now();
        pacer = new ProgressPacer(state.rsyncStarted, deps.progressEveryMs);
      },
      signal,
    });
    const stats = out.end();
    if (typeof r === 'string')
      return { verdict: { kind: 'unchecked', root: root.path, remote: remote.label, reason: r }, repair: [] };
    if (!succeeded(r)) {
      return {
        verdict: { kind: 'unchecked', root: root.path, remote: remote.label, reason: oneLine(uncheckedReason(r)) },
        repair: [],
      };
    }
    const { report, repair } = collector.finish(root.path, remote.label, stats, clock.now() - started);
    return { verdict: { kind: 'checked', report }, repair };
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Where a comparison's output and facts go. */
interface CompareSinks {
  /** rsync's stdout as it comes: itemized lines, progress2, --stats. */
  readonly onStdout: (text: string) => void;
  /** What the local walk counted, before rsync starts. */
  readonly onTree: (tally: TreeTally) => void;
  readonly onSpawn: (pid: number) => void;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The walk (excludes, tree size), then the dry run by checksum (verify/compare-plan.ts). The same
 * empty-root refusal as a deleting full sync, as its reason: an unmounted root would read as
 * "everything on the remote is extra", and a repair would delete it.
 */
async function runCompare(
  deps: CompareDeps,
  root: WatchRoot,
  remote: Remote,
  sinks: CompareSinks,
): Promise<RsyncResult | string> {
  if (deps.config.inotify.delete) {
    const unsafe = await unsafeRootReason(root.path);
    if (unsafe) return unsafe;
  }
  const ssh = deps.ssh ? { ssh: deps.ssh(remote) } : {};
  const run = planCompare({ rootPath: root.path, remote, config: deps.config, protect: deps.protect, ...ssh });
  const executor = new RsyncExecutor(
    {
      rootPath: root.path,
      remoteLabel: remote.label,
      filter: deps.filter,
      runner: deps.runner,
      limiter: deps.slots(remote),
      tmpDir: deps.tmpDir,
    },
    deps.logger.child(remote.label),
  );
  const tally: TreeTally = { entries: 1, bytes: 0 }; // rsync counts the root "." too
  const results = await executor.execute(run, {
    tally,
    afterWalk: () => sinks.onTree(tally),
    onStdout: sinks.onStdout,
    onSpawn: sinks.onSpawn,
    signal: sinks.signal,
  });
  return results[results.length - 1]!;
}

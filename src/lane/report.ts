import { classifyExit, succeeded } from '../rsync/exit-codes.js';
import type { RsyncResult } from '../rsync/runner.js';
import type { TransferProgress } from '../rsync/progress.js';
import type { BatchReport } from './types.js';

/** What a lane makes of a finished rsync run, and logs about it (pure). */

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** rsync's own words about what went wrong: its first specific lines, not the generic summary. */
function rsyncReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const specific = lines.filter((l) => !l.startsWith('rsync error:'));
  return (specific.length > 0 ? specific.slice(0, 2) : lines.slice(-1)).join(' / ');
}

/** `ROOT -> REMOTE: 3 paths, exit 0 (success), 12 ms, 1.2 KiB sent`: one line per batch. */
function batchLine(lane: string, run: { readonly full: boolean; readonly large: boolean; readonly paths: number; readonly rsyncRuns: number }, result: RsyncResult, meaning: string): string {
  const what = run.full ? 'full sync' : `${run.paths} ${run.large ? 'large file' : 'path'}${run.paths === 1 ? '' : 's'}`;
  const sent = result.bytesSent !== null ? `, ${formatBytes(result.bytesSent)} sent` : '';
  const runs = run.rsyncRuns > 1 ? `, ${run.rsyncRuns} rsync runs` : '';
  return `${lane}: ${what}, exit ${result.exitCode} (${meaning})${runs}, ${result.durationMs} ms${sent}`;
}

/** A long full sync's progress line. */
export function progressLine(lane: string, p: TransferProgress): string {
  const chk = p.total !== null && p.toCheck !== null ? `, ${p.total - p.toCheck}/${p.total} files checked` : '';
  return `full sync of ${lane}: ${formatBytes(p.bytes)} done, ${p.files} files transferred${chk}, ${p.rate}`;
}

/** One finished run of a batch or full sync, read: the report, the log line, and why it failed. */
export interface RunSummary {
  readonly report: BatchReport;
  readonly line: string;
  /** rsync's reason (or the exit code's meaning); '' when it succeeded. */
  readonly reason: string;
  /** A usage, protocol or config error: the operator must act. */
  readonly config: boolean;
}

export function summarizeRun(lane: string, run: { readonly full: boolean; readonly large: boolean; readonly paths: number; readonly rsyncRuns: number }, result: RsyncResult): RunSummary {
  const info = classifyExit(result.exitCode);
  const ok = succeeded(result);
  return {
    report: { full: run.full, paths: run.paths, exitCode: result.exitCode, ok, durationMs: result.durationMs, bytesSent: result.bytesSent, rsyncRuns: run.rsyncRuns },
    line: batchLine(lane, run, result, info.meaning),
    reason: ok ? '' : (result.spawnError ?? (rsyncReason(result.stderr) || info.meaning)),
    config: info.cls === 'config',
  };
}

/** A failed run's line: what happened, rsync's reason, and what the lane does next. */
export function failureLine(run: RunSummary, next: { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'down'; readonly probeInMs: number }, attempts: number): string {
  const then = next.kind === 'retry' ? `retry ${attempts} in ${next.delayMs} ms` : `remote is down after ${attempts} attempts: pending paths go to the fail log; probing every ${next.probeInMs} ms`;
  return `${run.line}; ${run.reason}; ${then}`;
}

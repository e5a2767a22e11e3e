import { classifyExit, succeeded } from '../rsync/exit-codes.js';
import { classifyRsyncFailure, rsyncReason, type Refusal, type RefusalContext } from '../rsync/refusals.js';
import type { RsyncResult } from '../rsync/runner.js';
import type { TransferProgress } from '../rsync/progress.js';
import type { FailRecord } from '../faillog/record.js';
import type { BatchReport, LaneFailure, LaneRef } from './types.js';

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

/** `ROOT -> REMOTE: 3 paths, exit 0 (success), 12 ms, 1.2 KiB sent`: one line per batch. */
function batchLine(
  lane: string,
  run: { readonly full: boolean; readonly large: boolean; readonly paths: number; readonly rsyncRuns: number },
  result: RsyncResult,
  meaning: string,
): string {
  const what = run.full
    ? 'full sync'
    : `${run.paths} ${run.large ? 'large file' : 'path'}${run.paths === 1 ? '' : 's'}`;
  const sent = result.bytesSent !== null ? `, ${formatBytes(result.bytesSent)} sent` : '';
  const runs = run.rsyncRuns > 1 ? `, ${run.rsyncRuns} rsync runs` : '';
  const versioned = result.versioned ? `, ${result.versioned} moved into versions` : '';
  return `${lane}: ${what}, exit ${result.exitCode} (${meaning})${runs}, ${result.durationMs} ms${sent}${versioned}`;
}

/** A long full sync's progress line. */
export function progressLine(lane: string, p: TransferProgress): string {
  const chk = p.total !== null && p.toCheck !== null ? `, ${p.total - p.toCheck}/${p.total} files checked` : '';
  return `full sync of ${lane}: ${formatBytes(p.bytes)} done, ${p.files} files transferred${chk}, ${p.rate}`;
}

/** One finished run of a batch or full sync, read: the report, the log line, and why it failed. */
interface RunSummary {
  readonly report: BatchReport;
  readonly line: string;
  /**
   * Why it failed, '' when it succeeded: for a known answer, the answer, who must act and on
   * what (refusals.ts); else rsync's own words (or the exit code's meaning).
   */
  readonly reason: string;
  /** A usage, protocol or config error: the operator must act. */
  readonly config: boolean;
  /** The known answer it failed with (the lane can act on its kind); null when none. */
  readonly refusal: Refusal | null;
}

export function summarizeRun(
  lane: string,
  run: { readonly full: boolean; readonly large: boolean; readonly paths: number; readonly rsyncRuns: number },
  result: RsyncResult,
  context: RefusalContext = {},
): RunSummary {
  const info = classifyExit(result.exitCode);
  const ok = succeeded(result);
  const refusal = ok || result.spawnError !== null ? null : classifyRsyncFailure(result, context);
  return {
    report: {
      full: run.full,
      paths: run.paths,
      exitCode: result.exitCode,
      ok,
      durationMs: result.durationMs,
      bytesSent: result.bytesSent,
      rsyncRuns: run.rsyncRuns,
      ...(result.versioned !== undefined ? { versioned: result.versioned } : {}),
    },
    line: batchLine(lane, run, result, info.meaning),
    reason: ok ? '' : (result.spawnError ?? refusal?.line ?? (rsyncReason(result.stderr) || info.meaning)),
    config: info.cls === 'config' || refusal?.kind === 'refused' || refusal?.kind === 'local',
    refusal,
  };
}

/** A failed run's line: what happened, rsync's reason, and what the lane does next. */
export function failureLine(
  run: RunSummary,
  next: { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'down'; readonly probeInMs: number },
  attempts: number,
): string {
  const then =
    next.kind === 'retry'
      ? `retry ${attempts} in ${next.delayMs} ms`
      : `remote is down after ${attempts} attempts: pending paths go to the fail log; probing every ${next.probeInMs} ms`;
  return `${run.line}; ${run.reason}; ${then}`;
}

/** The one line a missing watched root gets (never "remote is down": nothing is wrong there). */
function rootMissingLine(root: string): string {
  return `watched root ${root} is missing: waiting for it (nothing is sent or deleted until it is back; changes are journaled)`;
}

/**
 * The one line a receiver's refusal gets: `refusal`, the table's line (its words, who must act,
 * what to check: rsync/refusals.ts), and what the agent does meanwhile.
 */
function refusedLine(remote: string, refusal: string, probeInMs: number): string {
  return `remote ${remote} refused: ${refusal}; still watching and journaling, next try in ${Math.round(probeInMs / 1000)} s (backing off up to 60 s)`;
}

/** What status and the fail log say (`reason`), and the line logged, for a lane blocked by a refusal or a missing root. */
export function blockedNote(
  cause: 'refused' | 'root-missing',
  root: string,
  remote: string,
  refusal: string,
  probeInMs: number,
): { readonly reason: string; readonly line: string } {
  if (cause === 'root-missing') return { reason: `watched root ${root} is missing`, line: rootMissingLine(root) };
  return { reason: `${remote} refused: ${refusal}`, line: refusedLine(remote, refusal, probeInMs) };
}

/** What a lane could not deliver, as the fail log keeps it (the agent's and verify's lanes alike). */
export function failRecordOf(lane: LaneRef, f: LaneFailure, time: number): FailRecord {
  return {
    time,
    root: lane.root.path,
    remote: lane.remote.label,
    exitCode: f.exitCode,
    reason: f.reason,
    full: f.full,
    paths: f.paths,
    argv: f.argv,
  };
}

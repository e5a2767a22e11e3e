import { encodePath, type EncodedPath } from '../shared/path-codec.js';
import type { Metrics } from '../status/metrics.js';
import type { RepairOutcome } from './repair.js';
import { driftCount, type DriftList, type VerifyReport } from './report.js';

/** What the last scheduled check of one lane found. */
type LaneVerifyResult = 'identical' | 'drift' | 'unchecked' | 'skipped';

export interface LaneVerifyStatus {
  readonly root: string;
  readonly remote: string;
  readonly result: LaneVerifyResult;
  /** Wall-clock ms when it was decided. */
  readonly at: number;
  /** The last completed comparison (kept through a skipped or unchecked run). */
  readonly report: VerifyReport | null;
  /** Why it was skipped or could not be checked. */
  readonly reason: string | null;
  readonly repair: RepairOutcome | null;
}

/** The scheduled verify, for /status and /metrics. Times are wall-clock ms. */
export interface VerifyStatus {
  readonly scheduleMin: number;
  readonly repair: boolean;
  readonly running: boolean;
  readonly runs: number;
  readonly lastStartedAt: number | null;
  readonly lastFinishedAt: number | null;
  readonly lanes: readonly LaneVerifyStatus[];
}

/** One lane in the `verify` part of /status. */
interface VerifyLaneDocument {
  readonly root: string;
  readonly remote: string;
  readonly result: LaneVerifyResult;
  readonly at: string | null;
  readonly reason: string | null;
  readonly driftPaths: number | null;
  readonly differs: number | null;
  readonly missing: number | null;
  readonly extra: number | null;
  readonly checkedFiles: number | null;
  readonly bytes: number | null;
  readonly durationMs: number | null;
  readonly firstPaths: {
    readonly differs: EncodedPath[];
    readonly missing: EncodedPath[];
    readonly extra: EncodedPath[];
  } | null;
  readonly repair: Pick<RepairOutcome, 'paths' | 'delivered' | 'state' | 'lastError'> | null;
}

/** The `verify` part of /status. */
export interface VerifyDocument {
  readonly scheduleMinutes: number;
  readonly repair: boolean;
  readonly running: boolean;
  readonly runs: number;
  readonly lastStartedAt: string | null;
  readonly lastFinishedAt: string | null;
  readonly remotes: readonly VerifyLaneDocument[];
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** Names as in the journal and fail log (UTF-8 text or `{"b64"}`), a directory with its `/`. */
function paths(list: DriftList | null | undefined): EncodedPath[] {
  return (list?.first ?? []).map((s) => encodePath(s.isDir && s.path !== '.' ? `${s.path}/` : s.path));
}

/** The `verify` part of /status. Pure. */
export function verifyDocument(v: VerifyStatus): VerifyDocument {
  return {
    scheduleMinutes: v.scheduleMin,
    repair: v.repair,
    running: v.running,
    runs: v.runs,
    lastStartedAt: iso(v.lastStartedAt),
    lastFinishedAt: iso(v.lastFinishedAt),
    remotes: v.lanes.map((l) => ({
      root: l.root,
      remote: l.remote,
      result: l.result,
      at: iso(l.at),
      reason: l.reason,
      driftPaths: l.report ? driftCount(l.report) : null,
      differs: l.report?.differs.count ?? null,
      missing: l.report?.missing.count ?? null,
      extra: l.report ? (l.report.extra?.count ?? null) : null,
      checkedFiles: l.report?.checkedFiles ?? null,
      bytes: l.report?.bytes ?? null,
      durationMs: l.report?.durationMs ?? null,
      firstPaths: l.report
        ? { differs: paths(l.report.differs), missing: paths(l.report.missing), extra: paths(l.report.extra) }
        : null,
      repair: l.repair
        ? { paths: l.repair.paths, delivered: l.repair.delivered, state: l.repair.state, lastError: l.repair.lastError }
        : null,
    })),
  };
}

/** `sersync_verify_drift_paths{root,remote}` (last completed check) and the last run's wall-clock time. */
export function setVerifyGauges(m: Metrics, v: VerifyStatus): void {
  m.clear('verify_drift_paths');
  for (const l of v.lanes) {
    if (l.report)
      m.set(
        'verify_drift_paths',
        'Paths that differ, are missing or extra on the remote, at the last completed verify.',
        { root: l.root, remote: l.remote },
        driftCount(l.report),
      );
  }
  if (v.lastFinishedAt !== null)
    m.set(
      'verify_last_run_timestamp_seconds',
      'When the last scheduled verify run finished (Unix time).',
      {},
      Math.floor(v.lastFinishedAt / 1000),
    );
}

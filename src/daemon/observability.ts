import type { FailRecord } from '../faillog/record.js';
import type { BatchReport, LaneRef, LaneStatus } from '../lane/lane.js';
import type { Clock } from '../shared/clock.js';
import { Intervals } from '../shared/intervals.js';
import {
  assessHealth,
  ProgressWatch,
  type Health,
  type AgentHealthPolicy,
  type RunInFlight,
} from '../status/agent-health.js';
import { LoopLag } from '../status/loop-lag.js';
import { Metrics } from '../status/metrics.js';
import type { ChangeKind } from '../watch/types.js';
import type { VerifyStatus } from '../verify/status.js';
import type { RetentionReport } from './retention.js';
import {
  agentState,
  statusDocument,
  type AgentSnapshot,
  type AgentState,
  type RootSnapshot,
  type StatusDocument,
} from './status-doc.js';
import { OVERFLOWS_TOTAL, REPLAYS_TOTAL, updateGauges } from './status-gauges.js';

/** What the other parts show: read when a snapshot is taken. */
export interface Observed {
  phase(): { readonly started: boolean; readonly stopping: boolean };
  roots(): readonly RootSnapshot[];
  eventsSeen(): number;
  watcherAlive(): boolean;
  failLog(): readonly FailRecord[];
  plugin(): AgentSnapshot['plugin'];
  /** `<verify schedule>`: the scheduled verify's last results (null when it is off). */
  verify(): VerifyStatus | null;
  /** Watched roots that are missing now. */
  missingRoots?(): readonly string[];
}

interface ObservabilityDeps {
  readonly clock: Clock;
  readonly version: string;
  /** When an rsync counts as stuck. */
  readonly policy: AgentHealthPolicy;
  readonly observed: Observed;
}

/** How often the event loop's lag is measured (and every lane's progress sampled). */
const TICK_MS = 500;

/**
 * Observability: the counters of /metrics (bumped as things happen), the health check (loop
 * lag, watcher alive, no rsync stuck), and the snapshot behind /status, /metrics, the watchdog
 * and SIGUSR1. The documents themselves are pure (status-doc.ts, status/agent-health.ts).
 */
export class Observability {
  private readonly metricsReg = new Metrics();
  private readonly progressWatch = new ProgressWatch();
  private readonly intervals = new Intervals();
  private readonly startedAt: number;
  private readonly startedAtWall: number;
  private fullSyncs = 0;
  private loopLagMs = 0;
  /**
   * events_total, counted here and published when /metrics is read: a registry inc per event
   * built a label object, a sorted key and a key string, 4 MiB of garbage per 10,000 events
   * on the main thread during a burst (issue 21, heap sampling).
   */
  private readonly events = new Map<string, Map<ChangeKind, number>>();

  constructor(private readonly deps: ObservabilityDeps) {
    this.startedAt = deps.clock.now();
    this.startedAtWall = deps.clock.wallNow();
  }

  start(): void {
    const lag = new LoopLag(TICK_MS, this.deps.clock.now());
    this.intervals.every(TICK_MS, () => {
      const now = this.deps.clock.now();
      this.loopLagMs = lag.tick(now);
      this.runsInFlight(
        this.deps.observed.roots().flatMap((r) => r.lanes),
        now,
      );
    });
  }

  stop(): void {
    this.intervals.clear();
  }

  // --- counters ------------------------------------------------------------------------------------

  event(root: string, kind: ChangeKind): void {
    let byKind = this.events.get(root);
    if (!byKind) this.events.set(root, (byKind = new Map<ChangeKind, number>()));
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }

  fullSync(reason: string): void {
    this.fullSyncs++;
    this.metricsReg.inc('full_syncs_total', 'Full syncs requested, by reason.', { reason });
  }

  overflow(): void {
    this.metricsReg.inc(...OVERFLOWS_TOTAL, {});
  }

  replayed(rec: FailRecord): void {
    this.metricsReg.inc(...REPLAYS_TOTAL, { root: rec.root, remote: rec.remote });
  }

  batchDone(lane: LaneRef, r: BatchReport): void {
    const labels = { root: lane.root.path, remote: lane.remote.label };
    const m = this.metricsReg;
    m.inc('batches_total', 'rsync batches and full syncs finished.', {
      ...labels,
      kind: r.full ? 'full' : 'batch',
      result: r.ok ? 'ok' : 'failed',
    });
    m.inc('rsync_runs_total', 'rsync processes run.', labels, r.rsyncRuns);
    if (r.ok) m.inc('paths_synced_total', 'Paths delivered by successful batches.', labels, r.paths);
    if (r.bytesSent !== null) m.inc('bytes_sent_total', 'Bytes rsync sent (from --stats).', labels, r.bytesSent);
    if (r.versioned !== undefined)
      m.inc(
        'versions_files_total',
        'Files replaced or deleted on the receiver and moved into a <versions> bucket.',
        labels,
        r.versioned,
      );
    m.observeDuration(
      'rsync_duration_seconds',
      'Duration of rsync batches and full syncs.',
      { ...labels, kind: r.full ? 'full' : 'batch' },
      r.durationMs / 1000,
    );
    if (!r.ok)
      m.inc('rsync_failures_total', 'Failed rsync runs by exit code.', { ...labels, exit_code: String(r.exitCode) });
  }

  /** One `<versions keep>` retention run on one remote. */
  retention(r: RetentionReport): void {
    const m = this.metricsReg;
    const labels = { remote: r.remote };
    m.inc(
      'versions_retention_runs_total',
      'Retention runs of <versions> buckets, by result (postponed: the remote could not be read or changed).',
      { ...labels, result: r.ok ? 'ok' : 'postponed' },
    );
    m.inc(
      'versions_freed_files_total',
      'Files in expired <versions> buckets removed from the receiver.',
      labels,
      r.freed.files,
    );
    m.inc(
      'versions_freed_bytes_total',
      'Bytes in expired <versions> buckets removed from the receiver.',
      labels,
      r.freed.bytes,
    );
    if (!r.kept) return;
    m.set(
      'versions_buckets',
      'Buckets of <versions> kept on the receiver (as of the last retention run).',
      labels,
      r.kept.buckets,
    );
    m.set(
      'versions_kept_files',
      'Files kept in <versions> buckets on the receiver (as of the last retention run).',
      labels,
      r.kept.files,
    );
    m.set(
      'versions_kept_bytes',
      'Bytes kept in <versions> buckets on the receiver: their disk cost (as of the last retention run).',
      labels,
      r.kept.bytes,
    );
  }

  // --- views ---------------------------------------------------------------------------------------

  snapshot(): AgentSnapshot {
    const o = this.deps.observed;
    const now = this.deps.clock.now();
    const roots = o.roots();
    const records = o.failLog();
    const byLane = new Map<string, number>();
    for (const rec of records) byLane.set(`${rec.root}\0${rec.remote}`, rec.full ? 1 : rec.paths.length);
    const health = assessHealth(
      {
        now,
        loopLagMs: this.loopLagMs,
        watcherAlive: o.watcherAlive(),
        runs: this.runsInFlight(
          roots.flatMap((r) => r.lanes),
          now,
        ),
        missingRoots: o.missingRoots?.() ?? [],
      },
      this.deps.policy,
    );
    return {
      now,
      startedAt: this.startedAt,
      startedAtWall: this.startedAtWall,
      version: this.deps.version,
      ...o.phase(),
      watcherAlive: o.watcherAlive(),
      health,
      roots,
      eventsSeen: o.eventsSeen(),
      fullSyncs: this.fullSyncs,
      failLogEntries: records.length,
      failLogByLane: byLane,
      plugin: o.plugin(),
      verify: o.verify(),
    };
  }

  health(): Health {
    return this.snapshot().health;
  }

  state(): AgentState {
    return agentState(this.snapshot());
  }

  statusDocument(): StatusDocument {
    return statusDocument(this.snapshot());
  }

  metrics(): string {
    for (const [root, byKind] of this.events)
      for (const [kind, n] of byKind)
        this.metricsReg.setTotal('events_total', 'Filesystem events seen, by kind.', { root, kind }, n);
    updateGauges(this.metricsReg, this.snapshot());
    return this.metricsReg.render();
  }

  /** One line per lane, for SIGUSR1 and the log. */
  statusLines(): string[] {
    const s = this.snapshot();
    const out = [
      `state ${agentState(s)}; ${s.eventsSeen} events; ${s.failLogEntries} fail-log entries; ${s.health.ok ? 'healthy' : `UNHEALTHY: ${s.health.reasons.join('; ')}`}`,
    ];
    for (const r of s.roots) {
      for (const l of r.lanes) {
        out.push(
          `${r.path} -> ${l.remote}: ${l.state}, ${l.pendingPaths + l.inFlightPaths} pending, ${l.batches} batches, last success ${l.lastSuccessAt ? new Date(l.lastSuccessAt).toISOString() : 'never'}${l.lastError ? `, last error: ${l.lastError}` : ''}`,
        );
      }
    }
    return out;
  }

  /** Every rsync in flight, with when its progress last advanced (sampled here and every tick). */
  private runsInFlight(lanes: readonly LaneStatus[], now: number): RunInFlight[] {
    const out: RunInFlight[] = [];
    for (const l of lanes) {
      const key = `${l.root} -> ${l.remote}`;
      const full = l.state === 'full-sync';
      const advancedAt = this.progressWatch.observe(key, l.inFlightSince, full ? l.progress : null, now);
      if (l.inFlightSince !== null && advancedAt !== null)
        out.push({ lane: key, kind: full ? 'full' : 'batch', since: l.inFlightSince, advancedAt });
    }
    return out;
  }
}

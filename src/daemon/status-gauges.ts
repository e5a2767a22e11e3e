import type { Metrics } from '../status/metrics.js';
import { setVerifyGauges } from '../verify/status.js';
import { age, type AgentSnapshot, type RootSnapshot } from './status-doc.js';

/** The /metrics gauges made from an agent snapshot (status-doc.ts makes /status from the same). */

const LANE_STATES = [
  'idle',
  'syncing',
  'full-sync',
  'retrying',
  'down',
  'refused',
  'root-missing',
  'full',
  'stopped',
] as const;

/**
 * Counters of rare events, published at 0 from the first scrape: a series that first appears
 * with its first event is invisible to Prometheus' increase() and rate(), so an alert would miss it.
 */
export const OVERFLOWS_TOTAL = ['overflows_total', 'Kernel event queue overflows detected by the canary.'] as const;
export const REPLAYS_TOTAL = ['replays_total', 'Fail-log entries replayed.'] as const;

/** Sets the gauges of `m` from the snapshot (counters are bumped as things happen). */
export function updateGauges(m: Metrics, s: AgentSnapshot): void {
  m.set('up', 'The agent is running (1).', {}, 1);
  m.set('healthy', 'Health check passes (1) or not (0).', {}, s.health.ok ? 1 : 0);
  m.set('faillog_entries', 'Entries in the fail log.', {}, s.failLogEntries);
  m.inc(...OVERFLOWS_TOTAL, {}, 0);
  if (s.plugin) setPluginGauges(m, s.plugin);
  if (s.verify) setVerifyGauges(m, s.verify);
  for (const name of [
    'lane_state',
    'pending_paths',
    'oldest_pending_age_seconds',
    'watched_directories',
    'lane_in_flight_paths',
    'faillog_paths',
  ])
    m.clear(name);
  for (const r of s.roots) setRootGauges(m, s, r);
}

/** Counted inside the plugins; published as the counters' current totals. */
function setPluginGauges(m: Metrics, p: NonNullable<AgentSnapshot['plugin']>): void {
  m.setTotal(
    'plugin_failures_total',
    'Plugin work that failed (command exit or timeout, refused or abandoned requests, exceptions).',
    { plugin: p.name },
    p.failures,
  );
  m.setTotal('plugin_dropped_total', 'Plugin work dropped because its queue was full.', { plugin: p.name }, p.dropped);
}

function setRootGauges(m: Metrics, s: AgentSnapshot, r: RootSnapshot): void {
  m.set('watched_directories', 'Directories with a live watch.', { root: r.path }, r.watchedDirs);
  if (r.brake) {
    m.set(
      'deletions_held',
      'Deletions held by the mass-deletion brake (<deleteGuard>); release with sersync-ts release-deletes.',
      { root: r.path },
      r.brake.heldDeletions,
    );
    m.set(
      'root_files',
      "Files in the watched root, as the watcher counts them (the brake's base).",
      { root: r.path },
      r.brake.files,
    );
  }
  const oldest = age(s.now, r.oldestPendingSince);
  for (const l of r.lanes) {
    const labels = { root: r.path, remote: l.remote };
    for (const st of LANE_STATES)
      m.set(
        'lane_state',
        'Current lane state (1 for the current one).',
        { ...labels, state: st },
        l.state === st ? 1 : 0,
      );
    m.set('pending_paths', 'Paths waiting for this remote.', labels, l.pendingPaths + l.inFlightPaths);
    m.set('lane_in_flight_paths', 'Paths in the rsync running now.', labels, l.inFlightPaths);
    m.set(
      'faillog_paths',
      'Paths in the fail log for this remote (a full sync counts as 1).',
      labels,
      s.failLogByLane.get(`${l.root}\0${l.remote}`) ?? 0,
    );
    m.inc(...REPLAYS_TOTAL, labels, 0);
    const worst = Math.max(age(s.now, l.oldestPendingSince) ?? 0, oldest ?? 0);
    m.set(
      'oldest_pending_age_seconds',
      'Age of the oldest change not yet delivered to this remote.',
      labels,
      worst / 1000,
    );
  }
}

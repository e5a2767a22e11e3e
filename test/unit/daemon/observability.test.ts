import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Observability, type Observed } from '../../../src/daemon/observability.js';
import type { RootSnapshot } from '../../../src/daemon/status-doc.js';
import type { FailRecord } from '../../../src/faillog/record.js';
import type { LaneRef } from '../../../src/lane/lane.js';
import { DEFAULT_AGENT_HEALTH_POLICY } from '../../../src/status/agent-health.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { laneStatus } from '../../helpers/lane-status.js';

const lane = laneStatus;

/** Observability with fakes of what it observes, which the test sets as it goes. */
function harness() {
  const clock = new SteppingClock(undefined, true);
  const world = {
    started: true,
    stopping: false,
    lanes: [lane()],
    alive: true,
    failLog: [] as FailRecord[],
    events: 0,
  };
  const observed: Observed = {
    phase: () => ({ started: world.started, stopping: world.stopping }),
    roots: (): RootSnapshot[] => [
      { path: '/srv/www', watchedDirs: 3, aggregatedPaths: 0, oldestPendingSince: null, lanes: world.lanes },
    ],
    eventsSeen: () => world.events,
    watcherAlive: () => world.alive,
    failLog: () => world.failLog,
    plugin: () => null,
    verify: () => null,
  };
  const obs = new Observability({
    clock,
    version: '9.9.9',
    policy: { ...DEFAULT_AGENT_HEALTH_POLICY, maxBatchMs: 60_000 },
    observed,
  });
  return { obs, clock, world };
}

const ref: LaneRef = {
  root: { path: '/srv/www' } as LaneRef['root'],
  remote: { label: '127.0.0.1::www' } as LaneRef['remote'],
};

describe('Observability', () => {
  let clock: SteppingClock | null = null;
  afterEach(() => {
    clock?.restore();
    clock = null;
  });

  it('the state follows the parts: starting, watching, syncing, remote-down, watch-failed, stopping', () => {
    const h = harness();
    clock = h.clock;
    h.world.started = false;
    assert.equal(h.obs.state(), 'starting');
    h.world.started = true;
    assert.equal(h.obs.state(), 'watching');
    h.world.lanes = [lane({ state: 'syncing', inFlightPaths: 2, inFlightSince: 0 })];
    assert.equal(h.obs.state(), 'syncing');
    h.world.lanes = [lane({ health: 'down', state: 'down' })];
    assert.equal(h.obs.state(), 'remote-down');
    h.world.alive = false;
    assert.equal(h.obs.state(), 'watch-failed');
    h.world.stopping = true;
    assert.equal(h.obs.state(), 'stopping');
  });

  it('counters reach /metrics; gauges come from the snapshot', () => {
    const h = harness();
    clock = h.clock;
    h.obs.event('/srv/www', 'created');
    h.obs.event('/srv/www', 'created');
    h.obs.fullSync('-r');
    h.obs.batchDone(ref, {
      full: false,
      paths: 3,
      exitCode: 0,
      ok: true,
      durationMs: 1500,
      bytesSent: 10,
      rsyncRuns: 1,
    });
    h.obs.batchDone(ref, {
      full: false,
      paths: 1,
      exitCode: 10,
      ok: false,
      durationMs: 5,
      bytesSent: null,
      rsyncRuns: 1,
    });
    h.world.failLog = [
      {
        time: 0,
        root: '/srv/www',
        remote: '127.0.0.1::www',
        exitCode: 10,
        reason: 'x',
        full: false,
        paths: ['a', 'b'],
        argv: [],
      },
    ];
    const m = h.obs.metrics();
    assert.match(m, /^sersync_events_total\{root="\/srv\/www",kind="created"\} 2$/m);
    assert.match(m, /^sersync_full_syncs_total\{reason="-r"\} 1$/m);
    assert.match(m, /^sersync_paths_synced_total\{root="\/srv\/www",remote="127\.0\.0\.1::www"\} 3$/m);
    assert.match(m, /^sersync_rsync_failures_total\{root="\/srv\/www",remote="127\.0\.0\.1::www",exit_code="10"\} 1$/m);
    assert.match(m, /^sersync_faillog_entries 1$/m);
    assert.match(m, /^sersync_watched_directories\{root="\/srv\/www"\} 3$/m);
    h.obs.event('/srv/www', 'created');
    h.obs.event('/srv/www', 'removed');
    const again = h.obs.metrics();
    assert.match(again, /^sersync_events_total\{root="\/srv\/www",kind="created"\} 3$/m);
    assert.match(again, /^sersync_events_total\{root="\/srv\/www",kind="removed"\} 1$/m);
    const doc = h.obs.statusDocument();
    assert.equal(doc.fullSyncs, 1);
    assert.equal(doc.version, '9.9.9');
    assert.equal(doc.roots[0]!.remotes[0]!.failLogEntries, 2);
  });

  it('health: an rsync running past the limit is stuck; a blocked event loop is seen by the tick', () => {
    const h = harness();
    clock = h.clock;
    h.obs.start();
    h.world.lanes = [lane({ state: 'syncing', inFlightPaths: 1, inFlightSince: 0 })];
    h.clock.advance(30_000);
    assert.equal(h.obs.health().ok, true);
    h.clock.advance(31_000);
    const bad = h.obs.health();
    assert.equal(bad.ok, false);
    assert.match(bad.reasons.join(), /batch rsync running for 61 s/);
    h.obs.stop();
  });

  it('statusLines: one for the agent, one per lane', () => {
    const h = harness();
    clock = h.clock;
    h.world.events = 7;
    h.world.lanes = [lane({ batches: 2, lastError: 'exit 10: refused' })];
    const lines = h.obs.statusLines();
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^state watching; 7 events; 0 fail-log entries; healthy$/);
    assert.match(
      lines[1]!,
      /^\/srv\/www -> 127\.0\.0\.1::www: idle, 0 pending, 2 batches, last success never, last error: exit 10: refused$/,
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSnapshot } from '../../../src/daemon/status-doc.js';
import { updateGauges } from '../../../src/daemon/status-gauges.js';
import type { LaneStatus } from '../../../src/lane/lane.js';
import { Metrics } from '../../../src/status/metrics.js';
import { laneStatus } from '../../helpers/lane-status.js';

function lane(remote: string, over: Partial<LaneStatus> = {}): LaneStatus {
  return laneStatus({ remote, ...over });
}

function snapshot(lanes: LaneStatus[], failLogByLane: Map<string, number>): AgentSnapshot {
  return {
    now: 10_000,
    startedAt: 0,
    startedAtWall: 0,
    version: '0.0.0',
    stopping: false,
    started: true,
    watcherAlive: true,
    health: { ok: true, reasons: [], live: true },
    roots: [{ path: '/srv/www', watchedDirs: 3, aggregatedPaths: 0, oldestPendingSince: null, lanes }],
    eventsSeen: 0,
    fullSyncs: 0,
    failLogEntries: failLogByLane.size,
    failLogByLane,
    plugin: null,
  };
}

describe('updateGauges', () => {
  it('publishes the rare-event counters at 0 before their first event, per lane for replays', () => {
    const m = new Metrics();
    updateGauges(m, snapshot([lane('127.0.0.1::a'), lane('127.0.0.1::b')], new Map()));
    const text = m.render();
    assert.match(text, /^sersync_overflows_total 0$/m);
    assert.match(text, /^sersync_replays_total\{root="\/srv\/www",remote="127\.0\.0\.1::a"\} 0$/m);
    assert.match(text, /^sersync_replays_total\{root="\/srv\/www",remote="127\.0\.0\.1::b"\} 0$/m);
  });

  it('keeps a counted replay or overflow across scrapes (adding 0 never resets it)', () => {
    const m = new Metrics();
    m.inc('replays_total', 'Fail-log entries replayed.', { root: '/srv/www', remote: '127.0.0.1::a' });
    m.inc('overflows_total', 'Kernel event queue overflows detected by the canary.', {});
    updateGauges(m, snapshot([lane('127.0.0.1::a')], new Map()));
    updateGauges(m, snapshot([lane('127.0.0.1::a')], new Map()));
    const text = m.render();
    assert.match(text, /^sersync_overflows_total 1$/m);
    assert.match(text, /^sersync_replays_total\{root="\/srv\/www",remote="127\.0\.0\.1::a"\} 1$/m);
  });

  it('faillog_paths per lane: the paths its fail-log entry holds, 0 for a lane without one', () => {
    const m = new Metrics();
    updateGauges(
      m,
      snapshot(
        [lane('127.0.0.1::a', { health: 'down', state: 'down' }), lane('127.0.0.1::b')],
        new Map([['/srv/www\u0000127.0.0.1::a', 42]]),
      ),
    );
    const text = m.render();
    assert.match(text, /^sersync_faillog_paths\{root="\/srv\/www",remote="127\.0\.0\.1::a"\} 42$/m);
    assert.match(text, /^sersync_faillog_paths\{root="\/srv\/www",remote="127\.0\.0\.1::b"\} 0$/m);
    assert.match(text, /^sersync_faillog_entries 1$/m);
    assert.match(text, /^sersync_lane_state\{root="\/srv\/www",remote="127\.0\.0\.1::a",state="down"\} 1$/m);
  });
});

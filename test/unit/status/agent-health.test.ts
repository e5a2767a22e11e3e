import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessHealth,
  DEFAULT_STUCK_MS,
  healthPolicyFor,
  ProgressWatch,
  STALL_FACTOR,
  type AgentHealthPolicy,
  type RunInFlight,
} from '../../../src/status/agent-health.js';

const policy: AgentHealthPolicy = { maxLoopLagMs: 5000, maxBatchMs: 60_000, maxStallMs: 30_000 };
const base = { loopLagMs: 0, watcherAlive: true };
const batch = (since: number): RunInFlight => ({
  lane: '/src -> 127.0.0.1::www',
  kind: 'batch',
  since,
  advancedAt: since,
});
const full = (since: number, advancedAt: number): RunInFlight => ({
  lane: '/src -> 127.0.0.1::www',
  kind: 'full',
  since,
  advancedAt,
});

describe('assessHealth: stuck means past the policy limit, progress counts for full syncs', () => {
  it('a batch is healthy up to maxBatchMs and stuck after it, naming the lane and the limit', () => {
    assert.equal(assessHealth({ ...base, now: 1000 + 60_000, runs: [batch(1000)] }, policy).ok, true);
    const h = assessHealth({ ...base, now: 1000 + 60_001, runs: [batch(1000)] }, policy);
    assert.equal(h.ok, false);
    assert.deepEqual(h.reasons, ['/src -> 127.0.0.1::www: batch rsync running for 60 s (stuck limit 60 s)']);
  });
  it('a full sync running far longer than any limit is healthy while its progress advances', () => {
    const now = 10 * 3600_000;
    assert.equal(assessHealth({ ...base, now, runs: [full(0, now - 29_000)] }, policy).ok, true);
  });
  it('a full sync whose progress stalled past maxStallMs is stuck', () => {
    const now = 100_000;
    const h = assessHealth({ ...base, now, runs: [full(50_000, 69_000)] }, policy);
    assert.equal(h.ok, false);
    assert.match(h.reasons[0]!, /full sync has made no progress for 31 s \(stuck limit 30 s; running for 50 s\)/);
  });
  it('the policy passed in is the one used (the default 1 h would call this healthy)', () => {
    const input = { ...base, now: 120_000, runs: [batch(0)] };
    assert.equal(assessHealth(input).ok, true);
    assert.equal(assessHealth(input, policy).ok, false);
  });
  it('loop lag and a dead watcher are reasons too', () => {
    const h = assessHealth({ now: 0, loopLagMs: 6000, watcherAlive: false, runs: [] }, policy);
    assert.deepEqual(h.reasons, ['event loop blocked for 6000 ms', 'the watcher is not running']);
  });
});

describe('healthPolicyFor: limits from <rsync><timeout time>', () => {
  it('no timeout: 1 h for both', () => {
    const p = healthPolicyFor({ timeoutSec: null });
    assert.equal(p.maxBatchMs, DEFAULT_STUCK_MS);
    assert.equal(p.maxStallMs, DEFAULT_STUCK_MS);
  });
  it('a long timeout raises the limit to STALL_FACTOR x timeout; a short one keeps the 1 h floor', () => {
    assert.equal(healthPolicyFor({ timeoutSec: 7200 }).maxBatchMs, STALL_FACTOR * 7200_000);
    assert.equal(healthPolicyFor({ timeoutSec: 7200 }).maxStallMs, STALL_FACTOR * 7200_000);
    assert.equal(healthPolicyFor({ timeoutSec: 100 }).maxBatchMs, DEFAULT_STUCK_MS);
  });
});

describe('ProgressWatch: when a run last advanced', () => {
  const mark = (bytes: number, toCheck: number | null = null) => ({
    bytes,
    files: 0,
    toCheck,
    total: toCheck === null ? null : 100,
  });
  it('a run without progress advanced at its start; a change moves it to now; no change keeps it', () => {
    const w = new ProgressWatch();
    assert.equal(w.observe('l', 100, null, 500), 100);
    assert.equal(w.observe('l', 100, mark(10), 700), 700);
    assert.equal(w.observe('l', 100, mark(10), 900_000), 700);
    assert.equal(w.observe('l', 100, mark(10, 50), 900_001), 900_001, 'files checked count as progress');
  });
  it('a new run (other since) starts afresh; no run forgets the lane', () => {
    const w = new ProgressWatch();
    w.observe('l', 100, mark(10), 200);
    assert.equal(w.observe('l', 5000, null, 6000), 5000);
    assert.equal(w.observe('l', null, null, 7000), null);
    assert.equal(w.observe('l', 5000, null, 8000), 5000);
  });
});

describe('health: a missing watched root', () => {
  it('is not ok (/healthz 503, with the reason) but live: the watchdog must not restart an agent that waits for it', () => {
    const h = assessHealth({ now: 0, loopLagMs: 0, watcherAlive: true, runs: [], missingRoots: ['/srv/www'] });
    assert.equal(h.ok, false);
    assert.equal(h.live, true);
    assert.deepEqual(h.reasons, ['watched root /srv/www is missing']);
  });
  it('a stuck agent is neither', () => {
    const h = assessHealth({ now: 0, loopLagMs: 10_000, watcherAlive: true, runs: [], missingRoots: ['/srv/www'] });
    assert.equal(h.ok, false);
    assert.equal(h.live, false);
  });
});

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../helpers/paths.js';
import { machineMonotonicMs, systemClock } from '../../../src/shared/clock.js';
import { Aggregator } from '../../../src/aggregate/aggregator.js';
import { Scheduler } from '../../../src/daemon/scheduler.js';
import { CanaryCheck, canaryName } from '../../../src/watch/canary-check.js';
import { LoopLag } from '../../../src/status/loop-lag.js';
import { assessHealth } from '../../../src/status/agent-health.js';
import { DEFAULT_LANE_HEALTH } from '../../../src/lane/lane-health.js';
import { ThreadedHealth } from '../../helpers/threaded-health.js';
import { SteppingClock } from '../../helpers/fake-clock.js';

const HOUR = 3600_000;

/**
 * A wall-clock step (NTP after a VM resume, `date -s`) while changes are pending must change
 * nothing: every deadline is monotonic. Each test steps the wall clock back and forward by an
 * hour, with Date.now() following it (mock timers), and checks the schedule did not move.
 */
describe('wall-clock steps change no schedule', () => {
  let clock: SteppingClock | null = null;
  afterEach(() => clock?.restore());

  it('the system clock: now() ignores a step of Date, wallNow() follows it', () => {
    clock = new SteppingClock(Date.UTC(2026, 11, 3), true);
    const mono = systemClock.now();
    const machine = machineMonotonicMs();
    const wall = systemClock.wallNow();
    clock.stepWall(-HOUR);
    assert.ok(Math.abs(systemClock.wallNow() - (wall - HOUR)) < 1000, 'wallNow follows the step');
    assert.ok(systemClock.now() - mono >= 0 && systemClock.now() - mono < 1000, 'now() did not step');
    assert.ok(
      machineMonotonicMs() - machine >= 0 && machineMonotonicMs() - machine < 1000,
      'machineMonotonicMs() did not step',
    );
  });

  it('pending changes ship on time across a step back and a step forward (scheduler + aggregator)', () => {
    clock = new SteppingClock(Date.UTC(2026, 11, 3), true);
    const c = clock;
    const agg = new Aggregator({ delayMs: 20, maxDelayMs: 1000 }, { maxPathsPerDir: 1000, maxPendingPaths: 100_000 });
    const shipped: Array<{ at: number; paths: string[] }> = [];
    const sched = new Scheduler(
      c,
      () => agg.nextDeadline(),
      (now) => {
        const b = agg.due(now);
        if (b) shipped.push({ at: now, paths: b.entries.map((e) => e.path) });
      },
    );
    agg.add('a.txt', 'path', c.now());
    sched.rearm();
    c.advance(10);
    c.stepWall(-HOUR);
    c.advance(9);
    assert.deepEqual(shipped, [], 'not before its 20 ms of quiet');
    c.advance(1);
    assert.deepEqual(shipped, [{ at: 20, paths: ['a.txt'] }], 'at its 20 ms of quiet, not an hour later');
    agg.add('b.txt', 'path', c.now());
    sched.rearm();
    c.stepWall(2 * HOUR);
    assert.deepEqual(shipped.length, 1, 'a step forward does not make it due at once either');
    c.advance(20);
    assert.deepEqual(shipped, [
      { at: 20, paths: ['a.txt'] },
      { at: 40, paths: ['b.txt'] },
    ]);
    // A hot file still ships at maxDelay after its first change.
    for (let i = 0; i < 120; i++) {
      agg.add('hot', 'path', c.now());
      sched.rearm();
      if (i === 50) c.stepWall(-HOUR);
      c.advance(10);
    }
    assert.deepEqual(shipped.at(-1), { at: 1040, paths: ['hot'] });
    sched.cancel();
  });

  it('the canary: slots from the monotonic clock never look like a frozen writer or a loss', () => {
    clock = new SteppingClock();
    const check = new CanaryCheck(clock.now());
    const losses: unknown[] = [];
    for (let seq = 0; seq < 60; seq++) {
      if (seq === 20) clock.stepWall(HOUR);
      if (seq === 40) clock.stepWall(-2 * HOUR);
      const loss = check.seen(canaryName(Math.floor(clock.now() / 100), seq), clock.now());
      if (loss) losses.push(loss);
      losses.push(...[check.check(clock.now())].filter((l) => l !== null));
      clock.advance(100);
    }
    assert.deepEqual(losses, []);
  });

  it('health: a step is not a blocked event loop, a real block still is', () => {
    clock = new SteppingClock();
    const lag = new LoopLag(500, clock.now());
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      if (i === 3) clock.stepWall(HOUR);
      if (i === 6) clock.stepWall(-2 * HOUR);
      lags.push(lag.tick(clock.now()));
    }
    assert.deepEqual(lags, new Array(10).fill(0));
    assert.equal(assessHealth({ now: clock.now(), loopLagMs: lags.at(-1)!, watcherAlive: true, runs: [] }).ok, true);
    clock.advance(6500); // the loop really was blocked: the tick comes 6 s late
    const blocked = lag.tick(clock.now());
    assert.equal(blocked, 6000);
    assert.match(
      assessHealth({ now: clock.now(), loopLagMs: blocked, watcherAlive: true, runs: [] }).reasons.join(),
      /event loop blocked for 6000 ms/,
    );
  });

  it('retries: a lane that fails keeps its backoff (no retry storm after a step forward, no hour-long wait after a step back)', () => {
    clock = new SteppingClock();
    const h = new ThreadedHealth(DEFAULT_LANE_HEALTH, () => 0.5);
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = clock.now();
      clock.advance(50);
      if (i === 1) clock.stepWall(HOUR);
      if (i === 2) clock.stepWall(-2 * HOUR);
      const d = h.onFailure(clock.now(), started);
      assert.equal(d.kind, 'retry', `attempt ${i + 1} is a retry, not "down" (20 s of failing have not passed)`);
      if (d.kind === 'retry') delays.push(d.delayMs);
      clock.advance(d.kind === 'retry' ? d.delayMs : 0);
    }
    assert.ok(
      delays.every((d, i) => i === 0 || d >= delays[i - 1]!),
      `backoff grows: ${delays.join(', ')}`,
    );
    assert.ok(
      delays.every((d) => d < 10_000),
      `no hour-long wait: ${delays.join(', ')}`,
    );
  });
});

describe('the wall clock is read in one place', () => {
  it('no source file but src/shared/clock.ts reads Date.now() or new Date() (scheduling must use Clock.now())', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(path.join('src', 'shared', 'clock.ts'))) {
          fs.readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/Date\.now\(\)|new Date\(\)/.test(line.replace(/\/\/.*$/, '')))
                offenders.push(`${path.relative(projectRoot, p)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(path.join(projectRoot, 'src'));
    assert.deepEqual(offenders, []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  INITIAL,
  laneState,
  MIN_BATCH_INTERVAL_MS,
  settled,
  step,
  type LaneAction,
  type LaneControl,
  type LaneEvent,
  type LaneFacts,
} from '../../../src/lane/lane-machine.js';

/** Facts: nothing pending, healthy, the last batch long ago (no spacing). */
const F: LaneFacts = {
  pending: false,
  fullSync: false,
  largeWaiting: false,
  largeReady: false,
  largeLookInMs: null,
  down: false,
  sinceLastBatchMs: 10_000,
};
const S = (s: Partial<LaneControl> = {}): LaneControl => ({ ...INITIAL, ...s });
const run = (
  s: Partial<LaneControl>,
  e: LaneEvent,
  f: Partial<LaneFacts> = {},
): { state: LaneControl; actions: readonly LaneAction[] } => step(S(s), e, { ...F, ...f });
const dos = (r: { actions: readonly LaneAction[] }): string[] =>
  r.actions.map((a) => (a.do === 'arm' || a.do === 'arm-large' ? `${a.do} ${a.ms}` : a.do));

describe('lane machine: work arrives', () => {
  it('idle, healthy, paths pending: the main slot sends them', () => {
    const r = run({}, { type: 'work' }, { pending: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.equal(r.state.main, true);
  });
  it('right after another batch started: spaced, the rest of the interval', () => {
    const r = run({}, { type: 'work' }, { pending: true, sinceLastBatchMs: 50 });
    assert.deepEqual(dos(r), [`arm ${MIN_BATCH_INTERVAL_MS - 50}`]);
    assert.equal(r.state.timer, 'spacing');
  });
  it('a full sync is never spaced', () => {
    assert.deepEqual(dos(run({}, { type: 'work' }, { pending: true, fullSync: true, sinceLastBatchMs: 0 })), [
      'send-main',
    ]);
  });
  it('a full sync waits while the large-file slot sends (it covers those files)', () => {
    const r = run({ large: true }, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), []);
    assert.equal(r.state.main, false);
  });
  it('paths while the large slot sends go out beside it', () => {
    assert.deepEqual(dos(run({ large: true }, { type: 'work' }, { pending: true })), ['send-main']);
  });
  it('nothing while the main slot sends, or any timer is armed: it ships with the next batch', () => {
    for (const s of [
      { main: true },
      { timer: 'spacing' as const },
      { timer: 'retry' as const },
      { timer: 'probe' as const },
    ])
      assert.deepEqual(dos(run(s, { type: 'work' }, { pending: true })), [], JSON.stringify(s));
  });
  it('only big files waiting, written: the large-file slot looks and sends them', () => {
    const r = run({}, { type: 'work' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['send-large']);
    assert.equal(r.state.large, true);
  });
  it('nothing at all: the lane is idle, waiters wake', () => {
    assert.deepEqual(dos(run({}, { type: 'work' })), ['wake']);
  });
  it('while down: the fail log is updated soon, once', () => {
    const r = run({ timer: 'probe' }, { type: 'work' }, { pending: true, down: true });
    assert.deepEqual(dos(r), ['fail-log-soon']);
    assert.equal(r.state.failLogSoon, true);
    assert.deepEqual(dos(step(r.state, { type: 'work' }, { ...F, pending: true, down: true })), []);
  });
  it('while paused (a reload): kept, nothing starts', () => {
    assert.deepEqual(dos(run({ run: 'paused' }, { type: 'work' }, { pending: true })), []);
    assert.deepEqual(dos(run({ run: 'paused' }, { type: 'work' }, { pending: true, down: true })), []);
  });
  it('while stopped: nothing starts', () => {
    assert.deepEqual(dos(run({ run: 'stopped' }, { type: 'work' }, { pending: true })), []);
  });
});

describe('lane machine: the timer fires', () => {
  it('the spacing or a retry: the next batch goes', () => {
    for (const timer of ['spacing', 'retry'] as const) {
      const r = run({ timer }, { type: 'timer' }, { pending: true, sinceLastBatchMs: 500 });
      assert.deepEqual(dos(r), ['send-main'], timer);
      assert.equal(r.state.timer, 'none');
    }
  });
  it('a down lane: the probe runs', () => {
    const r = run({ timer: 'probe' }, { type: 'timer' }, { pending: true, down: true });
    assert.deepEqual(dos(r), ['probe']);
    assert.equal(r.state.timer, 'none');
  });
  it('paused or stopped meanwhile: nothing', () => {
    for (const s of ['paused', 'stopped'] as const)
      assert.deepEqual(dos(run({ run: s, timer: 'retry' }, { type: 'timer' }, { pending: true })), [], s);
  });
});

describe('lane machine: a batch ends', () => {
  it('main ok, more pending: the next batch (spacing applies)', () => {
    const r = run(
      { main: true },
      { type: 'main-done', verdict: { kind: 'ok' } },
      { pending: true, sinceLastBatchMs: 120 },
    );
    assert.deepEqual(dos(r), [`arm ${MIN_BATCH_INTERVAL_MS - 120}`]);
    assert.equal(r.state.main, false);
  });
  it('main ok, big files waiting: the large slot starts first, then the main slot', () => {
    const r = run(
      { main: true },
      { type: 'main-done', verdict: { kind: 'ok' } },
      { pending: true, largeWaiting: true, largeReady: true },
    );
    assert.deepEqual(dos(r), ['send-large', 'send-main']);
    assert.deepEqual([r.state.main, r.state.large], [true, true]);
  });
  it('main ok, nothing left: idle, waiters wake', () => {
    assert.deepEqual(dos(run({ main: true }, { type: 'main-done', verdict: { kind: 'ok' } })), ['wake']);
  });
  it('main failed, retry: the retry is armed, the lane is settled meanwhile', () => {
    const r = run(
      { main: true },
      { type: 'main-done', verdict: { kind: 'retry', delayMs: 700 } },
      { pending: true, largeWaiting: true },
    );
    assert.deepEqual(dos(r), ['arm 700', 'wake']);
    assert.deepEqual([r.state.main, r.state.timer], [false, 'retry']);
    assert.equal(settled(r.state, false), true);
  });
  it('main failed, down: fail log now, the probe armed', () => {
    const r = run(
      { main: true },
      { type: 'main-done', verdict: { kind: 'down', probeInMs: 2000 } },
      { pending: true, down: true },
    );
    assert.deepEqual(dos(r), ['fail-log', 'arm 2000', 'wake']);
    assert.equal(r.state.timer, 'probe');
  });
  it('a refused full sync (empty root): checked again later', () => {
    const r = run(
      { main: true },
      { type: 'main-done', verdict: { kind: 'refused', retryInMs: 5000 } },
      { pending: true, fullSync: true },
    );
    assert.deepEqual(dos(r), ['arm 5000', 'wake']);
    assert.equal(r.state.timer, 'refused');
    assert.equal(settled(r.state, false), true, 'a wait: nothing runs');
    assert.equal(laneState(r.state, 'retrying', false), 'retrying');
  });
  it("new work during a refused full sync's wait: the root has content again, the full sync goes now", () => {
    const r = run({ timer: 'refused' }, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), ['disarm', 'send-main']);
    assert.deepEqual([r.state.main, r.state.timer], [true, 'none']);
  });
  it('new work during a refused wait while the large slot sends: the full sync follows that slot', () => {
    const r = run({ timer: 'refused', large: true }, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), ['disarm']);
    assert.deepEqual(
      dos(step(r.state, { type: 'large-done', verdict: { kind: 'ok' } }, { ...F, pending: true, fullSync: true })),
      ['send-main'],
      'not left without a timer',
    );
  });
  it("a retry's backoff is not cut short by new work (no retry storm against a failing remote)", () => {
    assert.deepEqual(dos(run({ timer: 'retry' }, { type: 'work' }, { pending: true, fullSync: true })), []);
  });
  it('new work during a refused wait while paused or down: nothing starts', () => {
    assert.deepEqual(
      dos(run({ timer: 'refused', run: 'paused' }, { type: 'work' }, { pending: true, fullSync: true })),
      [],
    );
    assert.deepEqual(dos(run({ timer: 'refused' }, { type: 'work' }, { pending: true, fullSync: true, down: true })), [
      'fail-log-soon',
    ]);
  });
  it('large ok: the main slot may go (a waiting full sync now can)', () => {
    const r = run({ large: true }, { type: 'large-done', verdict: { kind: 'ok' } }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.equal(r.state.large, false);
  });
  it('large failed while main sends: the retry is armed; main goes on', () => {
    const r = run(
      { large: true, main: true },
      { type: 'large-done', verdict: { kind: 'retry', delayMs: 300 } },
      { pending: true },
    );
    assert.deepEqual(dos(r), ['arm 300', 'wake']);
    assert.deepEqual([r.state.main, r.state.large, r.state.timer], [true, false, 'retry']);
  });
  it('a main batch that was all big files: they wait for the large slot, which starts', () => {
    const r = run({ main: true }, { type: 'main-held' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['send-large']);
    assert.deepEqual([r.state.main, r.state.large], [false, true]);
  });
  it('a batch that ends after stop: its retry is armed but nothing starts', () => {
    const r = run(
      { run: 'stopped', main: true },
      { type: 'main-done', verdict: { kind: 'retry', delayMs: 100 } },
      { pending: true },
    );
    assert.deepEqual(dos(r), ['arm 100', 'wake']);
    assert.equal(r.state.main, false);
  });
});

describe('lane machine: big files that are still being written', () => {
  const writing = { largeWaiting: true, largeReady: false };
  it('none may go and no look is due: the slot timer waits for the next look; nothing else starts', () => {
    const r = run({}, { type: 'work' }, { ...writing, largeLookInMs: 80 });
    assert.deepEqual(dos(r), ['arm-large 80']);
    assert.deepEqual([r.state.large, r.state.largeTimer], [false, true]);
    assert.equal(settled(r.state, false), false, 'not settled: it will send soon');
  });
  it('a look is due: send-large (the lane looks), the slot counts as busy meanwhile', () => {
    const r = run({ largeTimer: true }, { type: 'large-timer' }, { ...writing, largeLookInMs: 0 });
    assert.deepEqual(dos(r), ['send-large']);
    assert.deepEqual([r.state.large, r.state.largeTimer], [true, false]);
  });
  it('the look found a file written: it starts', () => {
    const r = run({ large: true }, { type: 'large-looked' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['start-large']);
    assert.equal(r.state.large, true);
  });
  it('the look found it still written: the slot is free again, its timer armed; pending paths go to the main slot', () => {
    const r = run({ large: true }, { type: 'large-looked' }, { ...writing, largeLookInMs: 100, pending: true });
    assert.deepEqual(dos(r), ['arm-large 100', 'send-main']);
    assert.deepEqual([r.state.large, r.state.largeTimer, r.state.main], [false, true, true]);
  });
  it('paused, stopped or down while it looked: nothing starts', () => {
    for (const [s, f] of [
      [{ run: 'paused' as const }, {}],
      [{ run: 'stopped' as const }, {}],
      [{}, { down: true }],
    ] as const) {
      const r = run({ ...s, large: true }, { type: 'large-looked' }, { largeWaiting: true, largeReady: true, ...f });
      assert.deepEqual(
        dos(r).filter((d) => d === 'start-large' || d === 'send-large'),
        [],
        JSON.stringify([s, f]),
      );
      assert.equal(r.state.large, false);
    }
  });
  it('the slot timer never starts the large slot beside a main batch: main-done does', () => {
    const r = run({ main: true, largeTimer: true }, { type: 'large-timer' }, { ...writing, largeLookInMs: 0 });
    assert.deepEqual(dos(r), []);
    assert.deepEqual(
      dos(run({ main: true }, { type: 'main-done', verdict: { kind: 'ok' } }, { ...writing, largeLookInMs: 0 })),
      ['send-large'],
    );
  });
  it('a main batch ends while the slot timer waits for a later look: it is armed again, for the new time', () => {
    const r = run(
      { main: true, largeTimer: true },
      { type: 'main-done', verdict: { kind: 'ok' } },
      { ...writing, largeLookInMs: 40 },
    );
    assert.deepEqual(dos(r), ['arm-large 40']);
  });
  it('a file waiting but ready is not held by an armed slot timer: it is disarmed and the slot starts', () => {
    const r = run({ largeTimer: true }, { type: 'work' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['disarm-large', 'send-large']);
  });
});

describe('lane machine: down, probes, fail log', () => {
  it('the probe answers: everything pending goes now', () => {
    assert.deepEqual(dos(run({}, { type: 'probed', recovered: true, probeInMs: 0 }, { pending: true })), ['send-main']);
  });
  it('no answer: probe again later', () => {
    const r = run({}, { type: 'probed', recovered: false, probeInMs: 4000 }, { pending: true, down: true });
    assert.deepEqual(dos(r), ['arm 4000']);
    assert.equal(r.state.timer, 'probe');
  });
  it('an answer arriving after pause or stop is stale', () => {
    for (const s of ['paused', 'stopped'] as const)
      assert.deepEqual(
        dos(run({ run: s }, { type: 'probed', recovered: true, probeInMs: 0 }, { pending: true })),
        [],
        s,
      );
  });
  it('the fail-log update falls due: written while down (also paused), not once stopped or up', () => {
    assert.deepEqual(dos(run({ failLogSoon: true }, { type: 'fail-log-due' }, { down: true })), ['fail-log']);
    assert.deepEqual(dos(run({ failLogSoon: true, run: 'paused' }, { type: 'fail-log-due' }, { down: true })), [
      'fail-log',
    ]);
    assert.deepEqual(dos(run({ failLogSoon: true, run: 'stopped' }, { type: 'fail-log-due' }, { down: true })), []);
    const up = run({ failLogSoon: true }, { type: 'fail-log-due' }, { down: false });
    assert.deepEqual(dos(up), []);
    assert.equal(up.state.failLogSoon, false);
  });
});

describe('lane machine: pause, resume, stop', () => {
  it('pause and stop drop the timers and wake the waiters; a running batch is left alone', () => {
    for (const type of ['pause', 'stop'] as const) {
      const r = run({ main: true, timer: 'retry', largeTimer: true, failLogSoon: true }, { type });
      assert.deepEqual(dos(r), ['disarm', 'disarm-large', 'cancel-fail-log-soon', 'wake'], type);
      assert.deepEqual(
        [r.state.run, r.state.timer, r.state.largeTimer, r.state.failLogSoon, r.state.main],
        [type === 'pause' ? 'paused' : 'stopped', 'none', false, false, true],
      );
    }
  });
  it('resume: a down lane probes at once, a healthy one sends what it kept', () => {
    assert.deepEqual(dos(run({ run: 'paused' }, { type: 'resume' }, { pending: true, down: true })), ['arm 0']);
    assert.deepEqual(dos(run({ run: 'paused' }, { type: 'resume' }, { pending: true })), ['send-main']);
    assert.equal(run({ run: 'stopped' }, { type: 'resume' }).state.run, 'running');
  });
});

describe('lane machine: status and settledness', () => {
  it('the state shown, by precedence', () => {
    assert.equal(laneState(S({ run: 'stopped', main: true }), 'down', true), 'stopped');
    assert.equal(laneState(S({ main: true }), 'healthy', true), 'full-sync');
    assert.equal(laneState(S({ large: true }), 'down', false), 'syncing');
    assert.equal(laneState(S({ timer: 'probe' }), 'down', false), 'down');
    assert.equal(laneState(S({ timer: 'retry' }), 'retrying', false), 'retrying');
    assert.equal(laneState(S({ timer: 'spacing' }), 'healthy', false), 'syncing');
    assert.equal(laneState(S({ largeTimer: true }), 'healthy', false), 'syncing', 'a big file waits to be written');
    assert.equal(laneState(S(), 'healthy', false), 'idle');
  });
  it('settled: idle, stopped, or waiting with nothing running', () => {
    assert.equal(settled(S(), true), true);
    assert.equal(settled(S({ run: 'stopped', main: true }), false), true);
    assert.equal(settled(S({ timer: 'probe' }), false), true);
    assert.equal(settled(S({ timer: 'refused' }), false), true);
    assert.equal(settled(S({ timer: 'retry', large: true }), false), false);
    assert.equal(settled(S({ timer: 'spacing' }), false), false);
  });
});

describe('lane machine: blocked without a batch of its own (refused at start, root gone)', () => {
  it('arms the probe, records what is pending in the fail log, wakes waiters', () => {
    const r = run({}, { type: 'blocked', probeInMs: 2000 }, { down: true, pending: true });
    assert.deepEqual(dos(r), ['fail-log', 'arm 2000', 'wake']);
    assert.equal(r.state.timer, 'probe');
  });
  it('then new work only reaches the fail log; the probe, once it answers, sends everything', () => {
    const b = run({}, { type: 'blocked', probeInMs: 2000 }, { down: true });
    assert.deepEqual(dos(step(b.state, { type: 'work' }, { ...F, pending: true, down: true })), ['fail-log-soon']);
    const fired = step(b.state, { type: 'timer' }, { ...F, pending: true, down: true });
    assert.deepEqual(dos(fired), ['probe']);
    assert.deepEqual(
      dos(step(fired.state, { type: 'probed', recovered: true, probeInMs: 0 }, { ...F, pending: true })),
      ['send-main'],
    );
  });
  it('paused or stopped: nothing', () => {
    assert.deepEqual(dos(run({ run: 'paused' }, { type: 'blocked', probeInMs: 2000 }, { down: true })), []);
    assert.deepEqual(dos(run({ run: 'stopped' }, { type: 'blocked', probeInMs: 2000 }, { down: true })), []);
  });
  it('laneState names the blocked health', () => {
    assert.equal(laneState(S({ timer: 'probe' }), 'refused', false), 'refused');
    assert.equal(laneState(S({ timer: 'probe' }), 'root-missing', false), 'root-missing');
    assert.equal(laneState(S({ main: true }), 'refused', false), 'syncing', 'the replay after a probe answered');
  });
});

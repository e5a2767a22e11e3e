import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../../src/lane/lane-machine.js';
import {
  FAILLOG_UPDATE_MS,
  INITIAL,
  MIN_BATCH_INTERVAL_MS,
  nextDeadline,
  sending,
  settled,
  type LaneAction,
  type LaneEvent,
  type LaneFacts,
  type LaneState,
  type Verdict,
} from '../../../src/lane/lane-state.js';
import { SLOW_BATCH_MS, StuckCheck } from '../../../src/lane/stuck-check.js';

const SLOW = SLOW_BATCH_MS;
import { blockedName, stateName, type LaneStateName } from '../../../src/lane/lane-state-name.js';
import {
  blocked,
  DEFAULT_LANE_HEALTH,
  HEALTHY,
  HealthRules,
  type BlockCause,
  type HealthRecord,
  type ProbeAnswer,
} from '../../../src/lane/lane-health.js';

import { quietFacts } from '../../helpers/lane-status.js';

/** The clock's now in these tests (monotonic ms). */
const NOW = 1000;
/** Facts: nothing pending, healthy, the last batch long ago (no spacing). */
const F: LaneFacts = quietFacts(NOW, 10_000);
const S = (s: Partial<LaneState> = {}): LaneState => ({ ...INITIAL, ...s });
const run = (
  s: Partial<LaneState>,
  e: LaneEvent,
  f: Partial<LaneFacts> = {},
): { state: LaneState; actions: readonly LaneAction[] } => step(S(s), e, { ...F, ...f });
const dos = (r: { actions: readonly LaneAction[] }): string[] => r.actions.map((a) => a.do);
const SENDING = { main: 'sending' } as const;
const LARGE = { large: { kind: 'sending' } } as const;
const mode = (m: LaneState['mode']): Partial<LaneState> => ({ mode: m });
/** Health records as the rules leave them: retrying after one failure; down, refused, root missing. */
const RETRYING_H: HealthRecord = { ...HEALTHY, state: 'retrying', failures: 1 };
const BLOCKED_H: Record<BlockCause, HealthRecord> = {
  unreachable: { ...HEALTHY, state: 'down', failures: 5 },
  refused: { ...HEALTHY, state: 'refused', failures: 1, refusals: 1 },
  'root-missing': { ...HEALTHY, state: 'root-missing', failures: 1 },
};
const DOWN_H = BLOCKED_H.unreachable;
const RETRY = mode({ kind: 'retrying', until: NOW + 500 });
const PROBE = { ...mode({ kind: 'down', probeAt: NOW + 2000 }), health: DOWN_H };
/** A slot's batch ended with `verdict`; the health record is the one that verdict leaves. */
const done = (slot: 'main' | 'large', verdict: Verdict): LaneEvent => ({
  type: slot === 'main' ? 'main-done' : 'large-done',
  verdict,
  health: verdict.kind === 'retry' ? RETRYING_H : verdict.kind === 'down' ? DOWN_H : HEALTHY,
});
/** A probe answered (recovered: the replay decides, so still retrying) or not (still down). */
const probedEv = (recovered: boolean, probeInMs: number): LaneEvent => ({
  type: 'probed',
  recovered,
  probeInMs,
  health: recovered ? { ...DOWN_H, state: 'retrying' } : DOWN_H,
});
const blockedEv = (probeInMs: number, cause: BlockCause): LaneEvent => ({
  type: 'blocked',
  probeInMs,
  health: BLOCKED_H[cause],
});
const REFUSED = mode({ kind: 'refused', until: NOW + 5000 });

describe('lane machine: work arrives', () => {
  it('idle, healthy, paths pending: the main slot sends them', () => {
    const r = run({}, { type: 'work' }, { pending: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.equal(r.state.main, 'sending');
  });
  it('right after another batch started: spaced, the rest of the interval', () => {
    const r = run({}, { type: 'work' }, { pending: true, sinceLastBatchMs: 50 });
    assert.deepEqual(dos(r), []);
    assert.deepEqual(r.state.mode, { kind: 'spacing', until: NOW + MIN_BATCH_INTERVAL_MS - 50 });
    assert.equal(nextDeadline(r.state), NOW + MIN_BATCH_INTERVAL_MS - 50);
  });
  it('a full sync is never spaced', () => {
    assert.deepEqual(dos(run({}, { type: 'work' }, { pending: true, fullSync: true, sinceLastBatchMs: 0 })), [
      'send-main',
    ]);
  });
  it('a full sync waits while the large-file slot sends (it covers those files)', () => {
    const r = run(LARGE, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), []);
    assert.equal(r.state.main, 'idle');
  });
  it('paths while the large slot sends go out beside it', () => {
    assert.deepEqual(dos(run(LARGE, { type: 'work' }, { pending: true })), ['send-main']);
  });
  it('nothing while the main slot sends, or the lane waits: it ships with the next batch', () => {
    for (const s of [SENDING, mode({ kind: 'spacing', until: NOW + 100 }), RETRY, PROBE, mode({ kind: 'probing' })])
      assert.deepEqual(dos(run(s, { type: 'work' }, { pending: true })), [], JSON.stringify(s));
  });
  it('only big files waiting, written: the large-file slot looks and sends them', () => {
    const r = run({}, { type: 'work' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['send-large']);
    assert.deepEqual(r.state.large, { kind: 'sending' });
  });
  it('nothing at all: the lane is idle, waiters wake', () => {
    assert.deepEqual(dos(run({}, { type: 'work' })), ['wake']);
  });
  it('while down: the fail log is updated soon, once', () => {
    const r = run(PROBE, { type: 'work' }, { pending: true });
    assert.deepEqual(dos(r), []);
    assert.equal(r.state.failLogAt, NOW + FAILLOG_UPDATE_MS);
    const again = step(r.state, { type: 'work' }, { ...F, now: NOW + 10, pending: true });
    assert.equal(again.state.failLogAt, NOW + FAILLOG_UPDATE_MS, 'not pushed back by more work');
  });
  it('while paused (a reload): kept, nothing starts', () => {
    assert.deepEqual(run({ mode: { kind: 'paused' } }, { type: 'work' }, { pending: true }), {
      state: S({ mode: { kind: 'paused' } }),
      actions: [],
    });
    assert.deepEqual(
      run({ mode: { kind: 'paused' }, health: DOWN_H }, { type: 'work' }, { pending: true }).actions,
      [],
    );
    assert.equal(
      run({ mode: { kind: 'paused' }, health: DOWN_H }, { type: 'work' }, { pending: true }).state.failLogAt,
      null,
    );
  });
  it('while stopped: nothing starts', () => {
    assert.deepEqual(dos(run({ mode: { kind: 'stopped' } }, { type: 'work' }, { pending: true })), []);
  });
});

describe('lane machine: the timer fires', () => {
  it('the spacing or a retry ended: the next batch goes', () => {
    for (const kind of ['spacing', 'retrying'] as const) {
      const r = run(mode({ kind, until: NOW }), { type: 'timer' }, { pending: true, sinceLastBatchMs: 500 });
      assert.deepEqual(dos(r), ['send-main'], kind);
      assert.deepEqual(r.state.mode, { kind: 'ready' });
    }
  });
  it('fired before the deadline (a clock that rounds): nothing happens, the deadline stays', () => {
    const r = run(RETRY, { type: 'timer' }, { pending: true });
    assert.deepEqual(r, { state: S(RETRY), actions: [] });
  });
  it('a down lane: the probe runs (probing: no deadline until it answers)', () => {
    const r = run(PROBE, { type: 'timer' }, { now: NOW + 2000, pending: true });
    assert.deepEqual(dos(r), ['probe']);
    assert.deepEqual(r.state.mode, { kind: 'probing' });
    assert.equal(nextDeadline(r.state), null);
  });
  it('paused or stopped meanwhile: nothing, and nothing is timed', () => {
    for (const kind of ['paused', 'stopped'] as const) {
      const s = { mode: { kind }, failLogAt: NOW, large: { kind: 'waiting', lookAt: NOW } } as const;
      assert.deepEqual(dos(run(s, { type: 'timer' }, { now: NOW + 500, pending: true })), [], kind);
      assert.equal(nextDeadline(S(s)), null);
    }
  });
});

describe('lane machine: a batch ends', () => {
  it('main ok, more pending: the next batch (spacing applies)', () => {
    const r = run(SENDING, done('main', { kind: 'ok' }), { pending: true, sinceLastBatchMs: 120 });
    assert.deepEqual(dos(r), []);
    assert.equal(nextDeadline(r.state), NOW + MIN_BATCH_INTERVAL_MS - 120);
    assert.equal(r.state.main, 'idle');
  });
  it('main ok, big files waiting: the large slot starts first, then the main slot', () => {
    const r = run(SENDING, done('main', { kind: 'ok' }), { pending: true, largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['send-large', 'send-main']);
    assert.deepEqual([r.state.main, r.state.large.kind], ['sending', 'sending']);
  });
  it('main ok, nothing left: idle, waiters wake', () => {
    assert.deepEqual(dos(run(SENDING, done('main', { kind: 'ok' }))), ['wake']);
  });
  it('main failed, retry: the retry waits, the lane is settled meanwhile', () => {
    const r = run(SENDING, done('main', { kind: 'retry', delayMs: 700 }), { pending: true, largeWaiting: true });
    assert.deepEqual(dos(r), ['wake']);
    assert.deepEqual([r.state.main, r.state.mode], ['idle', { kind: 'retrying', until: NOW + 700 }]);
    assert.equal(nextDeadline(r.state), NOW + 700);
    assert.equal(settled(r.state, false), true);
  });
  it('main failed, down: fail log now, the probe waits', () => {
    const r = run(SENDING, done('main', { kind: 'down', probeInMs: 2000 }), { pending: true });
    assert.deepEqual(dos(r), ['fail-log', 'wake']);
    assert.deepEqual(r.state.mode, { kind: 'down', probeAt: NOW + 2000 });
  });
  it('a refused full sync (empty root): checked again later', () => {
    const r = run(SENDING, done('main', { kind: 'refused', retryInMs: 5000 }), { pending: true, fullSync: true });
    assert.deepEqual(dos(r), ['wake']);
    assert.deepEqual(r.state.mode, { kind: 'refused', until: NOW + 5000 });
    assert.equal(settled(r.state, false), true, 'a wait: nothing runs');
    assert.equal(stateName(r.state, false), 'retrying');
  });
  it("new work during a refused full sync's wait: the root has content again, the full sync goes now", () => {
    const r = run(REFUSED, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.deepEqual([r.state.main, r.state.mode], ['sending', { kind: 'ready' }]);
  });
  it('new work during a refused wait while the large slot sends: the full sync follows that slot', () => {
    const r = run({ ...REFUSED, ...LARGE }, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(r), []);
    assert.deepEqual(r.state.mode, { kind: 'ready' }, 'the wait ended');
    assert.equal(nextDeadline(r.state), NOW + SLOW, "only the stuck check's look at the large slot's rsync");
    assert.deepEqual(
      dos(step(r.state, done('large', { kind: 'ok' }), { ...F, pending: true, fullSync: true })),
      ['send-main'],
      'not left without a timer',
    );
  });
  it("a retry's backoff is not cut short by new work (no retry storm against a failing remote)", () => {
    assert.deepEqual(dos(run(RETRY, { type: 'work' }, { pending: true, fullSync: true })), []);
  });
  it('new work during a refused wait while paused or down: nothing starts', () => {
    assert.deepEqual(
      dos(run({ ...REFUSED, mode: { kind: 'paused' } }, { type: 'work' }, { pending: true, fullSync: true })),
      [],
    );
    const down = run({ ...REFUSED, health: DOWN_H }, { type: 'work' }, { pending: true, fullSync: true });
    assert.deepEqual(dos(down), []);
    assert.equal(down.state.failLogAt, NOW + FAILLOG_UPDATE_MS);
  });
  it('large ok: the main slot may go (a waiting full sync now can)', () => {
    const r = run(LARGE, done('large', { kind: 'ok' }), { pending: true, fullSync: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.deepEqual(r.state.large, { kind: 'idle' });
  });
  it('large failed while main sends: the retry waits; main goes on', () => {
    const r = run({ ...LARGE, ...SENDING }, done('large', { kind: 'retry', delayMs: 300 }), { pending: true });
    assert.deepEqual(dos(r), ['wake']);
    assert.deepEqual(
      [r.state.main, r.state.large, r.state.mode],
      ['sending', { kind: 'idle' }, { kind: 'retrying', until: NOW + 300 }],
    );
  });
  it('a main batch that was all big files: they wait for the large slot, which starts', () => {
    const r = run(SENDING, { type: 'main-held' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['send-large']);
    assert.deepEqual([r.state.main, r.state.large.kind], ['idle', 'sending']);
  });
  it('a batch that ends after stop: its retry is recorded but nothing starts or is timed', () => {
    const r = run({ mode: { kind: 'stopped' }, ...SENDING }, done('main', { kind: 'retry', delayMs: 100 }), {
      pending: true,
    });
    assert.deepEqual(dos(r), ['wake']);
    assert.equal(r.state.main, 'idle');
    assert.equal(nextDeadline(r.state), null);
  });
});

describe('lane machine: big files that are still being written', () => {
  const writing = { largeWaiting: true, largeReady: false };
  it('none may go and no look is due: the slot waits for the next look; nothing else starts', () => {
    const r = run({}, { type: 'work' }, { ...writing, largeLookInMs: 80 });
    assert.deepEqual(dos(r), []);
    assert.deepEqual(r.state.large, { kind: 'waiting', lookAt: NOW + 80 });
    assert.equal(nextDeadline(r.state), NOW + 80);
    assert.equal(settled(r.state, false), false, 'not settled: it will send soon');
  });
  it('the look is due: send-large (the lane looks), the slot counts as busy meanwhile', () => {
    const r = run({ large: { kind: 'waiting', lookAt: NOW } }, { type: 'timer' }, { ...writing, largeLookInMs: 0 });
    assert.deepEqual(dos(r), ['send-large']);
    assert.deepEqual(r.state.large, { kind: 'sending' });
  });
  it('the look found a file written: it starts', () => {
    const r = run(LARGE, { type: 'large-looked' }, { largeWaiting: true, largeReady: true });
    assert.deepEqual(dos(r), ['start-large']);
    assert.deepEqual(r.state.large, { kind: 'sending' });
  });
  it('the look found it still written: the slot is free again and waits; pending paths go to the main slot', () => {
    const r = run(LARGE, { type: 'large-looked' }, { ...writing, largeLookInMs: 100, pending: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.deepEqual([r.state.large, r.state.main], [{ kind: 'waiting', lookAt: NOW + 100 }, 'sending']);
  });
  it('paused, stopped, down or backing off (a main batch failed while it looked): nothing starts', () => {
    for (const [s, f] of [
      [{ mode: { kind: 'paused' } as const }, {}],
      [{ mode: { kind: 'stopped' } as const }, {}],
      [{ health: DOWN_H }, {}],
      [{ mode: { kind: 'retrying' as const, until: NOW + 500 } }, {}],
    ] as const) {
      const r = run({ ...s, ...LARGE }, { type: 'large-looked' }, { largeWaiting: true, largeReady: true, ...f });
      assert.deepEqual(
        dos(r).filter((d) => d === 'start-large' || d === 'send-large'),
        [],
        JSON.stringify([s, f]),
      );
      assert.deepEqual(r.state.large, { kind: 'idle' });
    }
  });
  it('the look falling due never starts the large slot beside a main batch: main-done does', () => {
    const r = run(
      { ...SENDING, large: { kind: 'waiting', lookAt: NOW } },
      { type: 'timer' },
      {
        ...writing,
        largeLookInMs: 0,
      },
    );
    assert.deepEqual(dos(r), []);
    assert.deepEqual(dos(run(SENDING, done('main', { kind: 'ok' }), { ...writing, largeLookInMs: 0 })), ['send-large']);
  });
  it('a main batch ends while the slot waits for a later look: it waits for the new time', () => {
    const r = run({ ...SENDING, large: { kind: 'waiting', lookAt: NOW + 500 } }, done('main', { kind: 'ok' }), {
      ...writing,
      largeLookInMs: 40,
    });
    assert.deepEqual(r.state.large, { kind: 'waiting', lookAt: NOW + 40 });
  });
  it('a file waiting but ready is not held by a later look: the slot starts', () => {
    const r = run(
      { large: { kind: 'waiting', lookAt: NOW + 500 } },
      { type: 'work' },
      {
        largeWaiting: true,
        largeReady: true,
      },
    );
    assert.deepEqual(dos(r), ['send-large']);
    assert.equal(nextDeadline(r.state), NOW + SLOW, 'no later look: only the stuck check over the slot now sending');
  });
});

describe('lane machine: down, probes, fail log', () => {
  it('the probe answers: everything pending goes now', () => {
    const r = run(mode({ kind: 'probing' }), probedEv(true, 0), { pending: true });
    assert.deepEqual(dos(r), ['send-main']);
    assert.deepEqual(r.state.mode, { kind: 'ready' });
  });
  it('no answer: probe again later', () => {
    const r = run(mode({ kind: 'probing' }), probedEv(false, 4000), {
      pending: true,
    });
    assert.deepEqual(dos(r), []);
    assert.deepEqual(r.state.mode, { kind: 'down', probeAt: NOW + 4000 });
  });
  it('an answer the lane no longer waits for is stale: after pause, stop or a resume, or once a batch decided meanwhile; its health record too', () => {
    for (const mode of [
      { kind: 'paused' },
      { kind: 'stopped' },
      { kind: 'down', probeAt: NOW },
      { kind: 'retrying', until: NOW + 500 },
      { kind: 'ready' },
    ] as const)
      for (const recovered of [true, false]) {
        const before = S({ mode, health: DOWN_H, ...SENDING });
        assert.deepEqual(
          step(before, probedEv(recovered, 4000), { ...F, pending: true }),
          { state: before, actions: [] },
          `${mode.kind} ${recovered}`,
        );
      }
  });
  it('the fail-log write falls due: written while down, not once up (the due time is cleared either way)', () => {
    const due = { ...PROBE, failLogAt: NOW };
    const down = run(due, { type: 'timer' });
    assert.deepEqual(dos(down), ['fail-log']);
    assert.deepEqual([down.state.failLogAt, nextDeadline(down.state)], [null, NOW + 2000]);
    const up = run({ failLogAt: NOW }, { type: 'timer' });
    assert.deepEqual(dos(up), ['wake']);
    assert.equal(up.state.failLogAt, null);
  });
  it('nextDeadline is the earliest of the wait, the large look and the fail-log write', () => {
    const s = S({ ...PROBE, large: { kind: 'waiting', lookAt: NOW + 1500 }, failLogAt: NOW + 900 });
    assert.equal(nextDeadline(s), NOW + 900);
    assert.equal(nextDeadline({ ...s, failLogAt: null }), NOW + 1500);
    assert.equal(nextDeadline(S()), null);
    assert.equal(nextDeadline(S(SENDING)), null);
  });
});

describe('lane machine: pause, resume, stop', () => {
  it('pause and stop drop what ends by itself and wake the waiters; a running batch is left alone', () => {
    for (const type of ['pause', 'stop'] as const) {
      const r = run(
        { ...SENDING, ...RETRY, large: { kind: 'waiting', lookAt: NOW + 5 }, failLogAt: NOW + 9 },
        { type },
      );
      assert.deepEqual(dos(r), ['wake'], type);
      assert.deepEqual(r.state, {
        mode: { kind: type === 'pause' ? 'paused' : 'stopped' },
        main: 'sending',
        large: { kind: 'idle' },
        failLogAt: null,
        health: HEALTHY,
        // Paused, the batch still running is looked at by the stuck check; stopped, it is left alone.
        stuck: type === 'pause' ? { kind: 'due', at: NOW + SLOW } : null,
      });
      assert.equal(nextDeadline(r.state), type === 'pause' ? NOW + SLOW : null);
    }
  });
  it('a down lane shows down while paused (its health record says so); resume probes at once', () => {
    const p = run(PROBE, { type: 'pause' });
    assert.deepEqual([p.state.mode, nextDeadline(p.state)], [{ kind: 'paused' }, null]);
    assert.equal(stateName(p.state, false), 'down');
    const r = step(p.state, { type: 'resume' }, { ...F, pending: true });
    assert.deepEqual([dos(r), nextDeadline(r.state)], [[], NOW]);
  });
  it('resume: a healthy lane sends what it kept; one that came up while paused owes no probe', () => {
    assert.deepEqual(dos(run({ mode: { kind: 'paused' } }, { type: 'resume' }, { pending: true })), ['send-main']);
    // Down before the pause, but a batch that ended while paused succeeded: the health record says healthy.
    const up = run(PROBE, { type: 'pause' }).state;
    assert.deepEqual(dos(step({ ...up, health: HEALTHY }, { type: 'resume' }, { ...F, pending: true })), ['send-main']);
    assert.deepEqual(run({ mode: { kind: 'stopped' } }, { type: 'resume' }).state.mode, { kind: 'stopped' });
    // A reload's pause reaching a lane stopped meanwhile: it stays stopped, and its resume starts nothing.
    const p = run({ mode: { kind: 'stopped' } }, { type: 'pause' }, { pending: true });
    assert.deepEqual([dos(p), p.state.mode], [[], { kind: 'stopped' }]);
    assert.deepEqual(dos(step(p.state, { type: 'resume' }, { ...F, pending: true })), []);
  });
  it('a batch that fails while paused: the fail log when down, no backoff kept (resume retries at once)', () => {
    const paused = { mode: { kind: 'paused' }, ...SENDING } as const;
    const retry = run(paused, done('main', { kind: 'retry', delayMs: 700 }), { pending: true });
    assert.deepEqual([dos(retry), retry.state.mode], [['wake'], { kind: 'paused' }]);
    const down = run(paused, done('main', { kind: 'down', probeInMs: 2000 }), { pending: true });
    assert.deepEqual([dos(down), down.state.mode], [['fail-log', 'wake'], { kind: 'paused' }]);
    assert.deepEqual(dos(step(retry.state, { type: 'resume' }, { ...F, pending: true })), ['send-main']);
    const r = step(down.state, { type: 'resume' }, { ...F, pending: true });
    assert.deepEqual([dos(r), r.state.mode], [[], { kind: 'down', probeAt: NOW }]);
  });
});

describe('lane machine: status and settledness', () => {
  it('the state shown, by precedence', () => {
    assert.equal(stateName(S({ mode: { kind: 'stopped' }, ...SENDING }), true), 'stopped');
    assert.equal(stateName(S(SENDING), true), 'full-sync');
    assert.equal(stateName(S(LARGE), false), 'syncing');
    assert.equal(stateName(S(PROBE), false), 'down');
    assert.equal(stateName(S(RETRY), false), 'retrying');
    assert.equal(stateName(S(mode({ kind: 'spacing', until: NOW })), false), 'syncing');
    assert.equal(
      stateName(S({ large: { kind: 'waiting', lookAt: NOW } }), false),
      'syncing',
      'a big file waits to be written',
    );
    assert.equal(stateName(S(), false), 'idle');
  });
  it('settled: idle, stopped, paused or waiting with nothing running', () => {
    assert.equal(settled(S(), true), true);
    assert.equal(settled(S({ mode: { kind: 'stopped' }, ...SENDING }), false), true);
    assert.equal(settled(S(PROBE), false), true);
    assert.equal(settled(S(mode({ kind: 'probing' })), false), true);
    assert.equal(settled(S(REFUSED), false), true);
    assert.equal(settled(S({ mode: { kind: 'paused' } }), false), true);
    assert.equal(settled(S({ mode: { kind: 'paused' }, ...SENDING }), false), false);
    assert.equal(settled(S({ ...RETRY, ...LARGE }), false), false);
    assert.equal(settled(S(mode({ kind: 'spacing', until: NOW })), false), false);
  });
});

describe('lane machine: blocked without a batch of its own (refused at start, root gone)', () => {
  it('the probe waits, what is pending goes to the fail log, waiters wake', () => {
    const r = run({}, blockedEv(2000, 'unreachable'), { pending: true });
    assert.deepEqual(dos(r), ['fail-log', 'wake']);
    assert.deepEqual(r.state.mode, { kind: 'down', probeAt: NOW + 2000 });
  });
  it('then new work only reaches the fail log; the probe, once it answers, sends everything', () => {
    const b = run({}, blockedEv(2000, 'unreachable'));
    assert.equal(step(b.state, { type: 'work' }, { ...F, pending: true }).state.failLogAt, NOW + 1000);
    const fired = step(b.state, { type: 'timer' }, { ...F, now: NOW + 2000, pending: true });
    assert.deepEqual(dos(fired), ['probe']);
    assert.deepEqual(dos(step(fired.state, probedEv(true, 0), { ...F, pending: true })), ['send-main']);
  });
  it('paused or stopped: nothing', () => {
    assert.deepEqual(dos(run({ mode: { kind: 'paused' } }, blockedEv(2000, 'unreachable'))), []);
    assert.deepEqual(dos(run({ mode: { kind: 'stopped' } }, blockedEv(2000, 'unreachable'))), []);
  });
  it('stateName names the blocked health (the wait says blocked, the health record why)', () => {
    const refused = { ...mode({ kind: 'down', probeAt: NOW }), health: BLOCKED_H.refused };
    assert.equal(stateName(S(refused), false), 'refused');
    assert.equal(
      stateName(S({ ...mode({ kind: 'probing' }), health: BLOCKED_H['root-missing'] }), false),
      'root-missing',
    );
    assert.equal(stateName(S(PROBE), false), 'down');
    assert.equal(stateName(S({ health: BLOCKED_H.refused }), false), 'idle', 'no probe waits: not blocked');
    assert.equal(stateName(S({ ...refused, mode: { kind: 'paused' } }), false), 'refused', 'blocked while paused');
    assert.equal(stateName(S(SENDING), false), 'syncing', 'the replay after a probe answered');
  });
  it('blocked while paused: the cause is kept, no fail log or probe until resume', () => {
    const p = run({ mode: { kind: 'paused' } }, blockedEv(2000, 'refused'));
    assert.deepEqual([dos(p), p.state.mode, nextDeadline(p.state)], [[], { kind: 'paused' }, null]);
    assert.equal(stateName(p.state, false), 'refused', 'paused, and blocked by its health record');
    const r = step(p.state, { type: 'resume' }, { ...F, pending: true });
    assert.deepEqual([dos(r), r.state.mode], [[], { kind: 'down', probeAt: NOW }]);
    assert.equal(stateName(r.state, false), 'refused', "the health record's cause");
  });
});

/**
 * Outages walked as rows: each row is an event at a time (what the lane's edge would feed the
 * machine), with the health verdicts of the real HealthRules policy (no jitter: random() = 1, so a
 * backoff is its full exponential value), and what must follow: the actions, the /status word,
 * the next deadline, settledness. Time is a number; no timers.
 */
describe('lane machine: outages, row by row', () => {
  type Ev = LaneEvent | ((rules: HealthRules, h: HealthRecord, now: number) => LaneEvent);
  interface Row {
    readonly at: number;
    readonly ev: Ev;
    /** Paths (or a full sync) wait for the main slot after the event. */
    readonly pending?: boolean | 'full';
    readonly do: readonly string[];
    readonly name: LaneStateName;
    readonly deadline: number | null;
    readonly settled?: boolean;
  }
  const mainFailed: Ev = (rules, h, now) => {
    const { health, decision } = rules.failure(h, now);
    return { type: 'main-done', verdict: decision, health };
  };
  const mainOk: Ev = (rules, h) => ({ type: 'main-done', verdict: { kind: 'ok' }, health: rules.success(h).health });
  const probed =
    (answer: ProbeAnswer): Ev =>
    (rules, h) => {
      const { health, decision: d } = rules.probe(h, answer);
      const probeInMs = d.kind === 'stay-down' ? d.probeInMs : 0;
      return { type: 'probed', recovered: d.kind === 'recovered', probeInMs, health };
    };
  const blockedBy =
    (cause: 'refused' | 'root-missing'): Ev =>
    (rules, h, now) => {
      const { health, decision: d } = rules.failure(h, now, now, cause);
      return { type: 'blocked', probeInMs: d.kind === 'down' ? d.probeInMs : 0, health };
    };
  const work: Ev = { type: 'work' };
  const timer: Ev = { type: 'timer' };

  function walk(rows: readonly Row[], start: LaneState = INITIAL): { state: LaneState; health: HealthRecord } {
    const rules = new HealthRules(DEFAULT_LANE_HEALTH, () => 1);
    let state = start;
    let lastBatchAt = Number.NEGATIVE_INFINITY;
    for (const [i, r] of rows.entries()) {
      const e = typeof r.ev === 'function' ? r.ev(rules, state.health, r.at) : r.ev;
      const facts: LaneFacts = {
        ...F,
        now: r.at,
        pending: r.pending !== undefined && r.pending !== false,
        fullSync: r.pending === 'full',
        sinceLastBatchMs: r.at - lastBatchAt,
      };
      const next = step(state, e, facts);
      state = next.state;
      if (next.actions.some((a) => a.do === 'send-main')) lastBatchAt = r.at;
      const label = `row ${i} (t=${r.at}, ${e.type})`;
      assert.deepEqual(dos(next), r.do, label);
      assert.equal(stateName(state, false), r.name, label);
      // The wait's blocked word is the health record's, row by row (one state, one answer).
      assert.equal(blockedName(state), blocked(state.health.state) ? state.health.state : null, label);
      assert.equal(nextDeadline(state), r.deadline, label);
      const idle = !facts.pending && !sending(state);
      if (r.settled !== undefined) assert.equal(settled(state, idle), r.settled, label);
    }
    return { state, health: state.health };
  }

  it('a failed batch is retried with backoff (500, 1000 ms), then succeeds', () => {
    const { health } = walk([
      // While an rsync runs, the one deadline is the stuck check's look, SLOW_BATCH_MS after it started.
      { at: 0, ev: work, pending: true, do: ['send-main'], name: 'syncing', deadline: SLOW },
      { at: 100, ev: mainFailed, pending: true, do: ['wake'], name: 'retrying', deadline: 600, settled: true },
      { at: 300, ev: work, pending: true, do: [], name: 'retrying', deadline: 600 },
      { at: 600, ev: timer, pending: true, do: ['send-main'], name: 'syncing', deadline: 600 + SLOW, settled: false },
      { at: 700, ev: mainFailed, pending: true, do: ['wake'], name: 'retrying', deadline: 1700 },
      { at: 1700, ev: timer, pending: true, do: ['send-main'], name: 'syncing', deadline: 1700 + SLOW },
      { at: 1800, ev: mainOk, do: ['wake'], name: 'idle', deadline: null },
    ]);
    assert.equal(health.state, 'healthy');
  });

  it('retries exhausted: down, the fail log (new changes at most once a second), probes, a relapse probes slower, then recovered', () => {
    const retries: Row[] = [];
    // Four failures retried after 500, 1000, 2000, 4000 ms; the fifth takes the lane down.
    for (const [at, delay] of [
      [10, 500],
      [520, 1000],
      [1530, 2000],
      [3540, 4000],
    ] as const)
      retries.push(
        { at, ev: mainFailed, pending: true, do: ['wake'], name: 'retrying', deadline: at + delay },
        { at: at + delay, ev: timer, pending: true, do: ['send-main'], name: 'syncing', deadline: at + delay + SLOW },
      );
    const { health } = walk([
      { at: 0, ev: work, pending: true, do: ['send-main'], name: 'syncing', deadline: SLOW },
      ...retries,
      {
        at: 7550,
        ev: mainFailed,
        pending: true,
        do: ['fail-log', 'wake'],
        name: 'down',
        deadline: 9550,
        settled: true,
      },
      // New changes while down: written to the fail log a second later, once, not on every change.
      { at: 8000, ev: work, pending: true, do: [], name: 'down', deadline: 9000 },
      { at: 8400, ev: work, pending: true, do: [], name: 'down', deadline: 9000 },
      { at: 9000, ev: timer, pending: true, do: ['fail-log'], name: 'down', deadline: 9550 },
      { at: 9550, ev: timer, pending: true, do: ['probe'], name: 'down', deadline: null, settled: true },
      // The probe answers: the replay goes at once...
      { at: 9600, ev: probed('ok'), pending: true, do: ['send-main'], name: 'syncing', deadline: 9600 + SLOW },
      // ...and fails again: a relapse, down at once, probed after 4000 ms instead of 2000.
      { at: 9700, ev: mainFailed, pending: true, do: ['fail-log', 'wake'], name: 'down', deadline: 13_700 },
      { at: 13_700, ev: timer, pending: true, do: ['probe'], name: 'down', deadline: null },
      { at: 13_750, ev: probed('unreachable'), pending: true, do: [], name: 'down', deadline: 17_750 },
      { at: 17_750, ev: timer, pending: true, do: ['probe'], name: 'down', deadline: null },
      { at: 17_800, ev: probed('ok'), pending: true, do: ['send-main'], name: 'syncing', deadline: 17_800 + SLOW },
      { at: 17_900, ev: mainOk, do: ['wake'], name: 'idle', deadline: null, settled: true },
    ]);
    assert.equal(health.state, 'healthy');
  });

  it('a full sync refused on an empty root waits for the re-check, or less: new work ends the wait', () => {
    walk([
      { at: 0, ev: work, pending: 'full', do: ['send-main'], name: 'syncing', deadline: SLOW },
      {
        at: 50,
        ev: done('main', { kind: 'refused', retryInMs: 5000 }),
        pending: 'full',
        do: ['wake'],
        name: 'retrying',
        deadline: 5050,
        settled: true,
      },
      { at: 1200, ev: work, pending: 'full', do: ['send-main'], name: 'syncing', deadline: 1200 + SLOW },
      { at: 1300, ev: mainOk, do: ['wake'], name: 'idle', deadline: null },
    ]);
  });

  it('a receiver that refuses at start, then the root goes: blocked, probed with backoff, sent once fixed', () => {
    walk([
      { at: 0, ev: blockedBy('refused'), pending: true, do: ['fail-log', 'wake'], name: 'refused', deadline: 2000 },
      { at: 2000, ev: timer, pending: true, do: ['probe'], name: 'refused', deadline: null },
      // Still refused: the probe backs off (2000, 4000, ... up to a minute).
      { at: 2100, ev: probed('refused'), pending: true, do: [], name: 'refused', deadline: 6100 },
      { at: 6100, ev: timer, pending: true, do: ['probe'], name: 'refused', deadline: null },
      { at: 6200, ev: probed('ok'), pending: true, do: ['send-main'], name: 'syncing', deadline: 6200 + SLOW },
      { at: 6300, ev: mainOk, do: ['wake'], name: 'idle', deadline: null },
    ]);
    walk([
      { at: 0, ev: blockedBy('root-missing'), do: ['fail-log', 'wake'], name: 'root-missing', deadline: 2000 },
      { at: 2000, ev: timer, do: ['probe'], name: 'root-missing', deadline: null },
      { at: 2050, ev: probed('unreachable'), do: [], name: 'root-missing', deadline: 4050 },
    ]);
  });

  it('pause during a send resolves when the send ends (settled); resume sends what was kept', () => {
    walk([
      { at: 0, ev: work, pending: true, do: ['send-main'], name: 'syncing', deadline: SLOW },
      // Paused, the stuck check still looks at the rsync running (a hung one must not hold a reload).
      { at: 10, ev: { type: 'pause' }, pending: true, do: ['wake'], name: 'syncing', deadline: SLOW, settled: false },
      { at: 20, ev: work, pending: true, do: [], name: 'syncing', deadline: SLOW },
      { at: 400, ev: mainOk, pending: true, do: [], name: 'idle', deadline: null, settled: true },
      { at: 500, ev: { type: 'resume' }, pending: true, do: ['send-main'], name: 'syncing', deadline: 500 + SLOW },
    ]);
  });

  it('a remote that hangs under a running rsync: the stuck check hands pending and in flight to the fail log; the failure then takes the usual way', () => {
    const stuck: Ev = (_rules, _h, now) => {
      const check = new StuckCheck();
      const look = check.look(now, 0);
      assert.equal(look.kind, 'ask');
      const v = check.answered(false, true, look.kind === 'ask' ? look.ageMs : 0);
      assert.equal(v.kind, 'fail-log');
      return { type: 'silent' };
    };
    const looked = (inMs: number): Ev => ({ type: 'stuck-looked', inMs });
    walk([
      { at: 0, ev: work, pending: true, do: ['send-main'], name: 'syncing', deadline: SLOW },
      // The lane's one timer: the stuck check looks (asks the remote); nothing else is timed meanwhile.
      { at: SLOW, ev: timer, pending: true, do: ['check-stuck'], name: 'syncing', deadline: null },
      { at: SLOW + 50, ev: stuck, pending: true, do: ['fail-log-all'], name: 'syncing', deadline: null },
      { at: SLOW + 50, ev: looked(SLOW), pending: true, do: [], name: 'syncing', deadline: 2 * SLOW + 50 },
      { at: 2 * SLOW + 50, ev: timer, pending: true, do: ['check-stuck'], name: 'syncing', deadline: null },
      { at: 2 * SLOW + 60, ev: looked(SLOW), pending: true, do: [], name: 'syncing', deadline: 3 * SLOW + 60 },
      // rsync's own --timeout ends it: the usual retry; no rsync runs, so no stuck check either.
      { at: 40_000, ev: mainFailed, pending: true, do: ['wake'], name: 'retrying', deadline: 40_500 },
    ]);
    // Nothing runs (it ended meanwhile) or the lane stopped: nothing to hand over.
    assert.deepEqual(dos(run({}, { type: 'silent' })), []);
    assert.deepEqual(dos(run({ mode: { kind: 'stopped' }, ...SENDING }, { type: 'silent' })), []);
    assert.deepEqual(dos(run({ mode: { kind: 'paused' }, ...LARGE }, { type: 'silent' })), ['fail-log-all']);
  });

  it('the stuck check follows the slots: armed when an rsync starts, kept while one runs on, gone when none runs or once stopped', () => {
    const looked = (inMs: number): Ev => ({ type: 'stuck-looked', inMs });
    const { state } = walk([
      { at: 0, ev: work, pending: true, do: ['send-main'], name: 'syncing', deadline: SLOW },
      // A look that finds the oldest rsync younger than the limit comes back with the rest of it.
      { at: SLOW, ev: timer, pending: true, do: ['check-stuck'], name: 'syncing', deadline: null },
      { at: SLOW + 5, ev: looked(3000), pending: true, do: [], name: 'syncing', deadline: SLOW + 3005 },
      // Paused while it runs: still looked at; a look that ends after the rsync did changes nothing.
      { at: SLOW + 10, ev: { type: 'pause' }, pending: true, do: ['wake'], name: 'syncing', deadline: SLOW + 3005 },
      { at: SLOW + 3005, ev: timer, pending: true, do: ['check-stuck'], name: 'syncing', deadline: null },
      { at: SLOW + 3100, ev: mainOk, pending: true, do: [], name: 'idle', deadline: null, settled: true },
      { at: SLOW + 3200, ev: looked(SLOW), pending: true, do: [], name: 'idle', deadline: null },
      {
        at: SLOW + 3300,
        ev: { type: 'resume' },
        pending: true,
        do: ['send-main'],
        name: 'syncing',
        deadline: 2 * SLOW + 3300,
      },
      { at: SLOW + 3400, ev: { type: 'stop' }, do: ['wake'], name: 'stopped', deadline: null, settled: true },
    ]);
    assert.equal(state.stuck, null);
  });

  it('stop while down: nothing is timed any more, the lane is settled and shows stopped', () => {
    const { state } = walk([
      { at: 0, ev: blockedBy('root-missing'), do: ['fail-log', 'wake'], name: 'root-missing', deadline: 2000 },
      { at: 500, ev: { type: 'stop' }, pending: true, do: ['wake'], name: 'stopped', deadline: null, settled: true },
      { at: 2000, ev: timer, pending: true, do: [], name: 'stopped', deadline: null },
    ]);
    assert.deepEqual(state.mode, { kind: 'stopped' });
  });
});

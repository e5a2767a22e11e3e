/**
 * A lane's control, as a pure state machine: (state, event, facts) → (state, actions). No timers,
 * no rsync: lane.ts performs the actions (starts batches, arms the one timer, probes, writes the
 * fail log) and feeds back what happened as events. The health verdicts (retry in N ms, down)
 * come from LaneHealth (lane-health.ts), the data (what is pending) stays in lane.ts: `facts` says
 * what the machine needs of it at the moment of the event.
 *
 * Two slots: `main` sends batches and full syncs, `large` sends big files beside it (see
 * large-files.ts). One timer, for one of: the burst spacing, a retry, the re-check of a refused
 * full sync, the next probe of a down remote. The large-file slot has a timer of its
 * own, for the next look at the big files that wait until they are written (large-gate.ts).
 */

import type { LaneHealthState } from './lane-health.js';

/**
 * During a burst, batches start at most this often, so what arrives meanwhile ships together
 * (a 10,000-file upload becomes a handful of rsync runs, not one per 20 ms). A lone edit never
 * waits: the interval only applies right after another batch started.
 */
export const MIN_BATCH_INTERVAL_MS = 200;

export interface LaneControl {
  /** `paused`: a config reload; work is still accepted and kept, but no rsync starts. */
  readonly run: 'running' | 'paused' | 'stopped';
  readonly main: boolean;
  readonly large: boolean;
  /**
   * What the one timer waits for. `retry`, `refused` and `probe` are waits (the lane is settled
   * meanwhile). `refused`: a full sync found the root empty; new work ends the wait at once,
   * because a change in the root means it has content again (the first upload into an empty
   * root must not sit out the re-check interval).
   */
  readonly timer: 'none' | 'spacing' | 'retry' | 'refused' | 'probe';
  /** The large-file slot's timer is armed: the next look at files that are still being written. */
  readonly largeTimer: boolean;
  /** While down, new changes reach the fail log at most once a second: a write is scheduled. */
  readonly failLogSoon: boolean;
}

export const INITIAL: LaneControl = {
  run: 'running',
  main: false,
  large: false,
  timer: 'none',
  largeTimer: false,
  failLogSoon: false,
};

/** What the machine needs to know of the lane's data and health when an event happens. */
export interface LaneFacts {
  /** Something waits for the main slot (paths, or a full sync). */
  readonly pending: boolean;
  readonly fullSync: boolean;
  /** Big files wait for the large-file slot (written or not). */
  readonly largeWaiting: boolean;
  /** Some of them may go now (written, or capped; or waiting for nothing still being written). */
  readonly largeReady: boolean;
  /** Milliseconds until the next look at those still being written (0: due); null: none. */
  readonly largeLookInMs: number | null;
  /** LaneHealth says down (after it took this event's verdict). */
  readonly down: boolean;
  readonly sinceLastBatchMs: number;
}

/** How a batch ended, as LaneHealth judged it. */
export type Verdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'full' }
  | { readonly kind: 'refused'; readonly retryInMs: number }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'down'; readonly probeInMs: number };

export type LaneEvent =
  | { readonly type: 'work' }
  | { readonly type: 'timer' }
  | { readonly type: 'main-done' | 'large-done'; readonly verdict: Verdict }
  /** The main batch taken was all big files: they went to the large-file slot instead. */
  | { readonly type: 'main-held' }
  /** The large slot looked at its files (after send-large): the facts say whether any may go. */
  | { readonly type: 'large-looked' }
  | { readonly type: 'large-timer' }
  | { readonly type: 'probed'; readonly recovered: boolean; readonly probeInMs: number }
  /**
   * The lane is blocked without a batch of its own failing: the receiver refused the startup
   * probe, or the watcher saw the root go. Like a batch going down: fail log, then probes.
   */
  | { readonly type: 'blocked'; readonly probeInMs: number }
  | { readonly type: 'fail-log-due' }
  | { readonly type: 'pause' | 'resume' | 'stop' };

export type LaneAction =
  /** send-large: look at the files still being written, then report large-looked; start-large: send what may go. */
  | {
      readonly do:
        | 'send-main'
        | 'send-large'
        | 'start-large'
        | 'probe'
        | 'disarm'
        | 'disarm-large'
        | 'fail-log'
        | 'fail-log-soon'
        | 'cancel-fail-log-soon'
        | 'wake';
    }
  | { readonly do: 'arm' | 'arm-large'; readonly ms: number };

export interface Step {
  readonly state: LaneControl;
  readonly actions: readonly LaneAction[];
}

const stay = (state: LaneControl): Step => ({ state, actions: [] });
const then = (a: Step, b: (s: LaneControl) => Step): Step => {
  const n = b(a.state);
  return { state: n.state, actions: [...a.actions, ...n.actions] };
};
const arm = (s: LaneControl, ms: number, timer: LaneControl['timer']): Step => ({
  state: { ...s, timer },
  actions: [{ do: 'arm', ms }],
});

/**
 * The large-file slot starts only while the main slot is idle and nothing backs off; it looks
 * at its files when a look is due, and sends once some may go; otherwise its timer waits for
 * the next look.
 */
function pumpLarge(s: LaneControl, f: LaneFacts): Step {
  if (s.run !== 'running' || s.main || s.large || !f.largeWaiting || f.down) return stay(s);
  if (waiting(s)) return stay(s);
  if (f.largeReady || f.largeLookInMs === 0) {
    const x = { ...s, large: true, largeTimer: false };
    return { state: x, actions: [...(s.largeTimer ? [{ do: 'disarm-large' } as const] : []), { do: 'send-large' }] };
  }
  if (f.largeLookInMs === null) return stay(s);
  return { state: { ...s, largeTimer: true }, actions: [{ do: 'arm-large', ms: f.largeLookInMs }] };
}

/** Starts what can start: the large slot (see pumpLarge), then the main slot's next batch. */
function pump(s: LaneControl, f: LaneFacts): Step {
  return then(pumpLarge(s, f), (x) => pumpMain(x, f));
}

function pumpMain(s: LaneControl, f: LaneFacts): Step {
  if (s.run !== 'running' || s.main || s.timer !== 'none' || f.down) return stay(s);
  if (!f.pending) return !s.large && !f.largeWaiting ? { state: s, actions: [{ do: 'wake' }] } : stay(s);
  if (f.fullSync && s.large) return stay(s); // a full sync covers the large files: it waits for that slot
  if (!f.fullSync && f.sinceLastBatchMs < MIN_BATCH_INTERVAL_MS)
    return arm(s, MIN_BATCH_INTERVAL_MS - f.sinceLastBatchMs, 'spacing');
  return { state: { ...s, main: true }, actions: [{ do: 'send-main' }] };
}

/** A slot's batch ended: arm the retry or the probe (and write the fail log when down). */
function judge(s: LaneControl, v: Verdict): Step {
  switch (v.kind) {
    case 'ok':
      return stay(s);
    case 'full':
      // What did not fit waits in the large-file slot (its own timer); the rest goes on at once.
      return { state: s, actions: [{ do: 'wake' }] };
    case 'refused':
      return then(arm(s, v.retryInMs, 'refused'), (x) => ({ state: x, actions: [{ do: 'wake' }] }));
    case 'retry':
      return then(arm(s, v.delayMs, 'retry'), (x) => ({ state: x, actions: [{ do: 'wake' }] }));
    case 'down':
      return {
        state: { ...s, timer: 'probe' },
        actions: [{ do: 'fail-log' }, { do: 'arm', ms: v.probeInMs }, { do: 'wake' }],
      };
  }
}

/** The transitions, one case per event. */
export function step(s: LaneControl, e: LaneEvent, f: LaneFacts): Step {
  switch (e.type) {
    case 'work':
      if (s.run === 'paused') return stay(s);
      if (f.down)
        return s.failLogSoon ? stay(s) : { state: { ...s, failLogSoon: true }, actions: [{ do: 'fail-log-soon' }] };
      if (s.timer === 'refused')
        return then({ state: { ...s, timer: 'none' }, actions: [{ do: 'disarm' }] }, (x) => pump(x, f));
      return pump(s, f);
    case 'timer': {
      const fired = s.timer;
      const x = { ...s, timer: 'none' as const };
      if (x.run !== 'running') return stay(x);
      return fired === 'probe' ? { state: x, actions: [{ do: 'probe' }] } : pump(x, f);
    }
    case 'main-done':
      return then(judge(s, e.verdict), (x) => pump({ ...x, main: false }, f));
    case 'large-done':
      return then(judge(s, e.verdict), (x) => pump({ ...x, large: false }, f));
    case 'main-held':
      return pump({ ...s, main: false }, f);
    case 'large-looked':
      if (s.run === 'running' && !f.down && f.largeReady) return { state: s, actions: [{ do: 'start-large' }] };
      return pump({ ...s, large: false }, f);
    case 'large-timer':
      return pump({ ...s, largeTimer: false }, f);
    case 'probed':
      if (s.run !== 'running') return stay(s);
      return e.recovered ? pump(s, f) : arm(s, e.probeInMs, 'probe');
    case 'blocked':
      if (s.run !== 'running') return stay(s);
      return {
        state: { ...s, timer: 'probe' },
        actions: [{ do: 'fail-log' }, { do: 'arm', ms: e.probeInMs }, { do: 'wake' }],
      };
    case 'fail-log-due': {
      const x = { ...s, failLogSoon: false };
      return x.run !== 'stopped' && f.down ? { state: x, actions: [{ do: 'fail-log' }] } : stay(x);
    }
    case 'pause':
      return {
        state: { ...s, run: 'paused', timer: 'none', largeTimer: false, failLogSoon: false },
        actions: [{ do: 'disarm' }, { do: 'disarm-large' }, { do: 'cancel-fail-log-soon' }, { do: 'wake' }],
      };
    case 'stop':
      return {
        state: { ...s, run: 'stopped', timer: 'none', largeTimer: false, failLogSoon: false },
        actions: [{ do: 'disarm' }, { do: 'disarm-large' }, { do: 'cancel-fail-log-soon' }, { do: 'wake' }],
      };
    case 'resume': {
      const x = { ...s, run: 'running' as const };
      return f.down ? arm(x, 0, 'probe') : pump(x, f);
    }
  }
}

/** Nothing to do right now: idle, or waiting (backoff, down, refused) with no rsync running. */
export function settled(s: LaneControl, idle: boolean): boolean {
  return idle || s.run === 'stopped' || (!s.main && !s.large && waiting(s));
}

/** The timer waits for a retry, a refused full sync's re-check or a probe: no rsync is due. */
function waiting(s: LaneControl): boolean {
  return s.timer === 'retry' || s.timer === 'refused' || s.timer === 'probe';
}

/**
 * What the lane is doing, for status: health plus activity. `down`, `refused` and `root-missing`
 * are the blocked healths (health.ts): nothing is delivered until a probe says otherwise.
 */
export type LaneState =
  'idle' | 'syncing' | 'full-sync' | 'retrying' | 'down' | 'refused' | 'root-missing' | 'full' | 'stopped';

/** The states in which a lane delivers nothing (what `sersync-ts status` exits non-zero for). */
export const NOT_DELIVERING: readonly LaneState[] = ['down', 'refused', 'root-missing', 'full'];

/** `waitingForRoom`: files the receiver had no room for wait (the lane is `full` while nothing runs). */
export function laneState(
  s: LaneControl,
  health: LaneHealthState,
  fullSyncInFlight: boolean,
  waitingForRoom = false,
): LaneState {
  if (s.run === 'stopped') return 'stopped';
  if (fullSyncInFlight) return 'full-sync';
  if (s.main || s.large) return 'syncing';
  if (health === 'down' || health === 'refused' || health === 'root-missing') return health;
  if (waitingForRoom) return 'full';
  if (waiting(s)) return 'retrying';
  return s.timer === 'spacing' || s.largeTimer ? 'syncing' : 'idle';
}

/**
 * A lane's whole control state, as a pure state machine: (state, event, facts) → (state,
 * actions). No timers, no rsync: lane.ts performs the actions (starts batches, probes, writes
 * the fail log), keeps ONE timer armed for `nextDeadline(state)` and feeds back what happened as
 * events (`timer` when that deadline came). The health record (failures, relapses, refusals:
 * lane-health.ts) is part of the state; the events that judged a batch or a probe bring the
 * record as judged (HealthRules, in lane-judge.ts) with their verdict. The data (what is pending)
 * stays in lane.ts: `facts` says what the machine needs of it at the moment of the event, with
 * the clock's `now`.
 *
 * The lane's `mode` is one closed union (ready, spacing, retrying, refused, down, probing, paused,
 * stopped); two slots send beside it: `main` sends batches and full syncs, `large` big files (see
 * large-files.ts). Only a `ready` lane starts a main batch. The mode is the lane's and not the
 * main slot's, because a large-file batch that fails backs the whole lane off while a main batch
 * may still be running. Every deadline is absolute (monotonic ms), so the one timer is armed
 * from the state alone.
 *
 * An outage, in this file and the policy's (lane-health.ts HealthRules, which says when):
 * `main-done` with a `retry` verdict → `retrying{until}` → `timer` → the batch again (judge,
 * pump); a `down` verdict (5 failures, or 20 s of them) → goDown: the pending paths to the fail
 * log, `down{probeAt}`; new work meanwhile reaches the fail log at most once a second (`work`,
 * failLogAt); `timer` → `probing` → `probed`: not yet → `down{probeAt}` again, answered →
 * `ready` and pump sends everything pending at once (the replay decides: a failure is down again
 * with a slower probe, a success ends the streak). The test "outages, row by row" walks it with
 * the real rules.
 */
import { blockCause, type BlockCause } from './lane-health.js';
import {
  FAILLOG_UPDATE_MS,
  MIN_BATCH_INTERVAL_MS,
  active,
  sending,
  waiting,
  type LaneAction,
  type LaneEvent,
  type LaneFacts,
  type LaneMode,
  type LaneState,
  type Step,
  type Verdict,
} from './lane-state.js';
import { SLOW_BATCH_MS } from './stuck-check.js';

/** The facts, and what the state's health record says after the event: blocked, and why (null: not). */
interface Known extends LaneFacts {
  readonly blocked: BlockCause | null;
}

const stay = (state: LaneState): Step => ({ state, actions: [] });
const act = (state: LaneState, ...dos: LaneAction['do'][]): Step => ({ state, actions: dos.map((d) => ({ do: d })) });
const then = (a: Step, b: (s: LaneState) => Step): Step => {
  const n = b(a.state);
  return { state: n.state, actions: [...a.actions, ...n.actions] };
};

/**
 * The large-file slot starts only while the main slot is idle and nothing backs off; it looks
 * at its files when a look is due, and sends once some may go; otherwise it waits for the next look.
 */
function pumpLarge(s: LaneState, f: Known): Step {
  if (!active(s) || sending(s) || !f.largeWaiting || f.blocked !== null || waiting(s)) return stay(s);
  if (f.largeReady || f.largeLookInMs === 0) return act({ ...s, large: { kind: 'sending' } }, 'send-large');
  if (f.largeLookInMs === null) return stay(s);
  return stay({ ...s, large: { kind: 'waiting', lookAt: f.now + f.largeLookInMs } });
}

/** Starts what can start: the large slot (see pumpLarge), then the main slot's next batch. */
function pump(s: LaneState, f: Known): Step {
  return then(pumpLarge(s, f), (x) => pumpMain(x, f));
}

function pumpMain(s: LaneState, f: Known): Step {
  if (s.mode.kind !== 'ready' || s.main === 'sending' || f.blocked !== null) return stay(s);
  if (!f.pending) return s.large.kind !== 'sending' && !f.largeWaiting ? act(s, 'wake') : stay(s);
  if (f.fullSync && s.large.kind === 'sending') return stay(s); // a full sync covers the large files: it waits for that slot
  if (!f.fullSync && f.sinceLastBatchMs < MIN_BATCH_INTERVAL_MS)
    return stay({ ...s, mode: { kind: 'spacing', until: f.now + MIN_BATCH_INTERVAL_MS - f.sinceLastBatchMs } });
  return act({ ...s, main: 'sending' }, 'send-main');
}

/** Down: what is pending goes to the fail log now, the probe at `now + probeInMs` (paused: on resume). */
const goDown = (s: LaneState, f: Known, probeInMs: number): Step =>
  act(enter(s, downUntil(f, probeInMs)), 'fail-log', 'wake');

/** The down mode: the probe at `now + probeInMs`. */
const downUntil = (f: Known, probeInMs: number): LaneMode => ({ kind: 'down', probeAt: f.now + probeInMs });

/** A running lane enters mode `m`; a paused or stopped one stays so (resume decides afresh from the health record). */
const enter = (s: LaneState, m: LaneMode): LaneState => (active(s) ? { ...s, mode: m } : s);

/** A slot's batch ended: the retry or the probe waits (and the fail log is written when down). */
function judge(s: LaneState, v: Verdict, f: Known): Step {
  switch (v.kind) {
    case 'ok':
      return stay(s);
    case 'full':
      // What did not fit waits in the large-file slot (its own look); the rest goes on at once.
      return act(s, 'wake');
    case 'refused':
      return act(enter(s, { kind: 'refused', until: f.now + v.retryInMs }), 'wake');
    case 'retry':
      return act(enter(s, { kind: 'retrying', until: f.now + v.delayMs }), 'wake');
    case 'down':
      return goDown(s, f, v.probeInMs);
  }
}

/** The one timer fired: the stuck check's look (paused too), then fireRunning, if due at `f.now`. */
function fire(s: LaneState, f: Known): Step {
  const look = s.stuck?.kind === 'due' && s.stuck.at <= f.now;
  const first = look ? act({ ...s, stuck: { kind: 'asking' } }, 'check-stuck') : stay(s);
  return active(s) ? then(first, (x) => fireRunning(x, f)) : first;
}

/** The fail-log write, the large slot's look and the lane's mode, if due at `f.now`. */
function fireRunning(s: LaneState, f: Known): Step {
  const due = (t: number): boolean => t <= f.now;
  const log = s.failLogAt !== null && due(s.failLogAt);
  let x: LaneState = log ? { ...s, failLogAt: null } : s;
  if (x.large.kind === 'waiting' && due(x.large.lookAt)) x = { ...x, large: { kind: 'idle' } };
  const m = x.mode;
  const first = log && f.blocked !== null ? act(x, 'fail-log') : stay(x);
  if (m.kind === 'down')
    return due(m.probeAt) ? then(first, (y) => act({ ...y, mode: { kind: 'probing' } }, 'probe')) : first;
  if ('until' in m && due(m.until)) return then(first, (y) => pump({ ...y, mode: { kind: 'ready' } }, f));
  return then(first, (y) => pump(y, f));
}

/**
 * pause or stop: every wait is dropped (the health record keeps the streak: a blocked lane
 * probes at once on resume); a stopped lane stays stopped.
 */
function halt(s: LaneState, kind: 'paused' | 'stopped'): Step {
  if (s.mode.kind === 'stopped') return stay(s);
  const large = s.large.kind === 'waiting' ? { kind: 'idle' as const } : s.large;
  return act({ ...s, mode: { kind }, large, failLogAt: null }, 'wake');
}

/** The transitions, one case per event. An event that brings a judged health record sets it first. */
export function step(state: LaneState, e: LaneEvent, facts: LaneFacts): Step {
  // An answer to a probe the lane no longer waits for (paused, stopped, resumed, or a batch of
  // the large slot decided meanwhile) changes nothing, its health record included.
  if (e.type === 'probed' && state.mode.kind !== 'probing') return stay(state);
  const s = 'health' in e ? { ...state, health: e.health } : state;
  const next = transition(s, e, { ...facts, blocked: blockCause(s.health.state) });
  return { ...next, state: watchRuns(next.state, facts.now) };
}

/**
 * The stuck check follows the slots: its first look SLOW_BATCH_MS after an rsync starts where none
 * ran (one running on keeps the look it had), none while no rsync runs or once stopped.
 */
function watchRuns(s: LaneState, now: number): LaneState {
  if (!sending(s) || s.mode.kind === 'stopped') return s.stuck === null ? s : { ...s, stuck: null };
  return s.stuck === null ? { ...s, stuck: { kind: 'due', at: now + SLOW_BATCH_MS } } : s;
}

function transition(s: LaneState, e: LaneEvent, f: Known): Step {
  switch (e.type) {
    case 'work':
      if (!active(s)) return stay(s);
      if (f.blocked !== null)
        return s.failLogAt !== null ? stay(s) : stay({ ...s, failLogAt: f.now + FAILLOG_UPDATE_MS });
      return pump(s.mode.kind === 'refused' ? { ...s, mode: { kind: 'ready' } } : s, f);
    case 'timer':
      return fire(s, f);
    case 'main-done':
      return then(judge(s, e.verdict, f), (x) => pump({ ...x, main: 'idle' }, f));
    case 'large-done':
      return then(judge(s, e.verdict, f), (x) => pump({ ...x, large: { kind: 'idle' } }, f));
    case 'main-held':
      return pump({ ...s, main: 'idle' }, f);
    case 'large-looked':
      // The look awaits its lstats: a main batch may have failed meanwhile (no start in a backoff).
      if (active(s) && f.blocked === null && !waiting(s) && f.largeReady) return act(s, 'start-large');
      return pump({ ...s, large: { kind: 'idle' } }, f);
    case 'probed':
      if (e.recovered) return pump({ ...s, mode: { kind: 'ready' } }, f);
      return stay({ ...s, mode: downUntil(f, e.probeInMs) });
    case 'blocked':
      // Paused: no fail log and no probe now; the health record says blocked (resume probes at once).
      if (!active(s)) return stay(s);
      return goDown(s, f, e.probeInMs);
    case 'stuck-looked':
      return stay({ ...s, stuck: { kind: 'due', at: f.now + e.inMs } });
    case 'silent':
      return s.mode.kind !== 'stopped' && sending(s) ? act(s, 'fail-log-all') : stay(s);
    case 'pause':
      return halt(s, 'paused');
    case 'stop':
      return halt(s, 'stopped');
    case 'resume':
      if (s.mode.kind !== 'paused') return stay(s);
      // Blocked (before or while paused): probe at once. Otherwise send what is pending.
      return f.blocked !== null ? stay({ ...s, mode: downUntil(f, 0) }) : pump({ ...s, mode: { kind: 'ready' } }, f);
  }
}

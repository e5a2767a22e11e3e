/**
 * A lane's control state (lane-machine.ts moves it) and what can be read off it: the waits, the
 * two slots, the stuck check over the running rsyncs, the one deadline the lane's timer is armed
 * for, settledness. Pure.
 */
import { blockCause, HEALTHY, type BlockCause, type HealthRecord } from './lane-health.js';

/**
 * During a burst, batches start at most this often, so what arrives meanwhile ships together
 * (a 10,000-file upload becomes a handful of rsync runs, not one per 20 ms). A lone edit never
 * waits: the interval only applies right after another batch started.
 */
export const MIN_BATCH_INTERVAL_MS = 200;

/** While down, new changes reach the fail log at most this often. */
export const FAILLOG_UPDATE_MS = 1000;

/**
 * The lane's mode: one closed union of what it is doing besides sending (the two slots, below,
 * send beside it: a big file can still be on its way while the lane backs off). Only `ready`
 * starts a main batch.
 */
export type LaneMode =
  /** Running; nothing holds the main slot back. */
  | { readonly kind: 'ready' }
  /** Right after another batch started: what arrives meanwhile ships together. */
  | { readonly kind: 'spacing'; readonly until: number }
  /** A batch failed: the backoff (new work does not cut it short: no retry storm). */
  | { readonly kind: 'retrying'; readonly until: number }
  /** A full sync found the root empty: re-checked at `until`, or at once on new work (the root has content again). */
  | { readonly kind: 'refused'; readonly until: number }
  /**
   * Down (or blocked: refused, root missing): the next probe of the remote (or root) at
   * `probeAt`. Why is the health record's to say (blockedBy).
   */
  | { readonly kind: 'down'; readonly probeAt: number }
  /** Down, and the probe runs now. */
  | { readonly kind: 'probing' }
  /**
   * A config reload: work is still accepted and kept, but no rsync starts. The backoffs are
   * dropped (the new config may be what fixes the remote); a blocked lane probes at once on resume.
   */
  | { readonly kind: 'paused' }
  | { readonly kind: 'stopped' };

/** The large-file slot: free, looking at or sending its files, or waiting for the next look at files still written. */
type LargePhase =
  { readonly kind: 'idle' } | { readonly kind: 'sending' } | { readonly kind: 'waiting'; readonly lookAt: number };

/**
 * The stuck check (stuck-check.ts) over the rsyncs running now: its next look is due `at`, or the
 * lane is asking the remote now. Null while no rsync runs.
 */
export type StuckWatch = { readonly kind: 'due'; readonly at: number } | { readonly kind: 'asking' };

export interface LaneState {
  readonly mode: LaneMode;
  readonly main: 'idle' | 'sending';
  readonly large: LargePhase;
  /** While down, new changes reach the fail log at most once a second: when the next write is due. */
  readonly failLogAt: number | null;
  /** The health record: blocked or not (and why), the failure streak /status shows. */
  readonly health: HealthRecord;
  readonly stuck: StuckWatch | null;
}

export const INITIAL: LaneState = {
  mode: { kind: 'ready' },
  main: 'idle',
  large: { kind: 'idle' },
  failLogAt: null,
  health: HEALTHY,
  stuck: null,
};

/** What the machine needs to know of the lane's data and health when an event happens. */
export interface LaneFacts {
  /** The clock's monotonic now (ms): every deadline is measured on it. */
  readonly now: number;
  /** Something waits for the main slot (paths, or a full sync). */
  readonly pending: boolean;
  readonly fullSync: boolean;
  /** Big files wait for the large-file slot (written or not). */
  readonly largeWaiting: boolean;
  /** Some of them may go now (written, or capped; or waiting for nothing still being written). */
  readonly largeReady: boolean;
  /** Milliseconds until the next look at those still being written (0: due); null: none. */
  readonly largeLookInMs: number | null;
  readonly sinceLastBatchMs: number;
}

/** How a batch ended, as HealthRules judged it. */
export type Verdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'full' }
  | { readonly kind: 'refused'; readonly retryInMs: number }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'down'; readonly probeInMs: number };

export type LaneEvent =
  | { readonly type: 'work' }
  /** The one timer fired: whatever is due at `facts.now` happens (see nextDeadline). */
  | { readonly type: 'timer' }
  | { readonly type: 'main-done' | 'large-done'; readonly verdict: Verdict; readonly health: HealthRecord }
  /** The main batch taken was all big files: they went to the large-file slot instead. */
  | { readonly type: 'main-held' }
  /** The large slot looked at its files (after send-large): the facts say whether any may go. */
  | { readonly type: 'large-looked' }
  | { readonly type: 'probed'; readonly recovered: boolean; readonly probeInMs: number; readonly health: HealthRecord }
  /**
   * The lane is blocked without a batch of its own failing: the receiver refused the startup
   * probe, or the watcher saw the root go. Like a batch going down: fail log, then probes.
   */
  | { readonly type: 'blocked'; readonly probeInMs: number; readonly health: HealthRecord }
  /** The stuck check (stuck-check.ts) found the remote silent while an rsync runs: hand what is pending and in flight to the fail log now. */
  | { readonly type: 'silent' }
  /** The stuck check looked (and asked the remote, if a batch had run long enough): the next look in `inMs`. */
  | { readonly type: 'stuck-looked'; readonly inMs: number }
  | { readonly type: 'pause' | 'resume' | 'stop' };

/**
 * send-large: look at the files still being written, then report large-looked; start-large: send
 * what may go; fail-log: what is pending; fail-log-all: that and what is in flight; check-stuck:
 * the stuck check's look (run-watch.ts), then report stuck-looked.
 */
export interface LaneAction {
  readonly do:
    'send-main' | 'send-large' | 'start-large' | 'probe' | 'fail-log' | 'fail-log-all' | 'check-stuck' | 'wake';
}

export interface Step {
  readonly state: LaneState;
  readonly actions: readonly LaneAction[];
}

/**
 * The earliest time (monotonic ms) the lane's one timer must fire: the mode's end (spacing, retry,
 * a refused full sync's re-check, a probe), the large slot's next look, the fail-log write, and
 * (paused too: a hung rsync must not hold a reload for ever) the stuck check's next look. Null:
 * nothing is timed (ready, stopped, probing, or paused with nothing running).
 */
export function nextDeadline(s: LaneState): number | null {
  const stuck = s.stuck?.kind === 'due' ? s.stuck.at : null; // none once stopped (lane-machine.ts watchRuns)
  if (!active(s)) return stuck;
  const m = s.mode;
  const times = [
    m.kind === 'down' ? m.probeAt : 'until' in m ? m.until : null,
    s.large.kind === 'waiting' ? s.large.lookAt : null,
    s.failLogAt,
    stuck,
  ];
  const due = times.filter((t): t is number => t !== null);
  return due.length === 0 ? null : Math.min(...due);
}

/** Not paused or stopped: the lane may start rsyncs once its mode allows. */
export function active(s: LaneState): boolean {
  return s.mode.kind !== 'paused' && s.mode.kind !== 'stopped';
}

/** Nothing to do right now: idle, stopped, or nothing running while paused or waiting (backoff, down, refused). */
export function settled(s: LaneState, idle: boolean): boolean {
  if (idle || s.mode.kind === 'stopped') return true;
  return !sending(s) && (s.mode.kind === 'paused' || waiting(s));
}

/**
 * Why the lane is blocked (down or probing; paused or stopped, by its health record alone): its
 * health record's word, `unreachable` for a plain outage; null when it does not wait for a probe.
 */
export function blockedBy(s: LaneState): BlockCause | null {
  if (!active(s)) return blockCause(s.health.state);
  const k = s.mode.kind;
  if (k !== 'down' && k !== 'probing') return null;
  return blockCause(s.health.state) ?? 'unreachable';
}

/** Either slot looks at or sends its files now (what pause() waits for). */
export function sending(s: LaneState): boolean {
  return s.main === 'sending' || s.large.kind === 'sending';
}

/** The lane waits for a retry, a refused full sync's re-check or a probe: no rsync is due. */
export function waiting(s: LaneState): boolean {
  const k = s.mode.kind;
  return k === 'retrying' || k === 'refused' || k === 'down' || k === 'probing';
}

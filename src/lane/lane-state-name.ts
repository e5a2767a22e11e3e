/**
 * The lane's /status words, derived from its one state (lane-machine.ts): what it is doing, and
 * why it is blocked when it is.
 */

import { blockedBy, sending, waiting, type LaneState } from './lane-state.js';

/**
 * What the lane is doing, as /status words it: health plus activity. `down`, `refused` and
 * `root-missing` are the blocked waits (BlockCause): nothing is delivered until a probe says
 * otherwise.
 */
export type LaneStateName =
  'idle' | 'syncing' | 'full-sync' | 'retrying' | 'down' | 'refused' | 'root-missing' | 'full' | 'stopped';

/** The states in which a lane delivers nothing (what `sersync-ts status` exits non-zero for). */
export const NOT_DELIVERING: readonly LaneStateName[] = ['down', 'refused', 'root-missing', 'full'];

/** The /status word for the state; `waitingForRoom`: files the receiver had no room for wait (`full` while nothing runs). */
export function stateName(s: LaneState, fullSyncInFlight: boolean, waitingForRoom = false): LaneStateName {
  if (s.mode.kind === 'stopped') return 'stopped';
  if (fullSyncInFlight) return 'full-sync';
  if (sending(s)) return 'syncing';
  const blocked = blockedName(s);
  if (blocked !== null) return blocked;
  if (waitingForRoom) return 'full';
  if (waiting(s)) return 'retrying';
  return s.mode.kind === 'spacing' || s.large.kind === 'waiting' ? 'syncing' : 'idle';
}

/** The blocked word of the state (down, refused, root-missing), null while not blocked. */
export function blockedName(s: LaneState): 'down' | 'refused' | 'root-missing' | null {
  const cause = blockedBy(s);
  return cause === 'unreachable' ? 'down' : cause;
}

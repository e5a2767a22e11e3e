/**
 * What each answer of an rsync daemon (or of the wire to it) means, and who must act on it: the
 * rows refusals.ts classifies an rsync result into. One row per answer, in the order they are
 * tried (the first row whose pattern matches one of rsync's lines wins: `module is read only`
 * comes with a `Connection reset` line that must not hide it). Each row carries the stderr that
 * rsync 3.5.0 really printed for it (its unit test feeds that sample back), and the probable
 * causes, most likely first, each naming the side that must act. Pure data.
 */

import type { RefusalRow } from './refusal-types.js';
import { RECEIVER_ROWS } from './refusal-rows-receiver.js';
import { WIRE_ROWS } from './refusal-rows-wire.js';

/** The receiver's refusals of this login and these writes, then the wire's troubles and the rest. */
export const REFUSAL_TABLE: readonly RefusalRow[] = [...RECEIVER_ROWS, ...WIRE_ROWS];

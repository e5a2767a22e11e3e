/**
 * Time for edge code; the pure core takes `now` as a parameter instead.
 *
 * Two clocks, never mixed. `now()` is monotonic: it never steps when the wall clock does (NTP
 * after a VM resume, `date -s`), so every deadline, duration, age, backoff and health limit is
 * computed from it. `wallNow()` is calendar time, used only for timestamps people read (log
 * lines, /status, fail-log records, plugin messages), never for scheduling: a wall clock stepped
 * back an hour once held every pending change for that hour.
 */
export interface Clock {
  /** Monotonic milliseconds (arbitrary origin): for deadlines, durations and ages. */
  now(): number;
  /** Wall-clock milliseconds since the epoch: for timestamps shown to people only. */
  wallNow(): number;
}

/** Whole milliseconds, like Date.now(): durations in log lines stay integers. */
export const systemClock: Clock = { now: () => Math.floor(performance.now()), wallNow: () => Date.now() };

/**
 * Monotonic milliseconds that mean the same in every process of the machine (CLOCK_MONOTONIC;
 * `performance.now()` starts at each process's own start). For numbers one process writes and
 * another compares, like the canary's slots.
 */
export function machineMonotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

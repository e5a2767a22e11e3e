/**
 * The agent's canary alarms (src/daemon/watching.ts): each asks for a full sync of every root, by
 * design. One the test did not cause can still come on a loaded CI machine: the canary writer
 * descheduled for more than ~0.6 s is reported as frozen (src/watch/canary-check.ts, `stalled`:
 * an overflow meanwhile would not show). A test that forbids a full sync to prove something else
 * tells such a full sync apart with these, instead of failing on it.
 */
const ALARM = /canary.*; full sync of every root/;
const STALL = /the canary writer was frozen for (\d+) interval\(s\) of (\d+) ms/;

/** The canary alarm lines in `lines`. */
export function canaryAlarms(lines: readonly string[]): string[] {
  return lines.filter((l) => ALARM.test(l));
}

/**
 * The alarms for a writer frozen less than `underMs` (default a minute): a starved process, not a
 * frozen service or a clock stepped by an hour (that would be ~36,000 intervals).
 */
export function briefStalls(lines: readonly string[], underMs = 60_000): string[] {
  return canaryAlarms(lines).filter((l) => {
    const m = STALL.exec(l);
    return m !== null && Number(m[1]) * Number(m[2]) < underMs;
  });
}

/** Why the full sync (the lane's "requested" line) after a canary alarm is asked for (src/daemon/intake.ts). */
export const LOST_EVENTS_FULL_SYNC =
  /full sync of .* requested \(too many changes at once, lost events, or a watcher problem\)/;

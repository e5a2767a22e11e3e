/** Small statistics for the tables. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median of the values that are known (null when none is). */
export function medianOf(xs: ReadonlyArray<number | null | undefined>): number | null {
  const known = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return known.length ? median(known) : null;
}

/** The p-quantile of sorted samples, nearest rank below (as the latency workload has always used). */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export const fmt = (n: number | null | undefined, d = 0): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '' : n.toFixed(d);
export const fmtMs = (n: number | null | undefined): string =>
  n === null || n === undefined || !Number.isFinite(n)
    ? ''
    : n >= 10_000
      ? `${(n / 1000).toFixed(1)} s`
      : `${n.toFixed(0)} ms`;
export const fmtMiB = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
export const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a === null || a === undefined || !b || !Number.isFinite(a) ? '' : `${(a / b).toFixed(2)}x`;

/**
 * A system's time over the floor's, repeat by repeat: each repeat runs the two within seconds of
 * each other, so a slow minute of a shared machine (the floor of one run went from 1.06 to 5.07 s)
 * weighs on both sides of a ratio instead of on one median. Repeats missing on either side, or
 * without a finite time, are left out.
 */
export function pairedRatios(system: readonly Timed[], floor: readonly Timed[]): number[] {
  return byRepeat(system, floor, (ms, floorMs) => ms / floorMs);
}

/** One repeat's time of one system. */
interface Timed {
  readonly rep: number;
  readonly ms: number;
}

/**
 * This build's time minus an older build's (BENCH_BEFORE_CLI), repeat by repeat: the two run back
 * to back in each repeat, in an order swapped every repeat (systems.ts), so a slow minute weighs on
 * both. Left out as in pairedRatios.
 */
export function pairedDiffs(system: readonly Timed[], before: readonly Timed[]): number[] {
  return byRepeat(system, before, (ms, beforeMs) => ms - beforeMs);
}

/** `f` of each repeat that both sides have with a finite, positive time on the other side. */
function byRepeat(a: readonly Timed[], b: readonly Timed[], f: (a: number, b: number) => number): number[] {
  const bMs = new Map(b.filter((x) => Number.isFinite(x.ms) && x.ms > 0).map((x) => [x.rep, x.ms]));
  return a.filter((x) => Number.isFinite(x.ms) && bMs.has(x.rep)).map((x) => f(x.ms, bMs.get(x.rep)!));
}

/**
 * "-9 ms (mean -10 ms; faster in 6 of 9, slower in 2)": the median of paired differences, their
 * mean, and how many repeats went each way; '' when there are none.
 */
export function fmtDiffs(diffs: readonly number[]): string {
  if (diffs.length === 0) return '';
  const ms = (n: number): string => `${n > 0 ? '+' : ''}${n.toFixed(0)} ms`;
  const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const faster = diffs.filter((d) => d < 0).length;
  const slower = diffs.filter((d) => d > 0).length;
  return `${ms(median(diffs))} (mean ${ms(mean)}; faster in ${faster} of ${diffs.length}, slower in ${slower})`;
}

/** "1.18x (1.05–1.31x)": the median of paired ratios and their range; '' when there are none. */
export function fmtPaired(ratios: readonly number[]): string {
  if (ratios.length === 0) return '';
  const m = `${median(ratios).toFixed(2)}x`;
  return ratios.length === 1 ? m : `${m} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x)`;
}

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
export function pairedRatios(
  system: ReadonlyArray<{ readonly rep: number; readonly ms: number }>,
  floor: ReadonlyArray<{ readonly rep: number; readonly ms: number }>,
): number[] {
  const floorMs = new Map(floor.filter((f) => Number.isFinite(f.ms) && f.ms > 0).map((f) => [f.rep, f.ms]));
  return system.filter((s) => Number.isFinite(s.ms) && floorMs.has(s.rep)).map((s) => s.ms / floorMs.get(s.rep)!);
}

/** "1.18x (1.05–1.31x)": the median of paired ratios and their range; '' when there are none. */
export function fmtPaired(ratios: readonly number[]): string {
  if (ratios.length === 0) return '';
  const m = `${median(ratios).toFixed(2)}x`;
  return ratios.length === 1 ? m : `${m} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x)`;
}

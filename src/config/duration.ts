/** Durations as `<versions bucket keep>` and `restore --at` write them. Pure. */
const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `1h`, `30d`, `2w` (a whole number and one unit) in ms; null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}

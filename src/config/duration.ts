/** Durations as the config and the CLI write them. Pure. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** What one place accepts: which units, whether `1.5m` is allowed, and the unit of a bare number (none: a unit is required). */
interface DurationGrammar {
  readonly units: readonly Unit[];
  readonly fractions: boolean;
  readonly bare?: Unit;
}

/** `<versions bucket keep>` and `restore --at`: `90s`, `15m`, `1h`, `30d`, `2w` (a whole number and one unit). */
export const BUCKET_DURATION: DurationGrammar = { units: ['s', 'm', 'h', 'd', 'w'], fractions: false };

/** `<deleteGuard within>`: `500ms`, `60s`, `1.5m`, `1h`, or a bare number of seconds. */
export const GUARD_DURATION: DurationGrammar = { units: ['ms', 's', 'm', 'h'], fractions: true, bare: 's' };

/** `text` in whole ms (above 0) by `grammar`; null when it is not one. */
export function parseDuration(text: string, grammar: DurationGrammar): number | null {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(text.trim());
  if (!m || (!grammar.fractions && m[1]!.includes('.'))) return null;
  const unit = m[2] === '' ? grammar.bare : grammar.units.find((u) => u === m[2]);
  if (unit === undefined) return null;
  const ms = Math.round(Number(m[1]) * UNIT_MS[unit]);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}

import { GUARD_DURATION, parseDuration } from './duration.js';
import type { ConfigReader } from './reader.js';
import type { DeleteGuardConfig } from './types.js';
import { readSwitch } from './values.js';
import type { XmlElement } from './xml.js';

export const DEFAULT_DELETE_GUARD: DeleteGuardConfig = { enabled: true, percent: 50, files: 1000, withinMs: 60_000 };

/** `<sersync><deleteGuard>`: one problem per bad attribute (the config then does not load: exit 78). */
export function readDeleteGuard(r: ConfigReader, sersync: XmlElement | undefined): DeleteGuardConfig {
  const el = r.child(sersync, 'deleteGuard');
  if (!el) return DEFAULT_DELETE_GUARD;
  const p = 'sersync/deleteGuard';
  const d = DEFAULT_DELETE_GUARD;
  const enabled = r.attr(el, 'start') === undefined || readSwitch(r, el, 'start', p, true);
  const bad = (attr: string, want: string, got: string): void => r.problem(el.line, `${p}@${attr}`, `expected ${want}, got "${got}"`);
  const num = (attr: string, dflt: number, ok: (n: number) => boolean, want: string): number => {
    const v = r.attr(el, attr);
    if (v === undefined) return dflt;
    const n = /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
    if (ok(n)) return n;
    bad(attr, want, v);
    return dflt;
  };
  const percent = num('percent', d.percent, (n) => n > 0 && n <= 100, 'a percentage above 0 and at most 100, e.g. percent="50"');
  const files = num('files', d.files, (n) => Number.isSafeInteger(n) && n >= 1, 'a positive whole number of files, e.g. files="1000"');
  const raw = r.attr(el, 'within');
  const withinMs = raw === undefined ? d.withinMs : parseDuration(raw, GUARD_DURATION);
  if (withinMs === null) bad('within', 'a duration such as "60s", "2m" or "500ms"', raw!);
  return { enabled, percent, files, withinMs: withinMs ?? d.withinMs };
}

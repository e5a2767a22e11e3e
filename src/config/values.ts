import { BoostOnlyError, wholeMatchRegex } from './regex.js';
import type { ConfigReader } from './reader.js';
import type { XmlElement } from './xml.js';

const TRUTHY_LOOKING = new Set(['True', 'TRUE', 'yes', 'Yes', 'YES', '1', 'on', 'On', 'ON']);

/** A sersync switch: on only when exactly "true" (sersync compared strings). */
export function readSwitch(r: ConfigReader, el: XmlElement | undefined, attr: string, path: string, dflt: boolean): boolean {
  const v = r.attr(el, attr);
  if (v === undefined || !el) return dflt;
  if (v === 'true') return true;
  if (v !== 'false' && TRUTHY_LOOKING.has(v.trim())) {
    r.warn(el.line, `${path}@${attr}`, `"${v}" means false (only "true" turns a switch on, as in sersync); write "true" if you meant on`);
  } else if (v !== 'false') {
    r.warn(el.line, `${path}@${attr}`, `expected "true" or "false", got "${v}"; taken as false`);
  }
  return false;
}

/** An integer attribute within [min, max]; a problem (and the default) when it is not. */
export function readInt(
  r: ConfigReader,
  el: XmlElement | undefined,
  attr: string,
  path: string,
  dflt: number,
  opts: { min: number; max?: number; what?: string },
): number {
  const v = r.attr(el, attr);
  if (v === undefined || !el) return dflt;
  const t = v.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < opts.min || (opts.max !== undefined && n > opts.max)) {
    const what = opts.what ?? (opts.max !== undefined ? `an integer from ${opts.min} to ${opts.max}` : opts.min === 1 ? 'a positive integer' : `an integer >= ${opts.min}`);
    r.problem(el.line, `${path}@${attr}`, `expected ${what}, got "${v}"`);
    return dflt;
  }
  return n;
}

/**
 * A regex as sersync's `<filter>` used it (boost Perl syntax, translated by regex.ts), compiled
 * for a whole-string match: null when it compiles, else what is wrong.
 */
export function regexError(source: string): string | null {
  try {
    wholeMatchRegex(source);
    return null;
  } catch (err) {
    const msg = (err as Error).message;
    // Node 20 has no inline modifiers: only a leading (?i) is translated (to the i flag).
    return /\(\?(?:[a-zA-Z]+(?:-[a-zA-Z]*)?|-[a-zA-Z]+)[:)]/.test(source) && !(err instanceof BoostOnlyError) ? `${msg} (of the inline flags only a leading (?i) is supported)` : msg;
  }
}

/** `<host hostip port>`; port 0 turns the status server off. */
export function readHost(r: ConfigReader, root: XmlElement): { readonly ip: string; readonly port: number } {
  const hostEl = r.child(root, 'host');
  return { ip: r.attr(hostEl, 'hostip') ?? 'localhost', port: readInt(r, hostEl, 'port', 'host', 8008, { min: 0, max: 65535 }) };
}

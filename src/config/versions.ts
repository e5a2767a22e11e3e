import type { ConfigReader } from './reader.js';
import type { VersionsConfig } from './types.js';
import { readSwitch } from './values.js';
import type { XmlElement } from './xml.js';
import { BUCKET_DURATION, parseDuration } from './duration.js';

const P = 'sersync/rsync/versions';

/** A path relative to the receiver's root, no `..`, plain characters (it goes into rsync rules and argv). */
const SAFE_DIR = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function duration(r: ConfigReader, el: XmlElement, attr: string, dflt: string, example: string): number {
  const raw = r.attr(el, attr) ?? dflt;
  const ms = parseDuration(raw, BUCKET_DURATION);
  if (ms === null) r.problem(el.line, `${P}@${attr}`, `expected a whole number and a unit (s, m, h, d, w), e.g. ${attr}="${example}", got "${raw}"`);
  return ms ?? 1;
}

/**
 * `<rsync><versions start="true" dir=".sersync-versions" bucket="1h" keep="30d"/>`: null when
 * absent or off (today's behaviour). New in sersync-ts; sersync2 ignores the element.
 */
export function readVersions(r: ConfigReader, rsync: XmlElement | undefined): VersionsConfig | null {
  const el = r.child(rsync, 'versions');
  if (!el) return null;
  const on = readSwitch(r, el, 'start', P, false);
  const dir = (r.attr(el, 'dir') ?? '.sersync-versions').replace(/\/+$/, '');
  const bucketMs = duration(r, el, 'bucket', '1h', '1h');
  const keepMs = duration(r, el, 'keep', '30d', '30d');
  if (!SAFE_DIR.test(dir) || dir.split('/').some((c) => c === '.' || c === '..')) {
    r.problem(el.line, `${P}@dir`, `expected a directory relative to the remote's root made of letters, digits, ".", "_", "-" (no "..", no leading "/"), e.g. dir=".sersync-versions", got "${dir}"`);
  }
  if (bucketMs > 1 && keepMs > 1 && keepMs < bucketMs) r.problem(el.line, `${P}@keep`, `keep="${r.attr(el, 'keep')}" is shorter than bucket="${r.attr(el, 'bucket') ?? '1h'}": nothing would be kept for a whole bucket; make keep at least one bucket`);
  return on ? { dir, bucketMs, keepMs } : null;
}

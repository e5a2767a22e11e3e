/**
 * Does a `hosts allow` / `hosts deny` list match an address, as rsyncd's access.c decides it:
 * an exact address, `addr/bits`, `addr/netmask`, or a glob (`*`, `192.168.2.*`). Names (which
 * rsyncd matches after a reverse lookup) cannot be decided here: 'unknown'. IPv4 only for
 * networks; IPv6 by exact address. Pure.
 */
import net from 'node:net';

function v4(addr: string): number | null {
  if (!net.isIPv4(addr)) return null;
  return addr.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function maskOf(spec: string): number | null {
  if (/^\d+$/.test(spec)) {
    const bits = Number(spec);
    return bits > 32 ? null : bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  }
  return v4(spec);
}

function globRe(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

/** One entry of the list against `addr`: true, false, or 'unknown' (a host name). */
export function entryMatches(entry: string, addr: string): boolean | 'unknown' {
  const slash = entry.indexOf('/');
  if (slash > 0) {
    const net4 = v4(entry.slice(0, slash));
    const mask = maskOf(entry.slice(slash + 1));
    const a = v4(addr);
    if (net4 === null || mask === null || a === null) return net.isIP(entry.slice(0, slash)) === 6 ? 'unknown' : false;
    return (net4 & mask) >>> 0 === (a & mask) >>> 0;
  }
  if (net.isIP(entry)) return entry.toLowerCase() === addr.toLowerCase();
  if (/^[\d.*?]+$/.test(entry) || entry === '*') return globRe(entry).test(addr);
  return 'unknown';
}

/** The whole list (comma or blank separated): any entry matching wins. */
export function listMatches(list: string, addr: string): boolean | 'unknown' {
  let unknown = false;
  for (const e of list.split(/[\s,]+/).filter((x) => x !== '')) {
    const m = entryMatches(e, addr);
    if (m === true) return true;
    if (m === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : false;
}

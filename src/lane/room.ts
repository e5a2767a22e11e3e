import type { PendingEntry } from '../aggregate/types.js';
import { isUnder, toText } from '../shared/bytepath.js';

/**
 * A receiver without room (No space left, quota) must not hold back what fits (issue 19): the
 * entries of a failed batch that rsync named as not fitting wait (the large-file slot defers
 * them, with backoff), everything else goes on. Pure.
 */

/** The names rsync's receiver said it could not write: `write failed on "a/big.bin"`, `mkstemp "a/.big.bin.XyZ12" ... failed`. */
export function namesWithoutRoom(stderr: string): string[] {
  const out: string[] = [];
  for (const m of stderr.matchAll(/write failed on "([^"]+)"|mkstemp "([^"]+)"[^\n]*(?:No space left|quota)/gi)) {
    if (m[1] !== undefined) out.push(m[1]);
    // rsync's temp name: `.NAME.XXXXXX` in the file's directory.
    else if (m[2] !== undefined) out.push(m[2].replace(/(^|\/)\.([^/]+)\.[^./]{6}$/, '$1$2'));
  }
  return out;
}

/**
 * The entries that did not fit: those the names point at (a name is module-relative from a
 * daemon, absolute over ssh: it may end in the entry's path), or the directory entry a name
 * lies below (sent recursively, it would carry the file again). Empty when no name matches.
 */
export function entriesWithoutRoom(entries: readonly PendingEntry[], names: readonly string[]): PendingEntry[] {
  if (names.length === 0) return [];
  return entries.filter((e) => {
    const p = toText(e.path);
    return names.some((n) => n === p || n.endsWith(`/${p}`) || isUnder(n, p) || n.includes(`/${p}/`));
  });
}

/** The lane's line while files wait for room. */
export function fullLine(remote: string, refusal: string, waiting: number, retryInMs: number): string {
  return `remote ${remote} is full: ${refusal}; ${waiting} file(s) that do not fit wait (next try in ${Math.round(retryInMs / 1000)} s, backing off up to 60 s), everything else is sent`;
}

/**
 * A batch the receiver had no room for: what waits (the named entries, else `biggest`, else all)
 * and what goes on at once. `biggest` looks at the disk, so it is asked only when rsync named none.
 */
export function splitNoRoom(
  entries: readonly PendingEntry[],
  stderr: string,
  biggest: (es: readonly PendingEntry[]) => PendingEntry | null,
): { readonly held: PendingEntry[]; readonly rest: PendingEntry[] } {
  const named = entriesWithoutRoom(entries, namesWithoutRoom(stderr));
  const big = named.length > 0 ? null : biggest(entries);
  const held = named.length > 0 ? named : big ? [big] : [...entries];
  const paths = new Set(held.map((e) => e.path));
  return { held, rest: entries.filter((e) => !paths.has(e.path)) };
}

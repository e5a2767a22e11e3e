import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import { bytesOf, fromBytes, joinPath, type BytePath } from '../shared/bytepath.js';
import type { PathFilter } from '../watch/filter.js';
import { nextTurn } from '../shared/one-shot.js';

/** What a walk saw outside the excluded paths: entries of every type, and the regular files' bytes. */
export interface TreeTally {
  entries: number;
  bytes: number;
}

/** A tally's walk lets other work run after this many entries. */
const YIELD_EVERY = 1000;

function sizeOf(abs: Buffer): number {
  try {
    return fsSync.lstatSync(abs).size;
  } catch {
    return 0; // vanished meanwhile
  }
}

/**
 * Paths under `dirs` that `<filter>` excludes. A regex cannot be turned into an rsync glob in
 * general, so when a directory is sent recursively we walk it and exclude what the regexes
 * match, one anchored rule per path (an excluded directory is not descended into). The same
 * rules keep rsync's --delete away from excluded remote files. With `tally`, the walk also counts
 * what it keeps (one lstat per regular file, for its size): `sersync-ts verify`'s progress estimate.
 */
export async function findExcluded(
  rootAbs: string,
  dirs: readonly BytePath[],
  filter: PathFilter,
  tally?: TreeTally,
): Promise<BytePath[]> {
  const out: BytePath[] = [];
  let statted = 0;
  const rootBytes = Buffer.from(rootAbs);
  const walk = async (rel: BytePath): Promise<void> => {
    const abs = rel === '' ? rootBytes : Buffer.concat([rootBytes, Buffer.from('/'), bytesOf(rel)]);
    let entries;
    try {
      entries = await fs.readdir(abs, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return; // vanished or unreadable: rsync will report it
    }
    for (const e of entries) {
      const child = joinPath(rel, fromBytes(e.name));
      const isDir = e.isDirectory();
      if (filter.excluded(child, isDir)) {
        out.push(child);
        continue;
      }
      if (tally) {
        tally.entries++;
        if (e.isFile()) tally.bytes += sizeOf(Buffer.concat([abs, Buffer.from('/'), e.name]));
        // lstatSync is ~5x faster than 100,000 promises; yielding now and then keeps the loop responsive.
        if (++statted % YIELD_EVERY === 0) await nextTurn();
      }
      if (isDir) await walk(child);
    }
  };
  for (const d of dirs) await walk(d);
  return out;
}

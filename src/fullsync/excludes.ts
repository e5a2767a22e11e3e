import fs from 'node:fs/promises';
import { bytesOf, fromBytes, joinPath, type BytePath } from '../shared/bytepath.js';
import type { PathFilter } from '../watch/filter.js';

/**
 * Paths under `dirs` that `<filter>` excludes. A regex cannot be turned into an rsync glob in
 * general, so when a directory is sent recursively we walk it and exclude what the regexes
 * match, one anchored rule per path (an excluded directory is not descended into). The same
 * rules keep rsync's --delete away from excluded remote files.
 */
export async function findExcluded(rootAbs: string, dirs: readonly BytePath[], filter: PathFilter): Promise<BytePath[]> {
  const out: BytePath[] = [];
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
      if (filter.excluded(child, isDir)) out.push(child);
      else if (isDir) await walk(child);
    }
  };
  for (const d of dirs) await walk(d);
  return out;
}

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { waitFor } from './wait.js';

/**
 * A tree as a map from relative path (latin1 byte string, so non-UTF-8 names compare exactly)
 * to a description: type, and content hash for files, target for symlinks, mode for both.
 */
export function snapshot(
  dir: string,
  opts: { exclude?: (rel: string) => boolean; modes?: boolean } = {},
): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: Buffer, rel: string): void => {
    let entries: fs.Dirent<Buffer>[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return;
    }
    for (const e of entries) {
      const name = e.name.toString('latin1');
      const r = rel ? `${rel}/${name}` : name;
      if (opts.exclude?.(r)) continue;
      const a = Buffer.concat([abs, Buffer.from('/'), e.name]);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(a);
      } catch {
        continue;
      }
      const mode = opts.modes ? ` ${(st.mode & 0o7777).toString(8)}` : '';
      if (st.isDirectory()) {
        out.set(r, `dir${mode}`);
        walk(a, r);
      } else if (st.isSymbolicLink()) {
        out.set(r, `link ${fs.readlinkSync(a, { encoding: 'buffer' }).toString('latin1')}`);
      } else {
        let hash = 'unreadable';
        try {
          hash = crypto.createHash('sha1').update(fs.readFileSync(a)).digest('hex');
        } catch {
          /* vanished between lstat and read */
        }
        out.set(r, `file ${st.size} ${hash}${mode}`);
      }
    }
  };
  walk(Buffer.from(dir), '');
  return out;
}

/** Differences between two snapshots, as readable lines (empty when equal). */
export function diffTrees(a: Map<string, string>, b: Map<string, string>, limit = 10): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${JSON.stringify(k)}: src=${v} dst=${b.get(k) ?? 'missing'}`);
  for (const [k, v] of b) if (!a.has(k)) out.push(`${JSON.stringify(k)}: src=missing dst=${v}`);
  return out.slice(0, limit);
}

export function sameTree(src: string, dst: string, exclude?: (rel: string) => boolean): boolean {
  return diffTrees(snapshot(src, exclude ? { exclude } : {}), snapshot(dst, exclude ? { exclude } : {})).length === 0;
}

export function abs(dir: string, rel: string): Buffer {
  return Buffer.concat([Buffer.from(dir), Buffer.from('/'), Buffer.from(rel, 'latin1')]);
}

/**
 * Creates `entries` under `dir`, names as byte strings (latin1: any bytes, not only UTF-8); an
 * entry ending in '/' is a directory, any other a file holding "x". Parents are the caller's.
 */
export function fillTree(dir: string, entries: readonly string[]): string {
  for (const e of entries) {
    const at = abs(dir, e.replace(/\/$/, ''));
    if (e.endsWith('/')) fs.mkdirSync(at, { recursive: true });
    else fs.writeFileSync(at, 'x');
  }
  return dir;
}

export function joinText(...parts: string[]): string {
  return path.join(...parts);
}

/**
 * Waits until the remote tree equals the source (type, content, symlink target). On timeout the
 * error shows the differences and, when given, the tail of the agent's log.
 */
export async function waitForMirror(
  src: string,
  dst: string,
  what: string,
  opts: { timeoutMs?: number; log?: () => readonly string[]; exclude?: (rel: string) => boolean } = {},
): Promise<void> {
  const snap = (d: string): Map<string, string> => snapshot(d, opts.exclude ? { exclude: opts.exclude } : {});
  await waitFor(() => diffTrees(snap(src), snap(dst)).length === 0, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    what: `${what}: remote equals source`,
    intervalMs: 100,
  }).catch((err: Error) => {
    const tail = opts.log ? `\n--- agent log tail:\n${opts.log().slice(-20).join('\n')}` : '';
    throw new Error(`${err.message}\n${diffTrees(snap(src), snap(dst)).join('\n')}${tail}`);
  });
}

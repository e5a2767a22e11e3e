import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Which of some files a process still holds open for writing: the watcher cannot tell (fs.watch
 * gives "change" for every write and nothing for the close), the kernel can. This reads what
 * `fuser`/`lsof` read: every `/proc/PID/fd/N` link, and for a link to one of the files the
 * `flags:` line of `/proc/PID/fdinfo/N` (O_WRONLY or O_RDWR). Only ever asked about a few big
 * or recently written files, never about a batch's small ones.
 *
 * Visibility: root sees every process of its PID namespace. Another user sees only its own
 * (the other fd directories answer EACCES), so "nobody writes it" is then only "nobody I can
 * see": `complete` says whether every process was visible, and the large-file slot waits for a
 * longer quiet time when it was not. Writers in other PID namespaces (another container
 * sharing the volume) and writes through a shared mmap after the close are never visible; the
 * slot's quiet time and stat checks still hold those files while they change.
 */
interface WriterScan {
  /** The paths (as given) that some visible process holds open for writing. */
  readonly writing: ReadonlySet<string>;
  /**
   * Every process was looked at for the paths not in `writing` (false: some answered EACCES, so
   * a path not named may still be written by a process of another user). The scan stops early
   * once every path is named, which leaves nothing unknown.
   */
  readonly complete: boolean;
  /** How long the scan took, ms: the slot looks less often when scans are expensive. */
  readonly ms: number;
}

/** How the lane asks; tests give their own. */
export type WriterCheck = (absPaths: readonly string[]) => WriterScan;

const O_ACCMODE = 0o3;

/** Open flags from an fdinfo text (`flags:\t0100001`, octal), or null. Pure. */
export function fdinfoFlags(text: string): number | null {
  const m = /^flags:\s*([0-7]+)/m.exec(text);
  return m ? parseInt(m[1]!, 8) : null;
}

/** True when the flags open the file for writing (O_WRONLY or O_RDWR). Pure. */
export const opensForWriting = (flags: number): boolean => (flags & O_ACCMODE) !== 0;

/**
 * The scan, synchronous: some hundred readdirs and a readlink per descriptor, about 1-2 ms for
 * 100 processes and 750 descriptors here. `absPaths` are absolute paths as latin1 byte strings
 * (BytePath's encoding), which is also how the links are read, so names that are not UTF-8 match.
 */
export const procWriters: WriterCheck = (absPaths) => {
  const t0 = performance.now();
  const wanted = new Set(absPaths);
  const writing = new Set<string>();
  let complete = true;
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 0x30 && n.charCodeAt(0) <= 0x39);
  } catch {
    return { writing, complete: false, ms: performance.now() - t0 }; // no /proc: nothing is visible
  }
  for (const pid of pids) {
    if (writing.size === wanted.size) break;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') complete = false; // ENOENT: it exited meanwhile
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'latin1' });
      } catch {
        continue;
      }
      if (!wanted.has(target) || writing.has(target)) continue;
      try {
        const flags = fdinfoFlags(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'));
        if (flags !== null && opensForWriting(flags)) writing.add(target);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return { writing, complete, ms: performance.now() - t0 };
};

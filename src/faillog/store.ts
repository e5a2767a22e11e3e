import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../shared/logger.js';
import { encodeFailLog, mergeRecord, parseFailLog, type FailRecord } from './record.js';

/**
 * The fail log on disk. sersync's was world-writable (chmod 777), in /tmp, and run as root: a
 * local root hole. Ours is mode 0600, must be owned by us and not writable by anyone else, is
 * never a symlink, and every change rewrites it atomically (temp file + fsync + rename), so a
 * crash at any moment leaves the old or the new complete file, never a torn one.
 */
export class FailLogStore {
  private chain: Promise<void> = Promise.resolve();
  /** Names each write's temporary file uniquely (two writes in one millisecond must not collide). */
  private seq = 0;

  private constructor(
    readonly file: string,
    private readonly entries: Map<string, FailRecord>,
    /** Old sersync entries and corrupt records, kept verbatim at the end of the file. */
    private readonly kept: string[],
  ) {}

  static async open(file: string, logger: Logger): Promise<FailLogStore> {
    const dir = path.dirname(file);
    const dst = await fs.stat(dir).catch(() => null);
    if (!dst?.isDirectory())
      throw new Error(`the directory of the fail log ${file} does not exist (create ${dir} or change <failLog path>)`);
    let bytes = Buffer.alloc(0);
    const st = await fs.lstat(file).catch(() => null);
    if (st) {
      if (st.isSymbolicLink())
        throw new Error(`refusing the fail log ${file}: it is a symlink (someone could point it anywhere); remove it`);
      if (!st.isFile()) throw new Error(`refusing the fail log ${file}: not a regular file`);
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
        throw new Error(
          `refusing the fail log ${file}: owned by uid ${st.uid}, not by this user (uid ${process.getuid()}); another user could have written commands into it: review it, then remove or chown it`,
        );
      }
      if (st.mode & 0o022) {
        throw new Error(
          `refusing the fail log ${file}: writable by group or others (mode ${(st.mode & 0o777).toString(8)}); anyone could have added commands: review it, then chmod 600 ${file}`,
        );
      }
      const fh = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        bytes = await fh.readFile();
      } finally {
        await fh.close();
      }
    } else {
      const fh = await fs.open(
        file,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      await fh.close();
    }
    const parsed = parseFailLog(bytes);
    if (parsed.legacy > 0) {
      logger.warn(
        `${parsed.legacy} old sersync entr${parsed.legacy === 1 ? 'y' : 'ies'} ("#errno N") in ${file} are not run automatically; review them, run by hand if still needed, then delete them`,
      );
    }
    for (const c of parsed.corrupt)
      logger.warn(`${file}:${c.line}: corrupt fail log record skipped (${c.reason}); the other entries still replay`);
    const entries = new Map<string, FailRecord>();
    for (const rec of parsed.records)
      entries.set(keyOf(rec.root, rec.remote), mergeRecord(entries.get(keyOf(rec.root, rec.remote)), rec));
    const kept = [...parsed.legacyText, ...parsed.corrupt.map((c) => c.text)];
    if (parsed.records.length > 0)
      logger.info(
        `${file}: ${parsed.records.length} entr${parsed.records.length === 1 ? 'y' : 'ies'} from earlier runs will be replayed (${[...entries.values()].map((e) => `${e.root} -> ${e.remote}`).join(', ')})`,
      );
    return new FailLogStore(file, entries, kept);
  }

  records(): FailRecord[] {
    return [...this.entries.values()];
  }

  /** Records (merged by root and remote) what a lane could not deliver. */
  add(record: FailRecord): Promise<void> {
    const key = keyOf(record.root, record.remote);
    this.entries.set(key, mergeRecord(this.entries.get(key), record));
    return this.write();
  }

  /** Drops the entries of a lane that delivered everything. */
  remove(root: string, remote: string): Promise<void> {
    if (!this.entries.delete(keyOf(root, remote))) return this.chain;
    return this.write();
  }

  private write(): Promise<void> {
    // Serialised: each write captures the state at its turn, so the last write wins, complete.
    // A failed write (disk full, say) is reported to its caller but never blocks the next one:
    // the next write carries the whole state again.
    const next = this.chain.then(async () => {
      const records = [...this.entries.values()];
      const extra = this.kept.length
        ? [
            '# --- kept from earlier: old sersync entries and unreadable records (not run by the agent) ---\n',
            ...this.kept.map(commentOut),
          ]
        : [];
      const tmp = `${this.file}.tmp-${process.pid}-${++this.seq}`;
      try {
        const fh = await fs.open(
          tmp,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          await fh.writeFile(encodeFailLog(records, extra));
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fs.rename(tmp, this.file);
      } catch (err) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      }
      const d = await fs.open(path.dirname(this.file), 'r');
      await d
        .sync()
        .catch(() => undefined)
        .finally(() => d.close());
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function keyOf(root: string, remote: string): string {
  return `${root}\0${remote}`;
}

/** Old entries are kept as comments, so running the file by hand never runs them blindly. */
function commentOut(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' || l.startsWith('#') ? l : `# ${l}`))
    .join('\n');
}

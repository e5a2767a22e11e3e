import { unescapeRsyncName } from '../delete-safety/deletions.js';
import { parseProgress, type TransferProgress } from '../rsync/progress.js';
import type { BytePath } from '../shared/bytepath.js';

/**
 * Reading a comparison run's stdout (`--out-format=%i %n`, see rsync/args.ts `compare`). Pure.
 *
 * Names are safe to read line by line: the runner sets LC_ALL=C, in which rsync writes every
 * byte below 0x20 (newline, CR) and every byte above 0x7e as `\#ooo`, and escapes a `\` that
 * would read as such an escape the same way; only a tab is left raw. So no name can hold a line
 * end, and unescapeRsyncName gives back its exact bytes (with `-8` in commonParams the high bytes
 * come raw, which the latin1 reading keeps too). Lines end in `\n`, progress2 lines in `\r`.
 */

/** How one path differs between the root and the remote. */
export type DriftKind = 'differs' | 'missing' | 'extra';

export interface DriftItem {
  readonly kind: DriftKind;
  /** Relative to the root, no trailing `/`; `.` is the root itself. */
  readonly path: BytePath;
  readonly isDir: boolean;
  /** rsync's 11 itemize characters (`<fc.t......`), for debug logs. */
  readonly flags: string;
}

const DELETING = '*deleting   ';
/** `YXcstpoguax`: update type, file type, nine attribute columns, then the name. */
const ITEM = /^([<>ch.])([fdLDS])(.{9}) (.+)$/s;
/**
 * Attribute columns that are a time: a directory's times are not drift. A directory's mtime moves
 * on the receiver whenever an entry in it is created, deleted or renamed (by rsync's own temp
 * files too, and by remote-only files `<filter>` protects), and batches set it only in passing;
 * it carries no data, and every entry change that would explain it is reported on its own.
 * Counting it would flag nearly every live mirror, and a repair would resend whole directories.
 * Its permissions, owner, group, ACLs and xattrs do count.
 */
const DIR_TIMES = /[tTunb]/g;

function nameOf(raw: string): { path: BytePath; isDir: boolean } {
  let name = unescapeRsyncName(raw);
  const isDir = name.endsWith('/');
  if (isDir) name = name.slice(0, -1);
  return { path: name === '' ? '.' : name, isDir };
}

/** One itemized line → the drift it shows, or null (no change that matters, or not an item). */
export function classifyItem(line: string): DriftItem | null {
  if (line.startsWith(DELETING)) {
    const { path, isDir } = nameOf(line.slice(DELETING.length));
    return path === '.' ? null : { kind: 'extra', path, isDir, flags: '*deleting' };
  }
  const m = ITEM.exec(line);
  if (!m) return null;
  const [, update, type, attrs, raw] = m as unknown as [string, string, string, string, string];
  const { path, isDir } = nameOf(raw);
  const flags = `${update}${type}${attrs}`;
  if (/^\++$/.test(attrs)) return { kind: 'missing', path, isDir, flags };
  // Content to send, a symlink or device to change, a hard link to make: always drift.
  if (update !== '.') return { kind: 'differs', path, isDir, flags };
  // Attributes only. `?` means the remote cannot tell (an old rsync): no evidence of drift.
  const significant = (type === 'd' ? attrs.replace(DIR_TIMES, '') : attrs).replace(/[. ?]/g, '');
  return significant === '' ? null : { kind: 'differs', path, isDir, flags };
}

/** The totals of `--stats` a report shows. */
export interface CompareStats {
  /** "Number of files": every entry compared (files, directories, links, the root). */
  readonly files: number | null;
  /** "Total file size": the bytes of the regular files compared. */
  readonly bytes: number | null;
}

const num = (s: string): number => Number(s.replace(/[,.]/g, ''));

/** Splits a comparison's stdout into items, progress and the --stats totals, as it streams. */
export class CompareOutput {
  private partial = '';
  private stats: { files: number | null; bytes: number | null } = { files: null, bytes: null };

  constructor(
    private readonly onItem: (item: DriftItem) => void,
    private readonly onProgress: (p: TransferProgress) => void = () => undefined,
  ) {}

  push(text: string): void {
    const lines = (this.partial + text).split(/[\r\n]/);
    this.partial = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  end(): CompareStats {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    return { ...this.stats };
  }

  private line(l: string): void {
    if (l === '') return;
    const item = classifyItem(l);
    if (item) return this.onItem(item);
    // Progress lines start with spaces; an item line never does.
    if (l.startsWith(' ')) {
      const p = parseProgress(l);
      if (p) this.onProgress(p);
      return;
    }
    const files = /^Number of files: ([\d,.]+)/.exec(l);
    if (files) this.stats.files = num(files[1]!);
    const bytes = /^Total file size: ([\d,.]+) bytes/.exec(l);
    if (bytes) this.stats.bytes = num(bytes[1]!);
  }
}

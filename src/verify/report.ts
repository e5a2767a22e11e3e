import type { PendingEntry } from '../aggregate/types.js';
import { ancestorsOf, type BytePath } from '../shared/bytepath.js';
import type { PathFilter } from '../watch/filter.js';
import type { CompareStats, DriftItem, DriftKind } from './itemize.js';

/** A report shows at most this many paths of each kind. */
export const SAMPLE_SIZE = 20;

export interface DriftSample {
  readonly path: BytePath;
  readonly isDir: boolean;
}

/** How many paths of one kind, and the first SAMPLE_SIZE of them in rsync's order. */
export interface DriftList {
  readonly count: number;
  readonly first: readonly DriftSample[];
}

/** What comparing one root with one remote found. */
export interface VerifyReport {
  readonly root: string;
  readonly remote: string;
  /** Paths on both sides whose content or attributes differ (directories' times do not count). */
  readonly differs: DriftList;
  /** Paths the root has and the remote has not. */
  readonly missing: DriftList;
  /** Remote-only paths; null when not looked for (`<delete start="false">` keeps them by design). */
  readonly extra: DriftList | null;
  /** Entries rsync compared (files, directories, links, the root), from --stats. */
  readonly checkedFiles: number | null;
  /** Bytes of the regular files compared, from --stats. */
  readonly bytes: number | null;
  readonly durationMs: number;
}

export function driftCount(r: VerifyReport): number {
  return r.differs.count + r.missing.count + (r.extra?.count ?? 0);
}

const isUnderAny = (p: BytePath, dirs: ReadonlySet<BytePath>): boolean =>
  dirs.size > 0 && ancestorsOf(p).some((a) => dirs.has(a));

/**
 * Collects a comparison's drift into a report and the entries that repair it. `<filter>`
 * excluded paths are neither reported nor repaired: rsync never lists local ones (the exclude
 * file), but remote-only ones come as `*deleting` lines when a `<filter>` regex has no glob
 * (the full sync protects them with a dry run first; here they are simply dropped), and a
 * remote-only directory that holds one is not extra either: a full sync keeps it too.
 */
export class DriftCollector {
  private readonly items: DriftItem[] = [];
  /** Directories above a protected remote-only path. */
  private readonly holdsProtected = new Set<BytePath>();

  constructor(
    private readonly filter: PathFilter,
    /** `<delete start>`: without it there are no `*deleting` lines, and no extras are looked for. */
    private readonly deletes: boolean,
  ) {}

  add(item: DriftItem): void {
    if (this.filter.active && this.filter.excluded(item.path, item.isDir)) {
      if (item.kind === 'extra') for (const a of ancestorsOf(item.path)) this.holdsProtected.add(a);
      return;
    }
    this.items.push(item);
  }

  finish(
    root: string,
    remote: string,
    stats: CompareStats,
    durationMs: number,
  ): { report: VerifyReport; repair: PendingEntry[] } {
    const kept = this.items.filter((i) => !(i.kind === 'extra' && i.isDir && this.holdsProtected.has(i.path)));
    const of = (kind: DriftKind): DriftItem[] => kept.filter((i) => i.kind === kind);
    const list = (items: readonly DriftItem[]): DriftList => ({
      count: items.length,
      first: items.slice(0, SAMPLE_SIZE).map(({ path, isDir }) => ({ path, isDir })),
    });
    const [differs, missing, extra] = [of('differs'), of('missing'), of('extra')];
    const report: VerifyReport = {
      root,
      remote,
      differs: list(differs),
      missing: list(missing),
      extra: this.deletes ? list(extra) : null,
      checkedFiles: stats.files,
      bytes: stats.bytes,
      durationMs,
    };
    return { report, repair: repairEntries(differs, missing, this.deletes ? extra : []) };
  }
}

/**
 * The batch that repairs the drift, as a lane sends it: a missing or extra directory is listed
 * once (sent recursively, or deleted by --delete-missing-args with --force), never with what is
 * below it; a directory whose own attributes differ is sent without recursion. Pure.
 */
export function repairEntries(
  differs: readonly DriftItem[],
  missing: readonly DriftItem[],
  extra: readonly DriftItem[],
): PendingEntry[] {
  const out: PendingEntry[] = [];
  const seen = new Set<BytePath>();
  const push = (path: BytePath, kind: PendingEntry['kind']): void => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, kind });
  };
  for (const i of differs) push(i.path, i.isDir ? 'dir-only' : 'path');
  for (const group of [missing, extra]) {
    const dirs = new Set(group.filter((i) => i.isDir).map((i) => i.path));
    for (const i of group) if (!isUnderAny(i.path, dirs)) push(i.path, 'path');
  }
  return out;
}

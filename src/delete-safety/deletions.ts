import type { BytePath } from '../shared/bytepath.js';
import type { PathFilter } from '../watch/filter.js';

/**
 * A `<filter>` regex without a glob equivalent (see protect-rules.ts) cannot keep rsync's
 * --delete away from a REMOTE-only file that matches it: the local walk never sees that file.
 * So a deleting run is first made as a dry run, its `*deleting NAME` lines are matched against
 * the filter, and the matches become anchored exclude rules for the real run (an exclude rule
 * also protects the receiver's file from deletion). Pure: parsing and matching only.
 */

/** The same argv as a dry run that prints one itemized line per change (deletions included). */
export function dryRunArgs(args: readonly string[]): string[] {
  // Options may follow the operands (popt permutes them); later ones win, so progress2 goes quiet.
  return [...args, '--dry-run', '--out-format=%i %n', '--info=progress0'];
}

/** `*deleting` padded to itemize's 11 columns, then the separator of `%i %n`. */
const DELETING = '*deleting   ';

/**
 * rsync prints a byte it will not show as `\#ooo` (octal), and escapes a `\` that would read as
 * such an escape the same way, so this inverts its output exactly. Output is read as latin1
 * (one char per byte), which is what BytePath is.
 */
export function unescapeRsyncName(s: string): BytePath {
  return s.replace(/\\#([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Collects, from a dry run's stdout as it streams, the deleted paths that `<filter>` excludes. */
export class ExcludedDeletions {
  private partial = '';
  private readonly found = new Set<BytePath>();

  constructor(private readonly filter: PathFilter) {}

  push(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  /** Relative paths (no trailing `/`) to protect, in the order rsync reported them. */
  end(): BytePath[] {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    return [...this.found];
  }

  private line(l: string): void {
    if (!l.startsWith(DELETING)) return;
    let name = unescapeRsyncName(l.slice(DELETING.length));
    const isDir = name.endsWith('/');
    if (isDir) name = name.slice(0, -1);
    if (name === '' || name === '.') return;
    if (this.filter.excluded(name, isDir)) this.found.add(name);
  }
}

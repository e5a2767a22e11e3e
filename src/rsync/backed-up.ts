/**
 * How many files a run moved into versions, from its itemized stdout (`--out-format=%i %n`,
 * rsync/args.ts). A push's client never sees the receiver's "backed up" messages, but every
 * backup is one of two items: a file or symlink the receiver already had and that is replaced
 * (`<f`/`<L`/`cL` whose attribute columns are not all `+`), or a deleted non-directory
 * (`*deleting   name`, a name without the trailing `/` of a directory). Names cannot hold a line
 * end (the runner's LC_ALL=C makes rsync escape it), so lines are safe to split. Pure.
 */
const REPLACED = /^[<c][fL](?!\+{9})[^ ]{9} /;
const DELETING = '*deleting   ';

export class BackedUpCount {
  private partial = '';
  private n = 0;

  /** A chunk of stdout (progress2's `\r` lines included: they never match). */
  push(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  /** The count, once the run has ended. */
  end(): number {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    return this.n;
  }

  private line(raw: string): void {
    const l = raw.slice(raw.lastIndexOf('\r') + 1);
    if (l.startsWith(DELETING)) {
      if (!l.endsWith('/')) this.n++;
    } else if (REPLACED.test(l)) this.n++;
  }
}

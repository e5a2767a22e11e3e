/** Progress of a long transfer, from rsync's `--info=progress2` lines. */
export interface TransferProgress {
  readonly bytes: number;
  readonly percent: number;
  readonly rate: string;
  /** Files transferred so far. */
  readonly files: number;
  /** Files rsync still has to check, of the total it knows about so far. */
  readonly toCheck: number | null;
  readonly total: number | null;
}

const LINE = /([\d,]+)\s+(\d+)%\s+(\S+\/s)\s+\S+(?:\s+\(xfr#(\d+), (?:ir|to)-chk=(\d+)\/(\d+)\))?/g;

/** The latest progress in a chunk of stdout (lines end in \r), or null. Pure. */
export function parseProgress(text: string): TransferProgress | null {
  let last: TransferProgress | null = null;
  for (const m of text.matchAll(LINE)) {
    last = {
      bytes: Number(m[1]!.replace(/,/g, '')),
      percent: Number(m[2]),
      rate: m[3]!,
      files: m[4] ? Number(m[4]) : 0,
      toCheck: m[5] ? Number(m[5]) : null,
      total: m[6] ? Number(m[6]) : null,
    };
  }
  return last;
}

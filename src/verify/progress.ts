import { formatBytes } from '../lane/lane.js';
import { count } from './format.js';

/**
 * Progress of a long comparison, for stderr (the CLI) or the log (the agent). Pure: time is a
 * parameter. Where the numbers come from:
 * - the tree's size is counted by the local walk before rsync starts (entries, bytes);
 * - files checked is progress2's `total - to-chk`: how far the receiver got comparing;
 * - bytes read is what the local rsync has read so far (/proc/PID/io `rchar`): with --checksum
 *   it reads every regular file in full, so this is the checksumming progress.
 * The ETA follows the slower of the two fractions (both must finish), from the elapsed time.
 */
interface CompareProgress {
  readonly entries: number;
  readonly bytes: number;
  readonly filesChecked: number;
  /** null when /proc cannot tell. */
  readonly bytesRead: number | null;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The fraction done: the slower of files checked and bytes read (each capped at 1). */
export function fractionDone(p: CompareProgress): number {
  const files = p.entries > 0 ? Math.min(1, p.filesChecked / p.entries) : 1;
  const bytes = p.bytesRead !== null && p.bytes > 0 ? Math.min(1, p.bytesRead / p.bytes) : files;
  return Math.min(files, bytes);
}

/** `LABEL: 45,000/100,001 files checked (45%), 1.2 GiB/2.6 GiB read, 9,000 files/s, 250.0 MiB/s, ETA 0:06`. */
export function formatProgress(label: string, p: CompareProgress, startedAt: number, now: number): string {
  const elapsed = Math.max(1, now - startedAt);
  const f = fractionDone(p);
  const pct = Math.floor(f * 100);
  // Bytes only when there are file contents to read (a tree of empty files has none to show).
  const bytes = p.bytesRead !== null && p.bytes > 0 ? p.bytesRead : null;
  const read = bytes !== null ? `, ${formatBytes(Math.min(bytes, p.bytes))}/${formatBytes(p.bytes)} read` : '';
  const fileRate = `${count(Math.round((p.filesChecked * 1000) / elapsed))} files/s`;
  const byteRate = bytes !== null ? `, ${formatBytes(Math.round((bytes * 1000) / elapsed))}/s` : '';
  const eta = f > 0 ? `ETA ${clock((elapsed * (1 - f)) / f)}` : 'ETA unknown';
  return `${label}: ${count(p.filesChecked)}/${count(p.entries)} files checked (${pct}%)${read}, ${fileRate}${byteRate}, ${eta}`;
}

/**
 * When to print: not at all for a comparison that ends within `firstMs` (a small tree prints
 * nothing), then every `everyMs`.
 */
export class ProgressPacer {
  private next: number;

  constructor(
    startedAt: number,
    private readonly everyMs = 5000,
    firstMs = 2000,
  ) {
    this.next = startedAt + firstMs;
  }

  /** True when a line is due at `now` (and then the next one is planned). */
  due(now: number): boolean {
    if (now < this.next) return false;
    this.next = now + this.everyMs;
    return true;
  }
}

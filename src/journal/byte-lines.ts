/** Bytes per chunk: a deploy's 10,000 records are about 600 KB, a lone save's one line 60 bytes. */
const CHUNK = 16 * 1024;

/**
 * Lines kept as their UTF-8 bytes until they are written. Kept as strings, the records of a
 * burst waited out the young generation and became old garbage on the main thread's heap, which
 * only a full GC frees: a deploy's journal lines were 2.2 of the 27 MB of its allocations that
 * outlived the young generation, most of them in the second the held removals are released
 * (issue 21, round 30). Bytes live outside V8's heap and are freed when written.
 */
export class ByteLines {
  private full: Buffer[] = [];
  private current: Buffer | null = null;
  private used = 0;
  private lines = 0;

  /** Lines held. */
  get count(): number {
    return this.lines;
  }

  push(line: string): void {
    const n = Buffer.byteLength(line);
    if (this.current === null || this.used + n > this.current.length) {
      if (this.current !== null) this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(CHUNK, n));
      this.used = 0;
    }
    this.used += this.current.write(line, this.used);
    this.lines++;
  }

  /** Every line held, in order, as one Buffer (null when none is); none is held afterwards. */
  take(): Buffer | null {
    if (this.current === null) return null;
    const last = this.current.subarray(0, this.used);
    const out = this.full.length === 0 ? last : Buffer.concat([...this.full, last]);
    this.clear();
    return out;
  }

  clear(): void {
    this.full = [];
    this.current = null;
    this.used = 0;
    this.lines = 0;
  }
}

import type { BytePath } from '../shared/bytepath.js';

/**
 * Single-quote one word for /bin/sh: `it's` → `'it'\''s'`. Inside single quotes nothing is
 * special to sh (no `$`, backtick, backslash or newline processing), so this is safe for any
 * bytes except NUL, which cannot occur in a file name or an argv word.
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one copy-pasteable shell line (for debug logs and the fail log). */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** A byte path for shell text written as bytes (latin1 output keeps the raw bytes). */
export function shellQuoteBytes(p: BytePath): string {
  return shellQuote(p);
}

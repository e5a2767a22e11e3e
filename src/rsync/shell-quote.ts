import { fromText, type BytePath } from '../shared/bytepath.js';

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

/** Paths per printf: well under ARG_MAX even for long names. */
const PATHS_PER_PRINTF = 500;

/**
 * The shell command that sends `paths` (or, for null, the whole root) exactly as the agent does:
 * `cd 'ROOT' && { printf '%s\0' 'p1' ...; } | 'rsync' ...`. A byte string (latin1), so non-UTF-8
 * names keep their exact bytes when written out as bytes. For the fail log and debug logs.
 */
export function resendCommand(root: string, argv: readonly string[], paths: readonly BytePath[] | null): BytePath {
  const cd = `cd ${fromText(shellQuote(root))}`;
  const rsync = fromText(shellLine(['rsync', ...argv]));
  if (paths === null) return `${cd} && ${rsync}`;
  const plain = paths.filter((p) => !p.includes('\n'));
  const printfs: string[] = [];
  for (let i = 0; i < plain.length; i += PATHS_PER_PRINTF) printfs.push(`printf '%s\\0' ${plain.slice(i, i + PATHS_PER_PRINTF).map(shellQuote).join(' ')}`);
  // A newline in a name would start a new line of the script, where a crafted name could pass
  // for a record of its own: such a name goes in printf's format, its newlines written \012.
  for (const p of paths) if (p.includes('\n')) printfs.push(`printf ${shellQuote(`${printfFormat(p)}\\0`)}`);
  return `${cd} && { ${printfs.join('; ')}; } | ${rsync}`;
}

/** `p` as a printf format that prints exactly `p`: `\` and `%` doubled, newlines as `\012`. */
function printfFormat(p: BytePath): string {
  return p.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/\n/g, '\\012');
}

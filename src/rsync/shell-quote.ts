import { fromText, toText, type BytePath } from '../shared/bytepath.js';

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
  for (let i = 0; i < plain.length; i += PATHS_PER_PRINTF)
    printfs.push(
      `printf '%s\\0' ${plain
        .slice(i, i + PATHS_PER_PRINTF)
        .map(shellQuote)
        .join(' ')}`,
    );
  // A newline in a name would start a new line of the script, where a crafted name could pass
  // for a record of its own: such a name goes in printf's format, its newlines written \012.
  for (const p of paths) if (p.includes('\n')) printfs.push(`printf ${shellQuote(`${printfFormat(p)}\\0`)}`);
  return `${cd} && { ${printfs.join('; ')}; } | ${rsync}`;
}

/** `p` as a printf format that prints exactly `p`: `\` and `%` doubled, newlines as `\012`. */
function printfFormat(p: BytePath): string {
  return p.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/\n/g, '\\012');
}

/**
 * Code points that print as nothing, move the cursor or reorder text: C1 controls, zero-width
 * and bidi format characters, line/paragraph separators, the BOM. A name holding one could pass
 * for another name, or make a report line read differently from what it holds.
 */
const DECEPTIVE = /[\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** The UTF-8 sequence starting at `i` of a byte string: its length, or 0 when it is not valid there. */
function utf8Length(p: BytePath, i: number): number {
  const b = p.charCodeAt(i);
  const n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 0;
  if (n === 0 || i + n > p.length) return 0;
  const bytes = Buffer.from(p.slice(i, i + n), 'latin1');
  // Re-encoding catches overlong forms, surrogates and stray continuation bytes.
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes) ? n : 0;
}

/**
 * A byte path shown to a human, on one line, as one shell word that means exactly these bytes:
 * `'a b'` when it is plain printable text, else bash's `$'...'` with `\n`, `\t`, `\xHH` escapes
 * for control bytes, invalid UTF-8 and deceptive characters. So a hostile name can neither break
 * a report or log line nor forge one, and pasted into bash it names the same file; nothing in
 * it is ever expanded (`$(...)`, backticks stay text in both forms).
 */
export function displayQuote(p: BytePath): string {
  let plain = true;
  let out = '';
  for (let i = 0; i < p.length;) {
    const c = p.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      out += c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : p[i];
      i++;
      continue;
    }
    const n = c >= 0x80 ? utf8Length(p, i) : 0;
    const ch = n > 0 ? Buffer.from(p.slice(i, i + n), 'latin1').toString('utf8') : '';
    if (n > 0 && !DECEPTIVE.test(ch)) {
      out += ch;
      i += n;
      continue;
    }
    plain = false;
    const bytes = n > 0 ? p.slice(i, i + n) : p[i]!;
    for (const b of bytes)
      out +=
        b === '\n'
          ? '\\n'
          : b === '\t'
            ? '\\t'
            : b === '\r'
              ? '\\r'
              : `\\x${b.charCodeAt(0).toString(16).padStart(2, '0')}`;
    i += bytes.length;
  }
  return plain ? shellQuote(toText(p)) : `$'${out}'`;
}

/**
 * sersync compiled `<filter>` (and plugin) expressions with boost::regex in Perl syntax; we run
 * JavaScript's RegExp. Most Perl syntax means the same in both, but a few boost constructs
 * compile in JavaScript *silently with another meaning* (`[[:digit:]]` is "one of [ : d i g t"
 * followed by "]"; `\A` is the letter A). This pure module translates what has an exact
 * JavaScript equivalent and rejects the rest, so an expression never matches something other
 * than what its author meant.
 */

/** A translated expression: `new RegExp(source, flags)` (unanchored). */
interface JsRegex {
  readonly source: string;
  /** `i` for a leading `(?i)`, else empty. */
  readonly flags: string;
}

/** A boost-only construct with no JavaScript equivalent here; the message says which and why. */
export class BoostOnlyError extends Error {}

/** POSIX bracket classes (C locale, as sersync ran), as the inside of a JavaScript class. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: '0-9a-zA-Z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  upper: 'A-Z',
  lower: 'a-z',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1f\\x7f',
  graph: '!-~',
  print: ' -~',
};

/** Letter escapes that mean the same in boost's Perl syntax and in a (non-unicode) JS RegExp. */
const SAME_LETTER_ESCAPES = new Set('dDwWsSbBnrtfk');

/** Outside a bracket: boost anchors with an exact JavaScript equivalent (no `m` flag is used). */
const ANCHORS: Readonly<Record<string, string>> = { A: '^', z: '$', Z: '(?=\\n?$)' };

/**
 * Translates one boost (Perl syntax) expression. Throws BoostOnlyError for a construct that
 * JavaScript would read differently; anything else JavaScript cannot compile is left for
 * `new RegExp` to reject (callers report its message).
 */
export function toJsRegex(expr: string): JsRegex {
  let i = 0;
  let flags = '';
  if (expr.startsWith('(?i)')) {
    flags = 'i';
    i = 4;
  }
  let out = '';
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '\\') {
      const next = expr[i + 1];
      if (next !== undefined && ANCHORS[next] !== undefined) out += ANCHORS[next];
      else out += escape(expr, i);
      i += 2;
    } else if (c === '[') {
      const cls = bracket(expr, i);
      if (cls === null) {
        // Unterminated: let RegExp say so.
        out += expr.slice(i);
        break;
      }
      out += cls.text;
      i = cls.end;
    } else {
      out += c;
      i++;
    }
  }
  return { source: out, flags };
}

/**
 * The expression compiled for a whole-string match (boost::regex_match, as sersync did); `.`
 * matches a newline too, as in boost's Perl syntax (names may contain newlines).
 */
export function wholeMatchRegex(expr: string): RegExp {
  const { source, flags } = toJsRegex(expr);
  return new RegExp(`^(?:${source})$`, `s${flags}`);
}

/** `\x` at i (inside or outside a bracket), checked; returns the JavaScript text. */
function escape(expr: string, i: number): string {
  const next = expr[i + 1];
  if (next === undefined) return '\\'; // RegExp reports "\ at end of pattern"
  if (!/[A-Za-z]/.test(next) || SAME_LETTER_ESCAPES.has(next)) return `\\${next}`;
  if (next === 'c' && /[A-Za-z]/.test(expr[i + 2] ?? '')) return '\\c';
  if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(expr.slice(i + 2, i + 4))) return '\\x';
  const hint = next === 'x' ? ' (write a byte as \\xHH, two hex digits)' : next === 'Q' ? ' (escape each special character with \\ instead)' : '';
  throw new BoostOnlyError(`\\${next} is not supported${hint}: JavaScript would read it as a plain "${next}"`);
}

/** A bracket expression starting at `start` (`[`), translated; null when it is never closed. */
function bracket(expr: string, start: number): { text: string; end: number } | null {
  let j = start + 1;
  let text = '[';
  if (expr[j] === '^') {
    text += '^';
    j++;
  }
  // In boost a `]` right after `[` or `[^` is a literal; in JavaScript `[]` is an empty class.
  if (expr[j] === ']') {
    text += '\\]';
    j++;
  }
  while (j < expr.length && expr[j] !== ']') {
    const c = expr[j]!;
    if (c === '\\') {
      text += escape(expr, j);
      j += 2;
      continue;
    }
    const kind = expr[j + 1];
    if (c === '[' && (kind === ':' || kind === '.' || kind === '=')) {
      const close = expr.indexOf(`${kind}]`, j + 2);
      if (close >= 0) {
        const name = expr.slice(j + 2, close);
        const js = kind === ':' ? POSIX_CLASSES[name] : undefined;
        if (js === undefined) {
          const known = Object.keys(POSIX_CLASSES).map((n) => `[:${n}:]`).join(' ');
          throw new BoostOnlyError(`[${kind}${name}${kind}] is not supported inside a bracket expression (supported: ${known})`);
        }
        text += js;
        j = close + 2;
        continue;
      }
    }
    text += c === '[' ? '\\[' : c;
    j++;
  }
  if (j >= expr.length) return null;
  return { text: `${text}]`, end: j + 1 };
}

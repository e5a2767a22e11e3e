/**
 * Linux file names are bytes, not text: a name need not be valid UTF-8. Every path inside the
 * agent is a "byte string": a JS string holding one char (U+0000..U+00FF) per byte, i.e. the
 * latin1 decoding of the raw bytes. It is lossless, usable as a Map key, and '/' is still '/'.
 * Convert at the edges only: to a Buffer for fs calls and rsync's stdin, to UTF-8 text for logs.
 */
export type BytePath = string;

export function bytesOf(p: BytePath): Buffer {
  return Buffer.from(p, 'latin1');
}

export function fromBytes(b: Buffer): BytePath {
  return b.toString('latin1');
}

/** A UTF-8 text path (from the config, argv, tests) as a byte string. */
export function fromText(s: string): BytePath {
  return Buffer.from(s, 'utf8').toString('latin1');
}

const HIGH_BYTE = /[\u0080-\u00ff]/;

/** Text for humans (logs, regex matching): UTF-8 decoded; invalid bytes become U+FFFD. */
export function toText(p: BytePath): string {
  return HIGH_BYTE.test(p) ? Buffer.from(p, 'latin1').toString('utf8') : p;
}

/**
 * A byte path as an fs argument: the string itself when it is ASCII (its UTF-8 encoding, which
 * fs uses for strings, is the same bytes), else its bytes. Most paths are ASCII, and a string
 * costs no Buffer.
 */
export function fsPathOf(p: BytePath): string | Buffer {
  return HIGH_BYTE.test(p) ? Buffer.from(p, 'latin1') : p;
}

/** True when the bytes are valid UTF-8 (so toText is lossless). */
export function isUtf8(p: BytePath): boolean {
  if (!HIGH_BYTE.test(p)) return true;
  const b = Buffer.from(p, 'latin1');
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** `a/b` + `c` → `a/b/c`; an empty base is the root. */
export function joinPath(base: BytePath, name: BytePath): BytePath {
  return base === '' ? name : `${base}/${name}`;
}

/** Parent of a relative path; '' for a top-level entry. */
export function parentOf(p: BytePath): BytePath {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function baseName(p: BytePath): BytePath {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** `a/b` is under `a` (strictly); nothing is under itself. Every relative path is under ''. */
export function isUnder(p: BytePath, dir: BytePath): boolean {
  if (dir === '') return p !== '';
  return p.length > dir.length && p.startsWith(dir) && p.charCodeAt(dir.length) === 0x2f;
}

/** Ancestors of a relative path, nearest first: `a/b/c` → `a/b`, `a`. */
export function ancestorsOf(p: BytePath): BytePath[] {
  const out: BytePath[] = [];
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) out.push(p.slice(0, i));
  return out;
}

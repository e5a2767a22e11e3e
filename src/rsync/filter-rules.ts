import { isUtf8, toText, type BytePath } from '../shared/bytepath.js';

const WILDCARD = /[*?[]/;

/**
 * An rsync exclude rule that matches exactly one path, anchored at the transfer root (`/a/b`).
 * rsync treats a pattern with `*`, `?` or `[` as a wildcard pattern, in which `\` escapes; a
 * pattern without them is literal (a `\` stays a `\`). So escape only when needed. The rules
 * travel NUL-separated (`--from0`), so newlines in names need no care.
 */
export function anchoredRule(rel: BytePath): BytePath {
  return `/${WILDCARD.test(rel) ? globEscape(rel) : rel}`;
}

/** `s` escaped for a pattern with a wildcard, where rsync reads every backslash as an escape. */
export function globEscape(s: string): string {
  return s.replace(/[\\*?[]/g, (c) => `\\${c}`);
}

/** The content of an `--exclude-from=FILE --from0` file for these paths. */
export function excludeFileContent(paths: readonly BytePath[]): Buffer {
  return Buffer.from(paths.map((p) => `${anchoredRule(p)}\0`).join(''), 'latin1');
}

/** `/dir/*`, every child of `dir` (`.` is the root): `dir` fully escaped, as the pattern has a `*`. */
export function childrenRule(dir: BytePath): BytePath {
  return dir === '.' ? '/*' : `/${globEscape(dir)}/*`;
}

/**
 * The rules that let attribute-only directories ride in a recursive run: first an include for
 * each listed child (filters apply to listed paths too, so without it a listed child would be
 * silently skipped), then `- dir/*` for the others, which keeps rsync out of the directory's
 * contents and protects them from --delete. As `+ PATTERN` / `- PATTERN` lines (byte strings).
 */
export function attrOnlyRules(attrDirs: readonly BytePath[], includes: readonly BytePath[]): BytePath[] {
  return [...includes.map((p) => `+ ${anchoredRule(p)}`), ...attrDirs.map((d) => `- ${childrenRule(d)}`)];
}

/**
 * `P /path` for each path: protected from --delete on the receiver (and nothing else: a protect
 * rule does not keep a path from being sent). Folded deletions keep what their directory held
 * at the look (lane/fold-deletions.ts).
 */
export function keepRules(paths: readonly BytePath[]): BytePath[] {
  return paths.map((p) => `P ${anchoredRule(p)}`);
}

/** `P /dir/**` for each directory: everything below it kept from --delete (lane/fold-changes.ts). */
export function keepBelowRules(dirs: readonly BytePath[]): BytePath[] {
  return dirs.map((d) => `P ${childrenRule(d)}*`);
}

/** Rules this many or more, or this long in all, go in a file rather than on the command line. */
const ARGV_RULES_MAX = 1000;
const ARGV_BYTES_MAX = 64 * 1024;

/**
 * The rules as `--include=` / `--exclude=` / `--filter=P ` words, so the debug log's command stays one a human
 * can paste; null when they must go in a file: a name that is not UTF-8 (argv is text, the name
 * would arrive mangled and match nothing), or too many of them for a command line.
 */
export function rulesAsArgv(rules: readonly BytePath[]): string[] | null {
  if (rules.length >= ARGV_RULES_MAX || rules.reduce((n, r) => n + r.length, 0) > ARGV_BYTES_MAX) return null;
  if (rules.some((r) => !isUtf8(r))) return null;
  const word = (r: BytePath): string =>
    r.startsWith('+ ') ? '--include=' : r.startsWith('P ') ? '--filter=P ' : '--exclude=';
  return rules.map((r) => `${word(r)}${toText(r.slice(2))}`);
}

/** The same rules as a `--filter=merge FILE` file (NUL-separated, read with `--from0`). */
export function rulesFile(rules: readonly BytePath[]): Buffer {
  return Buffer.from(rules.map((r) => `${r}\0`).join(''), 'latin1');
}

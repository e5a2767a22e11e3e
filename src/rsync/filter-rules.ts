import type { BytePath } from '../shared/bytepath.js';

const WILDCARD = /[*?[]/;

/**
 * An rsync exclude rule that matches exactly one path, anchored at the transfer root (`/a/b`).
 * rsync treats a pattern with `*`, `?` or `[` as a wildcard pattern, in which `\` escapes; a
 * pattern without them is literal (a `\` stays a `\`). So escape only when needed. The rules
 * travel NUL-separated (`--from0`), so newlines in names need no care.
 */
export function anchoredRule(rel: BytePath): BytePath {
  const body = WILDCARD.test(rel) ? rel.replace(/[\\*?[]/g, (c) => `\\${c}`) : rel;
  return `/${body}`;
}

/** The content of an `--exclude-from=FILE --from0` file for these paths. */
export function excludeFileContent(paths: readonly BytePath[]): Buffer {
  return Buffer.from(paths.map((p) => `${anchoredRule(p)}\0`).join(''), 'latin1');
}

/** `/dir/*`, every child of `dir` (`.` is the root): `dir` fully escaped, as the pattern has a `*`. */
export function childrenRule(dir: BytePath): BytePath {
  return dir === '.' ? '/*' : `/${dir.replace(/[\\*?[]/g, (c) => `\\${c}`)}/*`;
}

/**
 * A `--filter=merge FILE` (with `--from0`) that lets attribute-only directories ride in a
 * recursive run: first an include for each listed child (filters apply to listed paths too, so
 * without it a listed child would be silently skipped), then `- dir/*` for the others, which
 * keeps rsync out of the directory's contents and protects them from --delete.
 */
export function attrOnlyRules(attrDirs: readonly BytePath[], includes: readonly BytePath[]): Buffer {
  const rules = [...includes.map((p) => `+ ${anchoredRule(p)}`), ...attrDirs.map((d) => `- ${childrenRule(d)}`)];
  return Buffer.from(rules.map((r) => `${r}\0`).join(''), 'latin1');
}

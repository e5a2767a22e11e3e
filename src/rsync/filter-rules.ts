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

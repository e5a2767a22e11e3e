import { ancestorsOf, toText, type BytePath } from '../shared/bytepath.js';
import { wholeMatchRegex } from '../config/regex.js';

/** Decides whether a path is excluded by `<filter>`. */
export interface PathFilter {
  /** True when `rel` (or a directory above it) matches an exclude expression. */
  excluded(rel: BytePath, isDir: boolean): boolean;
  /** False when there are no excludes (callers can skip work). */
  readonly active: boolean;
}

const NEVER: PathFilter = { excluded: () => false, active: false };

/**
 * Each expression is matched whole-string (sersync used boost::regex_match) against ONE
 * normalised relative path: no leading `/`; a directory is tried as `dir/` and as `dir` (so
 * sersync's own sample `(.*)\.svn` keeps excluding .svn directories). A matching
 * directory excludes everything under it, so `^cache/*` drops `cache/` and all below, and
 * `(.*)\.tmp` drops every `*.tmp` at any depth. sersync tested `/a/b` for deeper paths, so a
 * path also matches when `/` + path does: patterns written for that keep working. `.` matches a
 * newline too, as in boost's Perl syntax that sersync used (names may contain newlines).
 */
export function compileFilter(expressions: readonly string[]): PathFilter {
  if (expressions.length === 0) return NEVER;
  const regexes = expressions.map(wholeMatchRegex);
  const matches = (text: string): boolean => regexes.some((re) => re.test(text) || re.test(`/${text}`));
  return {
    active: true,
    excluded(rel: BytePath, isDir: boolean): boolean {
      const text = toText(rel);
      if (matches(text) || (isDir && matches(`${text}/`))) return true;
      for (const a of ancestorsOf(rel)) {
        const at = toText(a);
        if (matches(`${at}/`) || matches(at)) return true;
      }
      return false;
    },
  };
}

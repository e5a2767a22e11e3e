/**
 * rsync's --delete would remove REMOTE files that `<filter>` excludes when they do not exist
 * locally (the local walk only finds excluded paths that exist here). The regexes cannot be
 * turned into rsync globs in general, but the shapes people write can, exactly: those become
 * `--exclude` rules (never sent, never deleted on the receiver; also in the fail log's commands,
 * so an operator running it by hand skips them too). Pure.
 *
 *   (.*)\.tmp  .*\.tmp   → *.tmp     (any depth: rsync matches the last component)
 *   ^cache/*   cache/*   → /cache    (anchored at the root, with everything below)
 *   cache/x             → /cache/x  (a literal path)
 *
 * An anchored pattern has no wildcard, and rsync reads a `\` literally in such a pattern (it is an
 * escape only when a `*`, `?` or `[` is present), so it goes through anchoredRule, which escapes
 * only when needed; `/dir\\name` would match nothing and leave `dir\name` to --delete.
 */
import { anchoredRule, globEscape } from '../rsync/filter-rules.js';

interface ProtectRules {
  /** Glob patterns for `--exclude=<pattern>`, each matching exactly what its expression matches. */
  readonly globs: readonly string[];
  /** Expressions with no glob equivalent: remote-only files matching them are not protected. */
  readonly untranslated: readonly string[];
}

const LITERAL = /^(?:[^\\.*+?()[\]{}|^$]|\\[.\\\-_/ ])+$/;

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * The root-relative path of an anchored literal. A filter also matches `/` + path (sersync's
 * `/a/b` habit), so `^/cache` means the top-level `cache`: as a glob `//cache` it would match
 * nothing and leave the remote `cache` to --delete.
 */
function rootRelative(literal: string): string {
  const s = unescape(literal);
  return s.startsWith('/') ? s.slice(1) : s;
}

export function protectRules(expressions: readonly string[]): ProtectRules {
  const globs: string[] = [];
  const untranslated: string[] = [];
  for (const expr of expressions) {
    const suffix = /^(?:\(\.\*\)|\.\*)(.+)$/.exec(expr);
    const anchoredDir = /^\^?(.+?)\/\*$/.exec(expr);
    const literal = /^\^?(.+)$/.exec(expr);
    if (suffix && LITERAL.test(suffix[1]!) && !unescape(suffix[1]!).includes('/')) {
      globs.push(`*${globEscape(unescape(suffix[1]!))}`);
    } else if (anchoredDir && LITERAL.test(anchoredDir[1]!)) {
      globs.push(anchoredRule(rootRelative(anchoredDir[1]!)));
    } else if (literal && LITERAL.test(literal[1]!) && !expr.endsWith('/')) {
      globs.push(anchoredRule(rootRelative(literal[1]!)));
    } else {
      untranslated.push(expr);
    }
  }
  return { globs, untranslated };
}

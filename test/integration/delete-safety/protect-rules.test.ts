import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { protectRules } from '../../../src/delete-safety/protect-rules.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { fromText } from '../../../src/shared/bytepath.js';

/**
 * protect-rules turns `<filter>` regexes into rsync `--exclude` globs that keep `--delete` off
 * excluded remote files. A wrong glob deletes data, so every shape is proven against the real
 * rsync: the glob must keep exactly the remote-only files the filter itself (compileFilter, the
 * watcher's own oracle) excludes, and delete every other one; and must not send the excluded
 * local files. Local to local: rule semantics are the same as against a daemon.
 */

interface Row {
  readonly expr: string;
  readonly glob: string;
  /** Files (relative) to place; dirs come from their parents. Must include kept AND deleted ones. */
  readonly files: readonly string[];
}

/** Every shape README's `<filter>` table and the module's comment promise a glob for. */
const TRANSLATED: readonly Row[] = [
  {
    expr: '(.*)\\.tmp',
    glob: '*.tmp',
    files: ['x.tmp', 'a/b/y.tmp', 'x.tmpl', 'd.tmp/inner', '.tmp', 'a/keep.txt', 'x.TMP'],
  },
  { expr: '.*\\.tmp', glob: '*.tmp', files: ['x.tmp', 'deep/er/z.tmp', 'x.tmpl', 'tmp', 'e.tmp/f'] },
  { expr: '(.*)\\.svn', glob: '*.svn', files: ['.svn/entries', 'p/q/.svn/x', 'p/svn', 'p/a.svnx'] },
  { expr: '(.*)~', glob: '*~', files: ['f~', 'a/g~', 'a/g', '~x'] },
  { expr: '(.*)\\-old', glob: '*-old', files: ['a-old', 'b/c-old/d', 'a-older', 'old'] },
  { expr: '(.*)\\.tmp file', glob: '*.tmp file', files: ['x.tmp file', 'a/.tmp file', 'x.tmp', 'x.tmp files'] },
  { expr: '(.*)\\\\x', glob: '*\\\\x', files: ['a\\x', 'sub/b\\x', 'ax', 'a\\y'] },
  { expr: '^cache/*', glob: '/cache', files: ['cache/f', 'cache/sub/g', 'sub/cache/f', 'cachex/f', 'xcache/f'] },
  { expr: 'cache/*', glob: '/cache', files: ['cache/f', 'sub/cache/f', 'cache2/f'] },
  { expr: '^a/b/*', glob: '/a/b', files: ['a/b/c', 'a/bb/c', 'a/c', 'x/a/b/c'] },
  { expr: 'cache/x', glob: '/cache/x', files: ['cache/x', 'cache/y', 'sub/cache/x', 'cache/x2'] },
  { expr: '^cache/x', glob: '/cache/x', files: ['cache/x/in', 'cache/y', 'sub/cache/x'] },
  {
    expr: '^logs/2024\\.txt',
    glob: '/logs/2024.txt',
    files: ['logs/2024.txt', 'logs/2024_txt', 'logs/2024.txt.1', 'x/logs/2024.txt'],
  },
  { expr: '^a b/c d', glob: '/a b/c d', files: ['a b/c d', 'a b/c', 'x/a b/c d'] },
  { expr: '4913', glob: '/4913', files: ['4913', 'd/4913', '49130'] },
  // Written for sersync's `/a/b` habit: the filter also matches `/` + path.
  { expr: '^/cache', glob: '/cache', files: ['cache/f', 'x/cache/f', 'cachey'] },
  { expr: '/cache/*', glob: '/cache', files: ['cache/f', 'x/cache/f', 'cach/e'] },
  { expr: '/a/b', glob: '/a/b', files: ['a/b', 'a/c', 'x/a/b'] },
  { expr: 'dir\\\\name', glob: '/dir\\name', files: ['dir\\name', 'dir\\namex', 'sub/dir\\name'] },
];

/** Shapes with no exact glob: they must be left to the dry-run path, never guessed. */
const REFUSED: readonly string[] = [
  '(.*)\\.(log|bak)', // alternation
  '(?i)(.*)\\.tmp', // case-insensitive
  '^cache/.*', // cache/ and below but NOT the directory entry itself
  'cache/', // a directory only: /cache would also match a file named cache
  '(.*)/\\.git', // a suffix holding a '/': the glob would match the last component only
  '[abc]\\.txt', // a class
  '\\d+\\.log', // a repeat
  '(.*)\\.t?mp', // an optional char
  '(.*)\\.tmp$', // an explicit anchor
  '^(.*)\\.tmp', // anchored suffix
  '.*', // everything
  'a\\[1\\]', // escapes outside the literal set
  '(.*)\\.tmp/*', // suffix with a trailing repeat
];

let work: string;
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'protect-rules-'));
});
after(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function place(root: string, files: readonly string[]): void {
  fs.mkdirSync(root, { recursive: true });
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), f);
  }
}

function rsync(globs: readonly string[], src: string, dst: string): void {
  execFileSync('rsync', ['-r', '--delete', '--force', ...globs.map((g) => `--exclude=${g}`), `${src}/`, `${dst}/`], {
    stdio: 'pipe',
  });
}

function present(root: string, files: readonly string[]): string[] {
  return files.filter((f) => fs.existsSync(path.join(root, f)));
}

describe('protect-rules: <filter> shapes with an exact rsync glob, proven against real rsync', () => {
  let n = 0;
  for (const row of TRANSLATED) {
    it(`${row.expr} → ${row.glob}`, () => {
      const rules = protectRules([row.expr]);
      assert.deepEqual(rules, { globs: [row.glob], untranslated: [] });
      const filter = compileFilter([row.expr]);
      const excluded = row.files.filter((f) => filter.excluded(fromText(f), false));
      const others = row.files.filter((f) => !excluded.includes(f));
      // The row must exercise both sides, or it proves nothing.
      assert.ok(
        excluded.length > 0 && others.length > 0,
        `row ${row.expr}: ${excluded.length} excluded, ${others.length} not`,
      );

      const dir = path.join(work, String(n++));
      // Remote-only files: --delete must remove exactly the ones the filter does not exclude.
      place(path.join(dir, 'empty'), []);
      place(path.join(dir, 'remote'), row.files);
      rsync(rules.globs, path.join(dir, 'empty'), path.join(dir, 'remote'));
      assert.deepEqual(present(path.join(dir, 'remote'), row.files), excluded, 'kept on the receiver');

      // Local files: the excluded ones are never sent.
      place(path.join(dir, 'local'), row.files);
      place(path.join(dir, 'dest'), []);
      rsync(rules.globs, path.join(dir, 'local'), path.join(dir, 'dest'));
      assert.deepEqual(present(path.join(dir, 'dest'), row.files), others, 'sent to the receiver');
    });
  }

  it('several expressions keep their order; the untranslatable ones are listed apart', () => {
    assert.deepEqual(protectRules(['(.*)\\.tmp', '(.*)\\.(log|bak)', '^cache/*']), {
      globs: ['*.tmp', '/cache'],
      untranslated: ['(.*)\\.(log|bak)'],
    });
    assert.deepEqual(protectRules([]), { globs: [], untranslated: [] });
  });
});

describe('protect-rules: shapes without an exact glob are refused (left to the dry run)', () => {
  for (const expr of REFUSED) {
    it(expr, () => {
      assert.deepEqual(protectRules([expr]), { globs: [], untranslated: [expr] });
    });
  }
});

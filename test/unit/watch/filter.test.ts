import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../../src/watch/filter.js';
import { fromText } from '../../../src/shared/bytepath.js';

describe('<filter>: whole-string regexes on one normalised relative path', () => {
  const cases: Array<[string[], string, boolean, boolean]> = [
    [['(.*)\\.tmp'], 'x.tmp', false, true],
    [['(.*)\\.tmp'], 'a/b/y.tmp', false, true],
    [['(.*)\\.tmp'], 'x.tmpl', false, false],
    [['(.*)\\.tmp'], 'x.tmp/inside', false, true],
    [['^cache/*'], 'cache', true, true],
    [['^cache/*'], 'cache/x/y', false, true],
    [['^cache/*'], 'sub/cache/f', false, false],
    [['^cache/*'], 'cachefile', false, false],
    [['(.*)\\.svn'], 'a/.svn', true, true],
    [['(.*)\\.svn'], 'a/.svn/entries', false, true],
    [['(.*)\\.svn/'], 'a/.svn', false, false],
    [['(.*)\\.svn/'], 'a/.svn/entries', false, true],
    [['(.*)\\.gz'], 'a/y.gz', false, true],
    [['/sub/skop.*'], 'sub/skopme', false, true],
    [['sub/skip.*'], 'sub/skipme', false, true],
    [['(.*)\\.tmp', '^cache/*'], 'docs/readme.md', false, false],
    [['中文.*'], fromText('中文目录'), true, true],
  ];
  for (const [exprs, rel, isDir, excluded] of cases) {
    it(`${JSON.stringify(exprs)} ${excluded ? 'excludes' : 'keeps'} ${JSON.stringify(rel)}${isDir ? ' (dir)' : ''}`, () => {
      assert.equal(compileFilter(exprs).excluded(rel, isDir), excluded);
    });
  }
  it('no expressions: never excludes and says it is inactive', () => {
    const f = compileFilter([]);
    assert.equal(f.active, false);
    assert.equal(f.excluded('anything', false), false);
  });
});

describe('<filter> regexes follow boost (sersync): "." matches a newline', () => {
  it('(.*)\\.tmp excludes a name holding a newline', () => {
    assert.equal(compileFilter(['(.*)\\.tmp']).excluded('new\nline.tmp', false), true);
  });
});

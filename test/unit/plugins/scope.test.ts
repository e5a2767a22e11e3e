import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scopeIn, scopePaths } from '../../../src/plugins/scope.js';
import { syncRootOf } from '../../../src/config/plugins.js';

describe("a plugin's own root beside a sync root", () => {
  it('no localpath, or the sync root itself: the whole sync root', () => {
    assert.deepEqual(scopeIn('/srv/www', ''), { root: '/srv/www', prefix: '' });
    assert.deepEqual(scopeIn('/srv/www', '/srv/www'), { root: '/srv/www', prefix: '' });
  });
  it('a directory inside: that subtree', () => {
    assert.deepEqual(scopeIn('/srv/www', '/srv/www/img/big'), { root: '/srv/www/img/big', prefix: 'img/big' });
    assert.deepEqual(scopeIn('/', '/srv'), { root: '/srv', prefix: 'srv' });
  });
  it('a sibling or a name that only starts the same: not in this root', () => {
    assert.equal(scopeIn('/srv/www', '/srv/img'), null);
    assert.equal(scopeIn('/srv/www', '/srv/www2'), null);
    assert.equal(syncRootOf('/srv/www2', ['/srv/www']), null);
    assert.equal(syncRootOf('/srv/www/a', ['/srv/x', '/srv/www']), '/srv/www');
  });
  it('paths are kept under the prefix and made relative to it', () => {
    const got = scopePaths('img', [
      { path: 'index.html', tree: false },
      { path: 'img/a.png', tree: false },
      { path: 'img/sub', tree: true },
      { path: 'imgx/b.png', tree: false },
      { path: 'img', tree: false },
    ]);
    assert.deepEqual(got, [
      { path: 'a.png', tree: false },
      { path: 'sub', tree: true },
    ]);
  });
  it('a new tree that holds the plugin root makes its whole tree new', () => {
    assert.deepEqual(scopePaths('a/img', [{ path: 'a', tree: true }]), [{ path: '', tree: true }]);
    assert.deepEqual(scopePaths('a/img', [{ path: 'a/img', tree: true }]), [{ path: '', tree: true }]);
    assert.deepEqual(scopePaths('a/img', [{ path: 'a', tree: false }]), []);
  });
  it("prefix '' passes everything", () => {
    const p = [{ path: 'x', tree: false }];
    assert.deepEqual(scopePaths('', p), p);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cdnRequestPath, compileMatch } from '../../../src/plugins/refresh-cdn.js';
import type { RefreshCdnPluginConfig } from '../../../src/config/types.js';
import { fromText } from '../../../src/shared/bytepath.js';

const cfg = (over: Partial<RefreshCdnPluginConfig> = {}): RefreshCdnPluginConfig => ({
  watch: '/data0/htdocs/cms.xoyo.com/site',
  domainName: 'ccms.chinacache.com',
  port: 80,
  userName: 'xxxx',
  password: 'p&w d',
  sendUrlBase: 'http://pic.xoyo.com/cms',
  regex: false,
  match: '',
  ...over,
});
const ev = (rel: string, isDir = false): { rel: string; abs: Buffer; isDir: boolean } => ({
  rel: fromText(rel),
  abs: Buffer.from(`/data0/htdocs/cms.xoyo.com/site/${rel}`),
  isDir,
});
const q = encodeURIComponent;

describe('refreshCDN request path (sersync-behavior.md §6.3)', () => {
  it('a file: urls=BASE/rel, every value encoded', () => {
    assert.equal(
      cdnRequestPath(cfg(), ev('img/a b.png')),
      `/index.jsp?user=xxxx&pswd=${q('p&w d')}&ok=ok&urls=${q('http://pic.xoyo.com/cms/img/a b.png')}`,
    );
  });
  it('a directory: dirs=BASE/rel/', () => {
    assert.equal(
      cdnRequestPath(cfg(), ev('img/new', true)),
      `/index.jsp?user=xxxx&pswd=${q('p&w d')}&ok=ok&dirs=${q('http://pic.xoyo.com/cms/img/new/')}`,
    );
  });
  it('regex: BASE + capture 1 + what follows the match, with no "/" added', () => {
    const c = cfg({ regex: true, match: 'cms.xoyo.com/site([/a-zA-Z0-9]*).xoyo.com/images' });
    const e = {
      rel: fromText('x'),
      abs: Buffer.from('/data0/htdocs/cms.xoyo.com/site/jx3.xoyo.com/images/b.png'),
      isDir: false,
    };
    assert.equal(
      cdnRequestPath(c, e, compileMatch(c)),
      `/index.jsp?user=xxxx&pswd=${q('p&w d')}&ok=ok&urls=${q('http://pic.xoyo.com/cms/jx3/b.png')}`,
    );
  });
  it('regex: a directory gets the trailing "/" and dirs=', () => {
    const c = cfg({ regex: true, match: 'site/(img)' });
    assert.equal(
      cdnRequestPath(c, ev('img/d', true)),
      `/index.jsp?user=xxxx&pswd=${q('p&w d')}&ok=ok&dirs=${q('http://pic.xoyo.com/cmsimg/d/')}`,
    );
  });
  it('regex without a match: skipped (null)', () => {
    assert.equal(cdnRequestPath(cfg({ regex: true, match: 'nomatch(x)' }), ev('a.png')), null);
  });
});

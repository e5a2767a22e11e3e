import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SersyncConfig } from '../../../src/config/types.js';
import { selectLanes } from '../../../src/verify/select.js';
import { withoutUpdateFlag } from '../../../src/config/words.js';

const r = (ip: string, module: string): { ip: string; module: string; label: string } => ({
  ip,
  module,
  label: `${ip}::${module}`,
});
const config = {
  file: 'c.xml',
  roots: [
    { path: '/srv/a', remotes: [r('10.0.0.1', 'www'), r('10.0.0.2', 'www')] },
    { path: '/srv/b', remotes: [r('10.0.0.1', 'img')] },
  ],
} as unknown as SersyncConfig;
const pairs = (x: ReturnType<typeof selectLanes>): string[] =>
  'error' in x ? [x.error] : x.lanes.map((l) => `${l.root.path} ${l.remote.label}`);

describe('selectLanes (--root, --remote)', () => {
  it('all pairs by default, in config order', () =>
    assert.deepEqual(pairs(selectLanes(config, null, null)), [
      '/srv/a 10.0.0.1::www',
      '/srv/a 10.0.0.2::www',
      '/srv/b 10.0.0.1::img',
    ]));
  it('--root (a trailing / ignored)', () =>
    assert.deepEqual(pairs(selectLanes(config, '/srv/b/', null)), ['/srv/b 10.0.0.1::img']));
  it('--remote by label, or by an unambiguous module name', () => {
    assert.deepEqual(pairs(selectLanes(config, null, '10.0.0.2::www')), ['/srv/a 10.0.0.2::www']);
    assert.deepEqual(pairs(selectLanes(config, null, 'img')), ['/srv/b 10.0.0.1::img']);
  });
  it('unknown or ambiguous: one line saying what exists', () => {
    assert.deepEqual(pairs(selectLanes(config, '/srv/c', null)), [
      '--root /srv/c: not a <localpath watch> of c.xml (it has /srv/a, /srv/b)',
    ]);
    assert.deepEqual(pairs(selectLanes(config, null, 'www')), [
      '--remote www: the module name is on several hosts (10.0.0.1::www, 10.0.0.2::www); give the label (remotes: 10.0.0.1::www, 10.0.0.2::www, 10.0.0.1::img)',
    ]);
    assert.deepEqual(pairs(selectLanes(config, '/srv/b', '10.0.0.2::www')), [
      '--remote 10.0.0.2::www: no such remote for /srv/b (remotes: 10.0.0.1::img)',
    ]);
  });
});

describe('withoutUpdateFlag', () => {
  it('drops -u and --update, and only the u of a cluster', () => {
    assert.deepEqual(withoutUpdateFlag(['-artuz', '-u', '--update', '--bwlimit=10', '-e', 'ssh -u x', '--exclude=u']), [
      '-artz',
      '--bwlimit=10',
      '-e',
      'ssh -u x',
      '--exclude=u',
    ]);
  });
});

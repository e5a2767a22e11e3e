import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dryRunArgs, ExcludedDeletions, unescapeRsyncName } from '../../../src/delete-safety/deletions.js';
import { compileFilter } from '../../../src/watch/filter.js';

describe('dry-run deletions matched against <filter>', () => {
  it('dryRunArgs keeps the argv (password, port) and appends the dry-run options', () => {
    const argv = [
      '-artz',
      '-r',
      '--info=progress2',
      '--delete',
      '--port=873',
      '--stats',
      './',
      'u@h::m',
      '--password-file=/p',
    ];
    assert.deepEqual(dryRunArgs(argv), [...argv, '--dry-run', '--out-format=%i %n', '--info=progress0']);
  });
  it("inverts rsync's \\#ooo escapes exactly (newline, non-UTF-8 bytes, an escaped backslash)", () => {
    assert.equal(unescapeRsyncName('new\\#012line'), 'new\nline');
    assert.equal(unescapeRsyncName('b\\#377\\#376'), 'b\xff\xfe');
    assert.equal(unescapeRsyncName('a\\#134#123b'), 'a\\#123b');
    assert.equal(unescapeRsyncName('plain\\#x'), 'plain\\#x');
  });
  it('collects only *deleting lines the filter excludes, across chunk boundaries, dirs without their /', () => {
    const c = new ExcludedDeletions(compileFilter(['(.*)\\.(log|bak)', '^cache/*']));
    const out = [
      '*deleting   sub/r.bak',
      '*deleting   old.bak/',
      '*deleting   stale.txt',
      '*deleting   cache/',
      '*deleting   sub/cache/',
      '*deleting   new\\#012line.log',
      '>f+++++++++ x.log',
      '*deleting    leading space.log',
      'Number of deleted files: 9',
      '*deleting   last.log',
    ].join('\n');
    c.push(out.slice(0, 17));
    c.push(out.slice(17, 100));
    c.push(out.slice(100));
    assert.deepEqual(c.end(), ['sub/r.bak', 'old.bak', 'cache', 'new\nline.log', ' leading space.log', 'last.log']);
  });
  it('a name the filter does not exclude is never protected', () => {
    const c = new ExcludedDeletions(compileFilter(['(.*)\\.log']));
    c.push('*deleting   a.log.txt\n*deleting   dir.log/inner\n');
    assert.deepEqual(c.end(), ['dir.log/inner']);
  });
});

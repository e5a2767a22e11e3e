import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { UnwatchedDirs, watchLimitAdvice, type Unwatched } from '../../../src/watch/unwatched.js';
import type { WatchProblem } from '../../../src/watch/types.js';

const ID = { ino: 1, birth: 0 };
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('UnwatchedDirs: directories that could not be watched', () => {
  let reports: WatchProblem[];
  let tried: string[];
  /** rel → what retry answers (false: not wanted any more); absent: still failing (true). */
  let answer: Map<string, boolean>;
  let dirs: UnwatchedDirs;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    reports = [];
    tried = [];
    answer = new Map();
    dirs = new UnwatchedDirs({
      retry: async (u: Unwatched) => {
        tried.push(u.rel);
        return answer.get(u.rel) ?? true;
      },
      report: (p) => reports.push(p),
    });
  });
  afterEach(() => {
    dirs.close();
    mock.timers.reset();
  });

  it('gathers new failures for 200 ms into one report per root; a known directory is not counted again', () => {
    dirs.mark(0, 'a', ID, { code: 'EMFILE', message: 'a: too many open files' });
    dirs.mark(0, 'b', ID, { code: 'EMFILE', message: 'b: too many open files' });
    dirs.mark(0, 'a', ID, { code: 'EMFILE', message: 'again' });
    dirs.mark(1, 'c', ID, { code: 'EACCES', message: 'c: denied' });
    dirs.mark(1, 'd', ID, null); // reported by the caller already
    mock.timers.tick(199);
    assert.deepEqual(reports, []);
    mock.timers.tick(1);
    assert.deepEqual(reports, [
      {
        root: 0,
        code: 'EMFILE',
        message: 'cannot watch 2 directories (a: too many open files, ...); retried with backoff',
      },
      { root: 1, code: 'EACCES', message: 'cannot watch 1 directory (c: denied); retried with backoff' },
    ]);
  });

  it('ENOSPC is reported as the sysctl advice', () => {
    dirs.mark(0, 'a', ID, { code: 'ENOSPC', message: 'x' });
    mock.timers.tick(200);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.message, `${watchLimitAdvice()}; 1 directory not watched, retried with backoff`);
    assert.match(reports[0]!.message, /sysctl fs\.inotify\.max_user_watches=\d+/);
  });

  it('retries parents first after 1 s, doubling while some still fail, until watched or not wanted', async () => {
    dirs.mark(0, 'a/b/c', ID, null);
    dirs.mark(0, 'a', ID, null);
    dirs.mark(0, 'x/y', ID, null);
    mock.timers.tick(999);
    await settle();
    assert.deepEqual(tried, []);
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(tried, ['a', 'x/y', 'a/b/c']);

    // 'x/y' is gone now; 'a' is watched (by the caller), which also took 'a/b/c' along.
    answer.set('x/y', false);
    dirs.watched(0, 'a');
    dirs.watched(0, 'a/b/c');
    mock.timers.tick(1999);
    await settle();
    assert.equal(tried.length, 3, 'the second retry comes 2 s later');
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(tried.slice(3), ['x/y']);
    mock.timers.tick(120_000);
    await settle();
    assert.equal(tried.length, 4, 'nothing left to retry');
  });

  it('close() stops the retries', async () => {
    dirs.mark(0, 'a', ID, null);
    dirs.close();
    mock.timers.tick(10_000);
    await settle();
    assert.deepEqual(tried, []);
  });
});

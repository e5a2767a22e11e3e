import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planBatch } from '../../../src/lane/batch-plan.js';
import { FileGate } from '../../../src/lane/large-gate.js';
import { LargeFileSlot } from '../../../src/lane/large-files.js';
import { HEALTHY } from '../../../src/lane/lane-health.js';
import { ThreadedHealth } from '../../helpers/threaded-health.js';
import { step } from '../../../src/lane/lane-machine.js';
import { INITIAL, type LaneFacts } from '../../../src/lane/lane-state.js';
import { stateName as laneState } from '../../../src/lane/lane-state-name.js';
import { entriesWithoutRoom, fullLine, namesWithoutRoom } from '../../../src/lane/room.js';

const e = (path: string) => ({ path, kind: 'path' as const });

describe('a receiver without room: which files did not fit', () => {
  it("reads the names rsync 3.5.0's receiver gives (write failed, mkstemp's temp name)", () => {
    const stderr =
      'rsync: [receiver] write failed on "big.bin" (in www): No space left on device (28)\nrsync error: error in file IO (code 11) at receiver.c(657) [receiver=3.5.0]';
    assert.deepEqual(namesWithoutRoom(stderr), ['big.bin']);
    assert.deepEqual(
      namesWithoutRoom('rsync: [receiver] mkstemp "sub/.big.bin.ycSeyT" (in www) failed: No space left on device (28)'),
      ['sub/big.bin'],
    );
    assert.deepEqual(
      namesWithoutRoom('rsync: [receiver] mkstemp "sub/.a.txt.ycSeyT" (in www) failed: Permission denied (13)'),
      [],
      'not a space problem',
    );
    assert.deepEqual(namesWithoutRoom('rsync error: error in file IO (code 11)'), []);
  });
  it('matches them to the batch: the file itself, over ssh by its end, or the directory entry it lies in', () => {
    const batch = [e('big.bin'), e('small.txt'), e('newdir'), e('x/y.txt')];
    assert.deepEqual(entriesWithoutRoom(batch, ['big.bin']), [e('big.bin')]);
    assert.deepEqual(entriesWithoutRoom(batch, ['/srv/backup/www/big.bin']), [e('big.bin')]);
    assert.deepEqual(entriesWithoutRoom(batch, ['newdir/inner/huge.iso']), [e('newdir')]);
    assert.deepEqual(entriesWithoutRoom(batch, []), []);
    assert.deepEqual(entriesWithoutRoom(batch, ['other.bin']), []);
  });
  it('the line says who acts, how many wait, and when the next try is', () => {
    assert.equal(
      fullLine('h::www', 'X: the receiving server must act', 2, 4000),
      'remote h::www is full: X: the receiving server must act; 2 file(s) that do not fit wait (next try in 4 s, backing off up to 60 s), everything else is sent',
    );
  });
});

describe('a receiver without room: the lane goes on with what fits', () => {
  it('a deferred file waits for its time, needing no look, then goes', () => {
    const g = new FileGate(0);
    g.defer(5000);
    assert.equal(g.deferred, true);
    assert.equal(g.ready(4999), false);
    assert.equal(g.nextLookAt(), 5000);
    g.event(1000); // rewritten meanwhile: still its time
    assert.equal(g.ready(5000), true);
  });
  it('the large-file slot keeps deferred files (and what touches them) until their time; counted while they fly', () => {
    const slot = new LargeFileSlot();
    slot.defer([e('big.bin')], 2000);
    assert.equal(slot.deferredCount, 1);
    assert.deepEqual(
      slot.split([e('big.bin'), e('small.txt')], 100),
      [e('small.txt')],
      'a new change of the big file waits with it',
    );
    assert.equal(slot.ready(1999), false);
    assert.equal(slot.nextLookInMs(1000), 1000);
    assert.equal(slot.ready(2000), true);
    assert.deepEqual(slot.start(2000).entries, [e('big.bin')]);
    assert.equal(slot.deferredCount, 1, 'in flight: the lane is still full until it arrives');
    slot.done();
    assert.equal(slot.deferredCount, 0);
  });
  it('health: the retry backs off from 2 s to a minute; room resets it; the lane is never blocked by it', () => {
    const h = new ThreadedHealth(
      {
        backoff: { baseMs: 500, capMs: 30_000 },
        attemptsBeforeDown: 5,
        downAfterMs: 20_000,
        probeIntervalMs: 2000,
        maxProbeIntervalMs: 60_000,
      },
      () => 1,
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map(() => h.onFull()),
      [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000],
    );
    assert.equal(h.state, 'healthy');
    assert.equal(h.onRoom(), true);
    assert.equal(h.onRoom(), false);
    assert.equal(h.onFull(), 2000);
  });
  it('machine: a batch that ended full arms nothing on the main slot: the rest goes at once', () => {
    const f: LaneFacts = {
      now: 1000,
      pending: true,
      fullSync: false,
      largeWaiting: true,
      largeReady: false,
      largeLookInMs: 2000,
      sinceLastBatchMs: 10_000,
    };
    const r = step(
      { ...INITIAL, main: 'sending' },
      { type: 'main-done', verdict: { kind: 'full' }, health: { ...HEALTHY, fulls: 1 } },
      f,
    );
    assert.deepEqual(
      r.actions.map((a) => a.do),
      ['wake', 'send-main'],
    );
    assert.deepEqual(r.state.mode, { kind: 'ready' });
    assert.deepEqual(r.state.large, { kind: 'waiting', lookAt: 3000 }, 'the held files are looked at again later');
    const waiting = { ...INITIAL, large: { kind: 'waiting', lookAt: 3000 } } as const;
    assert.equal(laneState(waiting, false, true), 'full');
    assert.equal(laneState({ ...INITIAL, main: 'sending' }, false, true), 'syncing');
  });
  it('while full, deletions run first, on their own (they free space)', () => {
    const resolved = {
      recursive: ['a.txt', 'old.bin', 'z.txt'],
      directories: [],
      missing: ['old.bin'],
      large: [],
      dirsOnly: [],
    };
    const opts = { deletes: true, attrsInSession: true, moved: new Set<string>() };
    assert.equal(planBatch(resolved, opts).runs.length, 1, 'otherwise one run');
    const runs = planBatch(resolved, { ...opts, deletionsFirst: true }).runs;
    assert.deepEqual(runs[0], { paths: ['old.bin'], directories: [], fuzzy: false, attrDirs: [] });
    assert.deepEqual(
      runs
        .slice(1)
        .flatMap((r) => r.paths)
        .sort(),
      ['.', 'a.txt', 'z.txt'],
    );
    assert.equal(
      planBatch({ ...resolved, recursive: ['old.bin'] }, { ...opts, deletionsFirst: true }).runs.length,
      1,
      'only deletions: one run',
    );
  });
});

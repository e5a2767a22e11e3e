import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PendingEntry } from '../../../src/aggregate/types.js';
import { DeletionBrake } from '../../../src/daemon/deletion-brake.js';
import { Intake } from '../../../src/daemon/intake.js';
import { REMOVAL_QUIET_MS, SETTLE_MAX_MS } from '../../../src/daemon/removal-gate.js';
import { MoveHints } from '../../../src/lane/move-hints.js';
import { compileFilter } from '../../../src/watch/filter.js';
import type { ChangeEvent } from '../../../src/watch/types.js';
import { decodeJournal, encodeRecord, type JournalRecord } from '../../../src/journal/codec.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';

function harness(
  guard = '<deleteGuard percent="50" files="10" within="60s"/>',
  watch: string | string[] = ['/srv/a', '/srv/b'],
) {
  const clock = new SteppingClock();
  const config = testConfig({ watch, extraSersync: guard });
  const journal: JournalRecord[] = [];
  const shipped: Array<{ root: number; entries: readonly PendingEntry[] }> = [];
  const logger = memoryLogger();
  const brake = new DeletionBrake({
    config,
    clock,
    logger,
    journal: (r) => journal.push(r),
    ship: (root, entries) => shipped.push({ root, entries }),
  });
  return { brake, clock, journal, shipped, logger, config };
}

/** Runs `fn` with a SteppingClock that also drives the timers (the intake's), restored after. */
function withFakeTimers(fn: (clock: SteppingClock) => void): void {
  const clock = new SteppingClock(undefined, true);
  try {
    fn(clock);
  } finally {
    clock.restore();
  }
}

describe('DeletionBrake: holds a root’s deletions during a mass deletion', () => {
  it('trips at the threshold, holds the window’s paths and every later removal, for that root only, and says so once', () => {
    const h = harness();
    h.brake.files([20, 20], 0);
    for (let i = 0; i < 9; i++)
      assert.equal(h.brake.removed(0, `f${i}`, 10), false, 'below the thresholds: aggregated as usual');
    assert.equal(h.brake.holding(0), false);
    assert.equal(h.brake.removed(0, 'f9', 10), true, 'the 10th of 20 trips');
    assert.equal(h.brake.holding(0), true);
    assert.equal(h.brake.holding(1), false);
    assert.equal(h.brake.removed(0, 'later', 20), true);
    assert.equal(h.brake.removed(1, 'other-root', 20), false);
    assert.equal(h.brake.status(0).heldDeletions, 11);
    assert.equal(h.journal.filter((r) => r.type === 'held').length, 11);
    const lines = h.logger.lines.filter((l) => /DELETIONS HELD/.test(l));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /DELETIONS HELD for \/srv\/a: 10 of its 20 files disappeared within 60 s \(50 %, brake at 50 % and 10 files\)/,
    );
  });

  it('while holding, a restore’s temporary names ship and the restored files end the hold', () => {
    const h = harness();
    h.brake.files([10, 0], 0);
    for (let i = 0; i < 10; i++) h.brake.removed(0, `f${i}`, 1);
    assert.equal(h.brake.holding(0), true);
    for (let i = 0; i < 10; i++) {
      h.brake.appeared(0, `.f${i}.Xy12Z`, 2);
      assert.equal(h.brake.removed(0, `.f${i}.Xy12Z`, 2), false, 'a temporary name is no held deletion');
      h.brake.appeared(0, `f${i}`, 2);
    }
    assert.equal(h.brake.holding(0), false);
    assert.equal(h.brake.status(0).heldDeletions, 0);
  });

  it('a held path that appears again is dropped; when none is left the hold ends by itself', () => {
    const h = harness();
    h.brake.files([10, 0], 0);
    for (let i = 0; i < 10; i++) h.brake.removed(0, `f${i}`, 1);
    assert.equal(h.brake.holding(0), true);
    for (let i = 0; i < 9; i++) h.brake.appeared(0, `f${i}`, 2);
    assert.equal(h.brake.holding(0), true);
    h.brake.appeared(0, 'f9', 2);
    assert.equal(h.brake.holding(0), false);
    assert.ok(h.logger.lines.some((l) => /every held deletion was restored locally/.test(l)));
  });

  it('release ships the held paths into the root’s lanes, journals it, and starts a fresh window', () => {
    const h = harness();
    h.brake.files([10, 10], 0);
    for (let i = 0; i < 10; i++) h.brake.removed(0, `f${i}`, 1);
    assert.deepEqual(h.brake.release('/srv/b'), [{ root: '/srv/b', paths: 0 }]);
    assert.equal(h.brake.holding(0), true);
    assert.deepEqual(h.brake.release(null), [
      { root: '/srv/a', paths: 10 },
      { root: '/srv/b', paths: 0 },
    ]);
    assert.equal(h.brake.holding(0), false);
    assert.equal(h.shipped.length, 1);
    assert.equal(h.shipped[0]!.root, 0);
    assert.deepEqual(
      h.shipped[0]!.entries.map((e) => e.path),
      Array.from({ length: 10 }, (_, i) => `f${i}`).sort(),
    );
    assert.ok(h.journal.some((r) => r.type === 'release' && r.root === '/srv/a'));
    assert.equal(h.brake.removed(0, 'x', 2), false, 'the window starts again after a release');
    assert.match((h.brake.release('/srv/nope') as { error: string }).error, /not a watched root/);
  });

  it('start="false": nothing is ever held, the file count is still shown', () => {
    const h = harness('<deleteGuard start="false"/>');
    h.brake.files([100, 0], 0);
    for (let i = 0; i < 100; i++) assert.equal(h.brake.removed(0, `f${i}`, 1), false);
    assert.equal(h.brake.holding(0), false);
    assert.equal(h.brake.status(0).files, 100);
    // A hold journaled before the brake was turned off still holds, later removals too, until released.
    h.brake.recover({ type: 'held', root: '/srv/a', path: 'old' });
    assert.equal(h.brake.removed(0, 'new', 2), true);
    assert.deepEqual(h.brake.release('/srv/a'), [{ root: '/srv/a', paths: 2 }]);
  });

  it('a root replaced (the count falls, no removed path) holds nothing', () => {
    const h = harness();
    h.brake.files([100, 0], 0);
    h.brake.files([0, 0], 1);
    assert.equal(h.brake.holding(0), false);
    assert.ok(!h.logger.lines.some((l) => /DELETIONS HELD/.test(l)));
  });

  it('the journal carries a hold across a restart (held, then release, then held again), and a restart drops what was restored meanwhile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brake-'));
    try {
      fs.writeFileSync(path.join(dir, 'back'), 'restored while the agent was down');
      const h = harness('<deleteGuard files="2"/>', dir);
      h.brake.files([2], 0);
      h.brake.removed(0, 'back', 1);
      h.brake.removed(0, 'gone\nname', 1);
      assert.equal(h.brake.holding(0), true);
      const text =
        h.journal.map(encodeRecord).join('') +
        encodeRecord({ type: 'release', root: dir }) +
        encodeRecord({ type: 'held', root: dir, path: 'back' }) +
        encodeRecord({ type: 'held', root: dir, path: 'gone\nname' });
      const records = decodeJournal(text).records;
      const next = harness('<deleteGuard files="2"/>', dir);
      for (const r of records) if (r.type === 'held' || r.type === 'release') next.brake.recover(r);
      assert.equal(next.brake.status(0).heldDeletions, 2);
      assert.deepEqual(next.brake.records(), [
        { type: 'held', root: dir, path: 'back' },
        { type: 'held', root: dir, path: 'gone\nname' },
      ]);
      await next.brake.sweep();
      assert.deepEqual(
        next.brake.records(),
        [{ type: 'held', root: dir, path: 'gone\nname' }],
        'the path that exists again is no longer held',
      );
      assert.ok(
        next.logger.lines.some((l) =>
          /1 deletion\(s\) held by the deletion brake since the last run; release with: sersync-ts release-deletes/.test(
            l,
          ),
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An intake feeding a real DeletionBrake, with fake lanes and journal. */
function brakeIntake(clock: SteppingClock, extraSersync: string) {
  const config = testConfig({ watch: '/srv/a', extraSersync });
  const sent: PendingEntry[] = [];
  const journal: JournalRecord[] = [];
  const brake = new DeletionBrake({
    config,
    clock,
    logger: memoryLogger(),
    journal: (r) => journal.push(r),
    ship: () => undefined,
  });
  const intake = new Intake({
    config,
    filter: compileFilter([]),
    clock,
    moves: [new MoveHints()],
    outlet: { enqueue: (_, entries) => sent.push(...entries), fullSync: () => undefined },
    journal: { record: (r) => journal.push(r), recorded: () => undefined },
    count: { event: () => undefined, fullSync: () => undefined },
    brake,
  });
  return { intake, brake, sent, journal };
}

const gone = (from: number, n: number, dir = ''): ChangeEvent[] =>
  Array.from({ length: n }, (_, i): ChangeEvent => ({ root: 0, path: `${dir}old${from + i}`, kind: 'removed' }));

describe('Intake with the brake', () => {
  it('held removals never reach the lanes; created paths still do; the file counts come with the events', () => {
    withFakeTimers((clock) => {
      const { intake, brake, sent, journal } = brakeIntake(clock, '<deleteGuard files="5"/>');
      intake.onEvents([], [10]);
      intake.onEvents([...gone(0, 5), { root: 0, path: 'new', kind: 'created' }], [5]);
      clock.advance(REMOVAL_QUIET_MS);
      assert.equal(brake.holding(0), true);
      intake.onEvents(gone(5, 1));
      clock.advance(5000);
      // The whole deletion is held: none of it reached a lane, the new file did.
      assert.deepEqual(
        sent.map((e) => e.path),
        ['new'],
      );
      assert.equal(brake.status(0).heldDeletions, 6);
      assert.equal(brake.status(0).files, 5);
      assert.ok(
        !journal.some((r) => r.type === 'path' && r.path.startsWith('old')),
        'a held removal is journaled as held, not as a path',
      );
    });
  });

  it('an rm -rf the watcher sends in several messages, far apart, is held whole; new files ship at once', () => {
    withFakeTimers((clock) => {
      const { intake, brake, sent } = brakeIntake(clock, '<deleteGuard files="1000"/>');
      intake.onEvents([], [4000]);
      // 20 directories of 100 files: each message one directory (its 100 files' count drop, one event).
      for (let d = 0; d < 19; d++) {
        intake.onEvents(gone(d, 1, 'd'), [4000 - 100 * (d + 1)], false);
        clock.advance(200); // far beyond the 20 ms quiet time: nothing may ship meanwhile
        if (d === 3) intake.onEvents([{ root: 0, path: 'new', kind: 'created' }], [3600], false);
      }
      assert.deepEqual(
        sent.map((e) => e.path),
        ['new'],
        'new files ship while removals wait',
      );
      assert.equal(brake.holding(0), false);
      intake.onEvents(gone(19, 1, 'd'), [2000], true);
      assert.equal(brake.holding(0), false, 'the deletion may go on: nothing decided yet');
      clock.advance(REMOVAL_QUIET_MS);
      assert.equal(brake.holding(0), true);
      assert.equal(brake.status(0).heldDeletions, 20);
      clock.advance(5000);
      assert.deepEqual(
        sent.map((e) => e.path),
        ['new'],
      );
    });
  });

  it('removals below the brake ship once the watcher settles and they stop, or after SETTLE_MAX_MS; a path back is not deleted', () => {
    withFakeTimers((clock) => {
      const { intake, brake, sent } = brakeIntake(clock, '<deleteGuard files="1000"/>');
      intake.onEvents([], [4000]);
      intake.onEvents(gone(0, 3), [3997], false);
      intake.onEvents([{ root: 0, path: 'old1', kind: 'created' }], [3998], false);
      clock.advance(SETTLE_MAX_MS - 1);
      assert.deepEqual(
        sent.map((e) => e.path),
        ['old1'],
        'the file that is back ships at once; the removals wait',
      );
      assert.equal(intake.idle, false);
      clock.advance(1000);
      assert.deepEqual(sent.map((e) => e.path).sort(), ['old0', 'old1', 'old2']);
      assert.equal(sent.filter((e) => e.path === 'old1').length, 1, 'old1 ships once, as the file that exists');
      intake.onEvents(gone(10, 2), [3996], false);
      intake.onEvents([], [3996], true);
      clock.advance(REMOVAL_QUIET_MS - 1);
      assert.equal(sent.length, 3, 'a removal waits for the deletion to be over');
      clock.advance(100);
      assert.deepEqual(
        sent
          .map((e) => e.path)
          .slice(3)
          .sort(),
        ['old10', 'old11'],
      );
      assert.equal(brake.holding(0), false);
      assert.equal(intake.idle, true);
    });
  });

  it('without the brake (start="false") removals do not wait for the watcher', () => {
    withFakeTimers((clock) => {
      const { intake, sent } = brakeIntake(clock, '<deleteGuard start="false"/>');
      intake.onEvents([], [10]);
      intake.onEvents(gone(0, 2), [8], false);
      clock.advance(100);
      assert.deepEqual(sent.map((e) => e.path).sort(), ['old0', 'old1']);
    });
  });

  it('drain (stopping) lets every waiting removal through the brake', () => {
    withFakeTimers((clock) => {
      const { intake, sent } = brakeIntake(clock, '<deleteGuard files="1000"/>');
      intake.onEvents([], [4000]);
      intake.onEvents(gone(0, 2), [3998], false);
      intake.drain();
      assert.deepEqual(sent.map((e) => e.path).sort(), ['old0', 'old1']);
    });
  });
});

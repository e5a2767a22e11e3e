import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PendingEntry, SyncBatch } from '../../../src/aggregate/types.js';
import { DurableState, type StateLane } from '../../../src/daemon/durable-state.js';
import { undeliveredRecords } from '../../../src/daemon/undelivered.js';
import type { FailRecord } from '../../../src/faillog/record.js';
import { parseFailLog } from '../../../src/faillog/record.js';
import { decodeJournal } from '../../../src/journal/codec.js';
import type { LaneHealthState } from '../../../src/lane/lane-health.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';
import { waitFor } from '../../helpers/wait.js';

/** A fake lane: records what durable state gives it. */
class FakeLane implements StateLane {
  readonly got: PendingEntry[] = [];
  readonly fullSyncs: string[] = [];
  health: LaneHealthState = 'healthy';
  constructor(
    readonly root: StateLane['root'],
    readonly remote: StateLane['remote'],
  ) {}
  enqueue(entries: readonly PendingEntry[]): void {
    this.got.push(...entries);
  }
  requestFullSync(reason: string): void {
    this.fullSyncs.push(reason);
  }
  status(): { health: LaneHealthState } {
    return { health: this.health };
  }
}

describe('DurableState: fail log, journal, recovery, hand-over', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-durable-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function harness(opts: { reload?: boolean; undelivered?: SyncBatch[] } = {}) {
    const failLog = path.join(tmp, 'fail.sh');
    const config = testConfig({ watch: '/srv/www', remotes: [{ module: 'a' }, { module: 'b' }], failLog });
    const lanes = config.roots.map((r) => r.remotes.map((x) => new FakeLane(r, x)));
    const fullSyncs: string[] = [];
    const replayed: FailRecord[] = [];
    const state = new DurableState({
      config,
      stateDir: path.join(tmp, 'state'),
      clock: new SteppingClock(),
      logger: memoryLogger(),
      reload: opts.reload ?? false,
      lanes,
      undelivered: () => opts.undelivered ?? [],
      fullSyncAll: (reason) => fullSyncs.push(reason),
      replayed: (rec) => replayed.push(rec),
    });
    return {
      state,
      lanes: lanes[0]!,
      fullSyncs,
      replayed,
      failLog,
      journalFile: path.join(tmp, 'state', 'pending.journal'),
    };
  }

  it('a down lane`s failure reaches the fail log; a later start replays it into that lane; delivery clears it', async () => {
    const first = harness();
    await first.state.open();
    const [a] = first.lanes;
    first.state.laneFailed(a!, { full: false, paths: ['x', 'y'], exitCode: 10, reason: 'refused', argv: ['-a'] });
    await waitFor(
      () => fs.existsSync(first.failLog) && parseFailLog(fs.readFileSync(first.failLog)).records.length === 1,
      { what: 'the fail-log record' },
    );
    await first.state.close();
    const second = harness();
    await second.state.open();
    assert.deepEqual(
      second.lanes[0]!.got.map((e) => e.path),
      ['x', 'y'],
    );
    assert.deepEqual(second.lanes[1]!.got, [], 'only the lane it names');
    assert.equal(second.replayed.length, 1);
    second.state.laneCleared(second.lanes[0]!);
    await waitFor(() => parseFailLog(fs.readFileSync(second.failLog)).records.length === 0, {
      what: 'the record removed',
    });
    await second.state.close();
  });

  it('a lane still down keeps its fail-log entries (its probe replays them when the remote is back)', async () => {
    const first = harness();
    await first.state.open();
    first.state.laneFailed(first.lanes[1]!, { full: true, paths: [], exitCode: 10, reason: 'x', argv: [] });
    await waitFor(() => first.state.records().length === 1);
    first.lanes[1]!.health = 'down';
    first.state.replay('test');
    assert.deepEqual(first.lanes[1]!.fullSyncs, []);
    first.lanes[1]!.health = 'retrying';
    first.state.replay('test');
    assert.deepEqual(first.lanes[1]!.fullSyncs, ['fail log (test)']);
    await first.state.close();
  });

  it('the journal: a clean stop holds exactly what was undelivered, and the next start gives it to every lane of its root', async () => {
    const first = harness({
      undelivered: [
        { fullSync: false, entries: [{ path: 'p', kind: 'path' }] },
        {
          fullSync: false,
          entries: [
            { path: 'p', kind: 'path' },
            { path: 'q', kind: 'tree' },
          ],
        },
      ],
    });
    await first.state.open();
    first.state.record({ type: 'path', root: '/srv/www', path: 'p', kind: 'path' });
    await first.state.close();
    const text = fs.readFileSync(first.journalFile, 'utf8');
    assert.deepEqual(
      decodeJournal(text).records.filter((r) => r.type !== 'clean'),
      [
        { type: 'path', root: '/srv/www', path: 'p', kind: 'path' },
        { type: 'path', root: '/srv/www', path: 'q', kind: 'tree' },
      ],
    );
    const second = harness();
    await second.state.open();
    for (const l of second.lanes)
      assert.deepEqual(l.got, [
        { path: 'p', kind: 'path' },
        { path: 'q', kind: 'tree' },
      ]);
    assert.deepEqual(second.fullSyncs, [], 'a clean stop: no recovery full sync');
    await second.state.close();
  });

  it('after an unclean stop every root gets a full sync', async () => {
    const first = harness();
    await first.state.open();
    first.state.record({ type: 'path', root: '/srv/www', path: 'p', kind: 'path' });
    await new Promise((r) => setTimeout(r, 100)); // the journal's group flush; then "crash": not closed
    const second = harness();
    await second.state.open();
    assert.deepEqual(second.fullSyncs, ['recovery after an unclean stop']);
    assert.deepEqual(
      second.lanes[0]!.got.map((e) => e.path),
      ['p'],
    );
    await second.state.close();
  });

  it('reload: the new state opens the journal only after the old one handed over, and writes what it holds', async () => {
    const old = harness({ undelivered: [{ fullSync: false, entries: [{ path: 'carried', kind: 'path' }] }] });
    await old.state.open();
    const next = harness({
      reload: true,
      undelivered: [
        {
          fullSync: false,
          entries: [
            { path: 'carried', kind: 'path' },
            { path: 'new', kind: 'path' },
          ],
        },
      ],
    });
    await next.state.open();
    const handed = await old.state.handOver();
    assert.deepEqual(handed, [{ type: 'path', root: '/srv/www', path: 'carried', kind: 'path' }]);
    next.state.recover(handed, true);
    assert.deepEqual(
      next.lanes[0]!.got.map((e) => e.path),
      ['carried'],
    );
    await next.state.adopt();
    assert.deepEqual(
      decodeJournal(fs.readFileSync(next.journalFile, 'utf8')).records.map((r) =>
        r.type === 'path' ? r.path : r.type,
      ),
      ['carried', 'new'],
    );
    await next.state.close();
  });

  it('undeliveredRecords: a full sync anywhere marks the root; each path once, in order', () => {
    assert.deepEqual(
      undeliveredRecords([
        {
          root: '/a',
          batches: [
            { fullSync: false, entries: [{ path: 'x', kind: 'path' }] },
            { fullSync: true, entries: [] },
            {
              fullSync: false,
              entries: [
                { path: 'x', kind: 'tree' },
                { path: 'y', kind: 'path' },
              ],
            },
          ],
        },
        { root: '/b', batches: [] },
      ]),
      [
        { type: 'full', root: '/a' },
        { type: 'path', root: '/a', path: 'x', kind: 'path' },
        { type: 'path', root: '/a', path: 'y', kind: 'path' },
      ],
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PendingEntry } from '../../../src/aggregate/types.js';
import { Verifying, type VerifyingDeps } from '../../../src/daemon/verifying.js';
import type { JournalRecord } from '../../../src/journal/codec.js';
import type { Lane } from '../../../src/lane/lane.js';
import { RsyncRunner } from '../../../src/rsync/runner.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';
import { laneStatus } from '../../helpers/lane-status.js';

/** A lane that takes what it is given and delivers it at once (the neighbour, not rsync). */
function fakeLane(root: string, label: string): Lane & { got: PendingEntry[] } {
  const got: PendingEntry[] = [];
  return {
    got,
    root: { path: root },
    remote: { label },
    enqueueRepair: (entries: readonly PendingEntry[]) => void got.push(...entries),
    isIdle: () => true,
    whenIdle: () => Promise.resolve(),
    status: () => laneStatus({ root, remote: label }),
  } as unknown as Lane & { got: PendingEntry[] };
}

function verifying(extraSersync = '', filter: string[] = []) {
  const config = testConfig({
    watch: '/srv/www',
    remotes: [{ module: 'www' }],
    extraSersync,
    ...(filter.length ? { filter } : {}),
  });
  const root = config.roots[0]!;
  const lane = fakeLane(root.path, root.remotes[0]!.label);
  const journal: JournalRecord[] = [];
  const clock = new SteppingClock();
  const log = memoryLogger();
  const deps: VerifyingDeps = {
    config,
    runner: new RsyncRunner(clock),
    filter: compileFilter(filter),
    protect: [],
    tmpDir: '/tmp',
    clock,
    logger: log,
    laneFor: (r, x) => (r === root.path && x === lane.remote.label ? lane : undefined),
    journal: (rec) => void journal.push(rec),
  };
  return { v: new Verifying(deps), lane, journal, log, root: root.path, remote: lane.remote.label };
}

describe('Verifying: verify inside the agent', () => {
  it('without <verify>: no schedule, no status; start and stop do nothing', async () => {
    const { v, log } = verifying();
    assert.equal(v.status(), null);
    v.start();
    await v.stop();
    assert.equal(log.lines.filter((l) => /scheduled verify/.test(l)).length, 0);
  });

  it('with <verify schedule>: the status says the schedule and that nothing ran yet; start says so in the log', async () => {
    const { v, log } = verifying('<verify schedule="60" repair="false"/>');
    const s = v.status();
    assert.ok(s);
    assert.deepEqual(
      [s.scheduleMin, s.repair, s.running, s.runs, s.lastStartedAt, s.lanes.length],
      [60, false, false, 0, null, 0],
    );
    v.start();
    assert.ok(
      log.lines.some((l) => /scheduled verify every 60 min, report only/.test(l)),
      log.lines.join('\n'),
    );
    await v.stop(); // the first run is an hour away: stop clears its timer and resolves
    assert.equal(v.status()!.runs, 0);
  });

  it("POST /repair: the paths go into the agent's own lane and are journaled first; excluded ones never do", async () => {
    const { v, lane, journal, root, remote } = verifying('', ['(.*)\\.tmp']);
    const r = await v.repair({
      lanes: [
        {
          root,
          remote,
          entries: [
            { path: 'a.html', kind: 'path' },
            { path: 'b.tmp', kind: 'path' },
          ],
        },
      ],
    });
    assert.ok('lanes' in r, JSON.stringify(r));
    assert.deepEqual(
      r.lanes.map((l) => [l.paths, l.delivered]),
      [[1, true]],
    );
    assert.deepEqual(
      lane.got.map((e) => e.path),
      ['a.html'],
    );
    assert.deepEqual(journal, [{ type: 'path', root, path: 'a.html', kind: 'path' }]);
  });

  it('POST /repair for a lane this agent does not have: one error naming it, nothing enqueued or journaled', async () => {
    const { v, lane, journal, root } = verifying();
    const r = await v.repair({ lanes: [{ root, remote: '127.0.0.1::other', entries: [{ path: 'a', kind: 'path' }] }] });
    assert.ok('error' in r);
    assert.match(r.error, /this agent has no lane \/srv\/www -> 127\.0\.0\.1::other/);
    assert.equal(lane.got.length + journal.length, 0);
  });
});

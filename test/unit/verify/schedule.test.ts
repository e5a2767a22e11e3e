import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VerifyCadence, VerifySchedule, type VerifyScheduleDeps } from '../../../src/verify/schedule.js';
import type { CompareResult } from '../../../src/verify/compare.js';
import type { VerifyReport } from '../../../src/verify/report.js';
import type { SersyncConfig } from '../../../src/config/types.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/status/metrics.js';
import { setVerifyGauges, verifyDocument } from '../../../src/verify/status.js';
import { RsyncRunner } from '../../../src/rsync/runner.js';
import { compileFilter } from '../../../src/watch/filter.js';

describe('VerifyCadence (a fake clock: plain numbers)', () => {
  const MIN = 60_000;
  it('first run one period after the start; the next a period after the last finished; never two at once', () => {
    const c = new VerifyCadence(10 * MIN);
    assert.equal(c.nextDeadline(), null, 'not started');
    c.start(0);
    assert.equal(c.nextDeadline(), 10 * MIN);
    assert.equal(c.tryStart(10 * MIN - 1), false);
    assert.equal(c.tryStart(10 * MIN), true);
    assert.equal(c.nextDeadline(), null, 'while running, nothing is planned');
    assert.equal(c.tryStart(100 * MIN), false, 'no overlap, however late');
    c.finished(35 * MIN); // a 25-minute run
    assert.equal(c.nextDeadline(), 45 * MIN, 'a period after it finished: runs are never back to back');
    assert.equal(c.tryStart(44 * MIN), false);
    assert.equal(c.tryStart(45 * MIN), true);
  });
  it('a late timer starts the run late, and the next is planned from that run end', () => {
    const c = new VerifyCadence(1000);
    c.start(0);
    assert.equal(c.tryStart(5000), true);
    c.finished(5200);
    assert.equal(c.nextDeadline(), 6200);
  });
});

const report = (differs: number): VerifyReport => ({
  root: '/src',
  remote: '127.0.0.1::www',
  differs: { count: differs, first: differs ? [{ path: 'new\nline', isDir: false }] : [] },
  missing: { count: 0, first: [] },
  extra: { count: 0, first: [] },
  checkedFiles: 10,
  bytes: 100,
  durationMs: 5,
});

function schedule(over: { repair?: boolean; busy?: boolean; results: CompareResult[] }): {
  s: VerifySchedule;
  log: ReturnType<typeof memoryLogger>;
  repaired: unknown[];
} {
  const config = {
    roots: [{ path: '/src', remotes: [{ ip: '127.0.0.1', module: 'www', label: '127.0.0.1::www' }] }],
    verify: { enabled: true, scheduleMin: 1, repair: over.repair ?? true },
    inotify: { delete: true },
  } as unknown as SersyncConfig;
  const log = memoryLogger();
  const repaired: unknown[] = [];
  let wall = 1_700_000_000_000;
  const deps: VerifyScheduleDeps = {
    config,
    runner: new RsyncRunner({ now: () => 0, wallNow: () => 0 }),
    slots: () => ({ run: (fn) => fn() }),
    filter: compileFilter([]),
    protect: [],
    tmpDir: '/tmp',
    clock: { now: () => 0, wallNow: () => (wall += 1000) },
    logger: log,
    busy: () => over.busy ?? false,
    repair: async (root, remote, entries) => {
      repaired.push({ root, remote, entries });
      return { root, remote, paths: entries.length, delivered: true, state: 'idle', lastError: null };
    },
    compare: async () => over.results.shift()!,
  };
  return { s: new VerifySchedule(deps), log, repaired };
}

describe('VerifySchedule (compare injected)', () => {
  it('drift: a warning naming the paths (quoted, on one line), a repair through the lane, /status and the gauges', async () => {
    const { s, log, repaired } = schedule({
      results: [{ verdict: { kind: 'checked', report: report(1) }, repair: [{ path: 'new\nline', kind: 'path' }] }],
    });
    await s.runNow();
    const warn = log.lines.find((l) => l.startsWith('warn'))!;
    assert.equal(
      warn,
      "warn  verify /src -> 127.0.0.1::www: 1 path drifted (1 differ, 0 missing, 0 extra): $'new\\nline'; repairing them through the lane",
    );
    assert.deepEqual(repaired, [
      { root: '/src', remote: '127.0.0.1::www', entries: [{ path: 'new\nline', kind: 'path' }] },
    ]);
    const st = s.status();
    assert.equal(st.runs, 1);
    assert.equal(st.lanes[0]!.result, 'drift');
    assert.equal(st.lanes[0]!.repair?.delivered, true);
    const m = new Metrics();
    setVerifyGauges(m, st);
    const text = m.render();
    assert.match(text, /^sersync_verify_drift_paths\{root="\/src",remote="127\.0\.0\.1::www"\} 1$/m);
    assert.match(
      text,
      new RegExp(`^sersync_verify_last_run_timestamp_seconds ${Math.floor(st.lastFinishedAt! / 1000)}$`, 'm'),
    );
    const doc = verifyDocument(st);
    assert.deepEqual(doc.remotes[0]!.firstPaths!.differs, ['new\nline']);
    assert.equal(doc.remotes[0]!.driftPaths, 1);
  });

  it('repair="false": reports, never repairs', async () => {
    const { s, log, repaired } = schedule({
      repair: false,
      results: [{ verdict: { kind: 'checked', report: report(1) }, repair: [{ path: 'x', kind: 'path' }] }],
    });
    await s.runNow();
    assert.deepEqual(repaired, []);
    assert.match(log.lines.join('\n'), /not repaired \(<verify repair="false">/);
  });

  it('a lane with a full sync running is skipped (no comparison), and says why', async () => {
    const { s } = schedule({ busy: true, results: [] });
    await s.runNow();
    assert.equal(s.status().lanes[0]!.result, 'skipped');
  });

  it('identical: gauge 0; a remote that cannot be checked: a warning, the last report kept', async () => {
    const { s, log } = schedule({
      results: [
        { verdict: { kind: 'checked', report: report(0) }, repair: [] },
        {
          verdict: { kind: 'unchecked', root: '/src', remote: '127.0.0.1::www', reason: 'rsync exit 10 (down)' },
          repair: [],
        },
      ],
    });
    await s.runNow();
    assert.equal(s.status().lanes[0]!.result, 'identical');
    await s.runNow();
    const lane = s.status().lanes[0]!;
    assert.equal(lane.result, 'unchecked');
    assert.equal(lane.report?.differs.count, 0);
    assert.match(log.lines.join('\n'), /cannot be checked: rsync exit 10 \(down\)/);
  });
});

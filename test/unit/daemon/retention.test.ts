import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VersionsRetention, type RetentionReport } from '../../../src/daemon/retention.js';
import type { RsyncResult, RsyncRunner, RunRequest } from '../../../src/rsync/runner.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';

const ok: RsyncResult = {
  exitCode: 0,
  signal: null,
  stderr: '',
  durationMs: 1,
  bytesSent: null,
  filesTransferred: null,
  spawnError: null,
};

/** The runs retention asks for (a listing, then a deleting run), answered from a script. */
function scriptedRunner(
  answers: Array<{ stdout?: string; result?: Partial<RsyncResult> }>,
): RsyncRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (req: RunRequest) => {
      calls.push([...req.args]);
      const a = answers.shift() ?? {};
      if (a.stdout) req.onStdout?.(a.stdout);
      return { ...ok, ...a.result };
    },
  } as unknown as RsyncRunner & { calls: string[][] };
}

const LISTING = [
  'cd+++++++++|4096|2030/01/01-10:00:00|20300101T1000Z/',
  '>f+++++++++|100|2030/01/01-09:00:00|20300101T1000Z/a.txt',
  'cd+++++++++|4096|2030/01/01-11:00:00|20300101T1100Z/',
  '>f+++++++++|20|2030/01/01-09:00:00|20300101T1100Z/a.txt',
  '>f+++++++++|5|2030/01/01-09:00:00|20300101T1100Z/d/b',
  'cd+++++++++|4096|2030/01/01-12:00:00|20300101T1200Z/',
  '>f+++++++++|7|2030/01/01-09:00:00|20300101T1200Z/a.txt',
  '',
].join('\n');

function retention(runner: RsyncRunner, wall: number) {
  const config = testConfig({ watch: '/srv/www', remotes: [{ module: 'www' }] }, (x) =>
    x.replace('<ssh start=', '<versions start="true" bucket="1h" keep="2h"/><ssh start='),
  );
  const reports: RetentionReport[] = [];
  const log = memoryLogger();
  const r = new VersionsRetention({
    config,
    runner,
    clock: new SteppingClock(wall),
    logger: log,
    report: (x) => void reports.push(x),
  });
  return { r, reports, log, remote: config.roots[0]!.remotes[0]!, versions: config.rsync.versions! };
}

describe('VersionsRetention', () => {
  it('removes exactly the buckets that ended keep ago, in one deleting run, and reports what it freed and kept', async () => {
    const runner = scriptedRunner([{ stdout: LISTING }, {}]);
    const { r, reports, log, remote, versions } = retention(runner, Date.UTC(2030, 0, 1, 14, 30));
    await r.runOn(remote, versions);
    assert.equal(runner.calls.length, 2);
    const del = runner.calls[1]!;
    assert.deepEqual(
      del.filter((a) => a.startsWith('--include=') || a.startsWith('--exclude=')),
      ['--include=/20300101T1000Z/***', '--include=/20300101T1100Z/***', '--exclude=*'],
    );
    assert.ok(del.includes('--delete') && !del.includes('--backup'));
    assert.equal(
      del[del.indexOf('./') + 1],
      '127.0.0.1::www/.sersync-versions/',
      'an empty directory pushed onto the versions directory',
    );
    assert.deepEqual(reports, [
      {
        remote: '127.0.0.1::www',
        ok: true,
        kept: { buckets: 1, files: 1, bytes: 7 },
        freed: { buckets: 2, files: 3, bytes: 125 },
      },
    ]);
    assert.ok(
      log.lines.some((l) =>
        /removed 2 bucket\(s\) 20300101T1000Z\.\.20300101T1100Z .* freed 3 file\(s\), 125 B; kept 1 bucket\(s\), 1 file\(s\), 7 B/.test(
          l,
        ),
      ),
      log.lines.join('\n'),
    );
  });

  it('nothing expired: no deleting run', async () => {
    const runner = scriptedRunner([{ stdout: LISTING }]);
    const { r, reports, remote, versions } = retention(runner, Date.UTC(2030, 0, 1, 12, 30));
    await r.runOn(remote, versions);
    assert.equal(runner.calls.length, 1);
    assert.deepEqual(reports[0]!.freed, { buckets: 0, files: 0, bytes: 0 });
  });

  it('a receiver that cannot be read: postponed, nothing deleted', async () => {
    const runner = scriptedRunner([
      { result: { exitCode: 10, stderr: 'rsync: failed to connect to 127.0.0.1: Connection refused (111)' } },
    ]);
    const { r, reports, log, remote, versions } = retention(runner, Date.UTC(2030, 0, 1, 14, 30));
    await r.runOn(remote, versions);
    assert.equal(runner.calls.length, 1);
    assert.deepEqual(reports, [
      { remote: '127.0.0.1::www', ok: false, kept: null, freed: { buckets: 0, files: 0, bytes: 0 } },
    ]);
    assert.ok(
      log.lines.some((l) =>
        /^warn .*retention on 127\.0\.0\.1::www: listing failed \(rsync exit 10: .*Connection refused.*\); postponed/.test(
          l,
        ),
      ),
      log.lines.join('\n'),
    );
  });
});

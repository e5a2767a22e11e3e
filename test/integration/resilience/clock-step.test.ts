import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { freePort, startSite, type Site } from '../../helpers/rsyncd.js';
import { writeConfig } from '../../helpers/agent.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';
import { alive, readText as read } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

/** Debian's libfaketime (package `faketime`, installed by scripts/ensure-deps.sh); MT: node has threads. */
const LIBFAKETIME = `/usr/lib/${os.machine()}-linux-gnu/faketime/libfaketimeMT.so.1`;

/**
 * The real agent (-d: supervisor, worker, canary writer, health) under libfaketime, which steps
 * only the wall clock (DONT_FAKE_MONOTONIC=1; the timestamp file is re-read on every call, so
 * writing it steps the running processes, rsync's included) back and forward by an hour while
 * files are written: NTP after a VM resume, or `date -s`. Every file must still arrive within
 * seconds, with no canary alarm, no full sync, no unhealthy check and no worker restart.
 */
describe('wall-clock steps under a running agent (libfaketime)', () => {
  let tmp: string;
  let src: string;
  let dst: string;
  let stamp: string;
  let logFile: string;
  let pidFile: string;
  let statusPort: number;
  let site: Site;

  before(async () => {
    assert.ok(
      fs.existsSync(LIBFAKETIME),
      `${LIBFAKETIME} is missing: apt-get install faketime (scripts/ensure-deps.sh does)`,
    );
    site = await startSite('clock');
    ({ tmp, src, dst } = site);
    stamp = path.join(tmp, 'faketime');
    fs.writeFileSync(stamp, '+0\n');
    logFile = path.join(tmp, 'agent.log');
    pidFile = path.join(tmp, 'agent.pid');
    statusPort = await freePort();
    const conf = writeConfig(tmp, { ...site.spec, statusPort });
    const env = {
      ...process.env,
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: stamp,
      FAKETIME_NO_CACHE: '1',
      DONT_FAKE_MONOTONIC: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      // A step would freeze the canary for an hour (36,000 slots); a writer starved on a loaded
      // machine for a few seconds must not count (the test forbids any full sync).
      SERSYNC_TEST_CANARY_STALL_SLOTS: '100',
    };
    const r = spawnSync(
      process.execPath,
      [
        SEAMED_CLI,
        '-d',
        '-o',
        conf,
        `--pid-file=${pidFile}`,
        `--log-file=${logFile}`,
        `--state-dir=${path.join(tmp, 'state')}`,
      ],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    await waitFor(() => /ready in \d+ ms/.test(read(logFile)), { what: 'agent ready', timeoutMs: 30_000 });
  });

  after(async () => {
    const pid = Number(read(pidFile));
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor(() => !alive(pid), { timeoutMs: 60_000, what: 'agent exits after SIGTERM' }).catch(() =>
        process.kill(pid, 'SIGKILL'),
      );
    }
    await site?.close();
  });

  // A file the look catches between its creation and its write goes through the large-file slot
  // (lane/large-look.ts: an empty file still open for writing), logged as "1 large file": one CI
  // run timed out on before.txt with only such a line in the log.
  const batchLines = (): string[] =>
    read(logFile)
      .split('\n')
      .filter((l) => / -> .*: \d+ (paths?|large files?), exit 0/.test(l));
  /**
   * Writes `name` and waits (bounded: "within seconds") until the remote holds the same bytes and
   * the batch is logged. Returns how far the wall clock of that log line is from the real one.
   */
  const ships = async (name: string): Promise<number> => {
    const before = batchLines().length;
    const content = `${name} written at ${new Date().toISOString()}\n`;
    fs.writeFileSync(path.join(src, name), content);
    await waitFor(() => read(path.join(dst, name)) === content && batchLines().length > before, {
      timeoutMs: 30_000, // "within seconds" against a step of an hour; room for a loaded CI machine
      what: `${name} on the remote`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- agent log tail:\n${read(logFile).split('\n').slice(-15).join('\n')}`);
    });
    const ts = Date.parse(batchLines().at(-1)!.split(' ')[0] ?? '');
    assert.ok(Number.isFinite(ts), `a timestamped batch line for ${name}`);
    return ts - Date.now();
  };
  // Written aside and renamed over: libfaketime re-reads the file at every clock call, and a read
  // between writeFileSync's truncate and its write would see no offset (the likely cause of one CI
  // run in which the agent logged an unstepped time right after the step forward).
  const step = (spec: string): void => {
    fs.writeFileSync(`${stamp}.new`, `${spec}\n`);
    fs.renameSync(`${stamp}.new`, stamp);
  };

  it('files written before, during and after a step back and a step forward of one hour all arrive within seconds', async () => {
    assert.ok(Math.abs(await ships('before.txt')) < 60_000, 'no step yet');

    step('-3600');
    // The agent's own clock really was stepped (else this test would prove nothing).
    const back = await ships('back-0.txt');
    assert.ok(back < -3000_000, `the agent logs an hour behind: skew ${back} ms`);
    for (let i = 1; i <= 4; i++) await ships(`back-${i}.txt`);

    step('+0');
    await ships('restored.txt');

    step('+3600');
    const forward = await ships('forward-0.txt');
    assert.ok(forward > 3000_000, `the agent logs an hour ahead: skew ${forward} ms`);
    for (let i = 1; i <= 4; i++) await ships(`forward-${i}.txt`);

    // Health is computed on the agent's clocks: a wall step is not a blocked event loop.
    const res = await fetch(`http://127.0.0.1:${statusPort}/healthz`);
    assert.equal(res.status, 200, await res.text());
    const log = read(logFile);
    assert.doesNotMatch(
      log,
      /canary writer was frozen|no canary event reported|event loop blocked/,
      'no canary alarm, no blocked-loop report',
    );
    assert.doesNotMatch(log, /full sync of .* requested/, 'no full sync');
    assert.doesNotMatch(log, /retry \d+ in/, 'no retries');
    assert.equal(
      [...log.matchAll(/worker started \(pid \d+\)/g)].length,
      1,
      'the supervisor never restarted the worker',
    );
  });
});

import { describe, it } from 'node:test';
import type { StatusDocument } from '../../../src/daemon/status-doc.js';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite } from '../../helpers/rsyncd.js';
import { runAgentOn, startAgentOn, writeConfig, type AgentProcess } from '../../helpers/agent.js';
import { cli } from '../../helpers/cli.js';
import { httpGet as get } from '../../helpers/receivers.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { heldRsync } from '../../helpers/rsync-wrappers.js';
const json = async (port: number): Promise<StatusDocument> =>
  JSON.parse((await get(`http://127.0.0.1:${port}/status`)).body) as StatusDocument;
const metric = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);

describe('/status and /metrics while a remote is down, and after', () => {
  it('oldestPendingAgeMs, lastError, failLogEntries; rsync_failures_total{exit_code}, replays_total, bytes_sent_total', async (t) => {
    const site = await startSite('down', { t });
    const { src, daemon } = site;
    const statusPort = await freePort();
    const spec = { statusPort };
    let agent: AgentProcess | null = await startAgentOn(site, spec);
    await daemon.stop();
    fs.writeFileSync(path.join(src, 'while-down.bin'), crypto.randomBytes(10_000)); // incompressible: -z cannot shrink it
    await waitFor(async () => (await json(statusPort)).roots[0]!.remotes[0]!.state === 'down', {
      timeoutMs: 60_000,
      what: 'lane down',
    });
    await waitFor(async () => (await json(statusPort)).failLogEntries >= 1, { what: 'fail log entry' });
    const s = await json(statusPort);
    const lane = s.roots[0]!.remotes[0]!;
    assert.equal(s.state, 'remote-down');
    assert.equal(lane.health, 'down');
    assert.equal(lane.pendingPaths, 1);
    assert.equal(lane.inFlightPaths, 0);
    assert.equal(lane.inFlightForMs, null);
    assert.ok(
      lane.oldestPendingAgeMs !== null && lane.oldestPendingAgeMs > 0,
      `oldestPendingAgeMs ${lane.oldestPendingAgeMs}`,
    );
    assert.match(lane.lastError ?? '', /^exit 10: .*(Connection refused|connect)/i);
    assert.equal(lane.failLogEntries, 1);
    assert.ok(lane.failedAttempts >= 5);
    const m1 = (await get(`http://127.0.0.1:${statusPort}/metrics`)).body;
    assert.ok(
      metric(m1, /^sersync_rsync_failures_total\{root="[^"]+",remote="127\.0\.0\.1::www",exit_code="10"\} (\d+)$/m) >=
        5,
      m1,
    );
    assert.equal(metric(m1, /^sersync_faillog_entries (\d+)$/m), 1);
    assert.ok(metric(m1, /^sersync_oldest_pending_age_seconds\{[^}]*\} ([\d.]+)$/m) > 0);
    // A new agent replays the fail log at startup; the daemon is back: delivered, bytes counted.
    assert.equal(await agent.stop(), 0);
    agent = null;
    await daemon.start();
    agent = await startAgentOn(site, spec);
    await agent.waitForLine(/replaying 1 path\(s\) for .* -> 127\.0\.0\.1::www \(startup\)/);
    await waitForMirror(src, daemon.modules['www']!, 'after the replay');
    await waitFor(async () => (await json(statusPort)).failLogEntries === 0, { what: 'fail log emptied' });
    const m2 = (await get(`http://127.0.0.1:${statusPort}/metrics`)).body;
    assert.equal(metric(m2, /^sersync_replays_total\{root="[^"]+",remote="127\.0\.0\.1::www"\} (\d+)$/m), 1, m2);
    assert.ok(metric(m2, /^sersync_bytes_sent_total\{root="[^"]+",remote="127\.0\.0\.1::www"\} (\d+)$/m) >= 10_000, m2);
    const after = (await json(statusPort)).roots[0]!.remotes[0]!;
    assert.equal(after.failLogEntries, 0);
    assert.equal(after.oldestPendingAgeMs, null);
  });
});

describe('the status server on a non-loopback address', () => {
  it('logs a warning', async (t) => {
    const site = await startSite('bind', { t });
    const port = await freePort();
    const a = runAgentOn(site, { ...site.spec, statusPort: port }, [], {
      file: 'c.xml',
      edit: (xml) => xml.replace('hostip="127.0.0.1"', 'hostip="0.0.0.0"'),
    });
    try {
      await a.waitForLine(new RegExp(`WARN .*status server binds 0\\.0\\.0\\.0:${port}, which is not loopback`));
      await a.waitForLine(/ready in \d+ ms/);
      assert.equal((await get(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      assert.equal(await a.stop(), 0);
    }
  });
});

describe('a long full sync reports progress', () => {
  it('in the log and in /status while it runs', async (t) => {
    const site = await startSite('progress', { t });
    const { src, daemon } = site;
    const statusPort = await freePort();
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, `big${i}.bin`), crypto.randomBytes(10 * 1024 * 1024));
    const agent = await startAgentOn(site, { statusPort, commonParams: '-artz --bwlimit=5000' }, ['-r']);
    let progress: { bytesDone: number; percent: number; rate: string; runningForMs: number } | null = null;
    await waitFor(
      async () => {
        const lane = (await json(statusPort)).roots[0]!.remotes[0]!;
        progress =
          lane.state === 'full-sync' && lane.fullSyncProgress && lane.fullSyncProgress.bytesDone > 0
            ? lane.fullSyncProgress
            : null;
        return progress !== null;
      },
      { timeoutMs: 30_000, what: '/status fullSyncProgress with bytes done' },
    );
    assert.match(progress!.rate, /B\/s$/);
    assert.ok(progress!.percent >= 0 && progress!.percent <= 100);
    assert.equal((await json(statusPort)).state, 'initial-sync');
    await agent.waitForLine(
      /full sync of .* -> 127\.0\.0\.1::www: [\d.]+ \w*B done, \d+ files transferred.*\/s$/,
      60_000,
    );
    await waitForMirror(src, daemon.modules['www']!, 'the full sync', { timeoutMs: 120_000 });
    await waitFor(async () => (await json(statusPort)).roots[0]!.remotes[0]!.fullSyncProgress === null, {
      what: 'progress cleared after the sync',
    });
  });
});

describe('--check with an old rsync', () => {
  it('3.0.9: the rsync line fails and says why', async (t) => {
    const site = await startSite('oldrsync', { t });
    // The real rsync, but for what --version prints: 3.0.9 cannot be installed here.
    const old = heldRsync(site.tmp, { version: '3.0.9' });
    const conf = writeConfig(site.tmp, site.spec, 'c.xml');
    const c = cli(['--check', '-o', conf], { env: { SERSYNC_RSYNC: old.bin }, timeoutMs: 60_000 });
    const r = { status: c.code, stdout: c.out, stderr: c.err };
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^FAIL rsync 3\.0\.9: sersync-ts needs rsync >= 3\.1 \(--delete-missing-args\) on both ends: upgrade it$/m,
    );
    // The other checks still run, against the real daemon.
    assert.match(r.stdout, /^ok {3}remote 127\.0\.0\.1::www: module answers \(as rsyncuser\)$/m);
    assert.match(r.stdout, /^ok {3}remote 127\.0\.0\.1::www: writable /m);
  });
});

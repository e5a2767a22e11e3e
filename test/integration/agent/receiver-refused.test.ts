/**
 * A receiver that refuses at start is a remote problem, not this host's config error (issue 19,
 * item 3): the agent prints one clear line, keeps watching and journaling with the lane
 * `refused`, probes it with backoff, and converges by itself once the receiver is fixed. Here
 * the receiver's secrets file is other-readable (mode 644) under rsync's default `strict modes`,
 * which the daemon answers with `@ERROR: auth failed`; it is fixed (600) while the agent runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite } from '../../helpers/rsyncd.js';
import { runAgentOn } from '../../helpers/agent.js';
import { cliAsync } from '../../helpers/cli.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { statusOf } from '../../helpers/receivers.js';

const laneOf = async (port: number): Promise<{ state: string; lastError: string | null }> =>
  (await statusOf(port)).roots[0]!.remotes[0]!;

describe('a receiver that refuses at start', () => {
  it('runs with the lane refused, journals, and delivers byte-exact once the secrets file is fixed', async (t) => {
    const site = await startSite('refused', { t });
    const secrets = path.join(site.tmp, 'rsyncd.secrets');
    fs.chmodSync(secrets, 0o644); // strict modes (the default): the daemon refuses every login
    const port = await freePort();
    const agent = runAgentOn(site, { statusPort: port });
    const line = await agent.waitForLine(/refused: @ERROR: auth failed/, 60_000);
    t.diagnostic(`the agent's line: ${line}`);
    await agent.waitForLine(/ready in \d+ ms/, 60_000);
    assert.equal(agent.child.exitCode, null, 'the agent runs (no exit 78)');
    await waitFor(async () => (await laneOf(port)).state === 'refused', {
      timeoutMs: 30_000,
      what: 'lane refused in /status',
    });

    const files = new Map<string, Buffer>();
    for (let i = 0; i < 20; i++)
      files.set(i % 2 ? `d${i % 5}/f${i}.bin` : `f${i}.txt`, Buffer.from(`refused meanwhile ${i} `.repeat(100 + i)));
    for (const [rel, bytes] of files) {
      fs.mkdirSync(path.dirname(path.join(site.src, rel)), { recursive: true });
      fs.writeFileSync(path.join(site.src, rel), bytes);
    }
    // Journaled meanwhile: the fail log (next to the root) names what waits for the refused lane.
    const failLog = path.join(site.tmp, 'rsync_fail_log.sh');
    await waitFor(() => fs.existsSync(failLog) && fs.readFileSync(failLog, 'latin1').includes('f0.txt'), {
      timeoutMs: 30_000,
      what: 'the changes in the fail log',
    });
    const status = await cliAsync(['status', '-o', path.join(site.tmp, 'confxml.xml')]);
    assert.notEqual(status.code, 0, `status exits non-zero while a lane is refused:\n${status.out}`);
    assert.match(status.out, /is refused/);
    assert.equal(fs.readdirSync(site.dst).length, 0, 'nothing arrived while refused');

    // Let the probe back off a little, as it would while nobody looks.
    await waitFor(() => agent.lines.filter((l) => /refused/.test(l)).length >= 1, { what: 'refusal logged' });
    fs.chmodSync(secrets, 0o600);
    const fixedAt = Date.now();
    await waitFor(() => fs.readdirSync(site.dst).length > 0, {
      timeoutMs: 120_000,
      what: 'the first file after the fix',
      intervalMs: 20,
    });
    const firstAfterMs = Date.now() - fixedAt;
    await waitForMirror(site.src, site.dst, 'after the fix', { timeoutMs: 120_000, log: () => agent.lines });
    for (const [rel, bytes] of files)
      assert.ok(fs.readFileSync(path.join(site.dst, rel)).equals(bytes), `${rel} byte-exact`);
    t.diagnostic(`recovery: first file arrived ${firstAfterMs} ms after the secrets file was fixed`);
    await waitFor(async () => (await laneOf(port)).state === 'idle', { timeoutMs: 30_000, what: 'lane idle again' });
    const after = await cliAsync(['status', '-o', path.join(site.tmp, 'confxml.xml')]);
    assert.equal(after.code, 0, after.out + after.err);
    assert.equal(agent.child.exitCode, null);
  });
});

/**
 * Status tells the truth (issue 19, item 5): a watched root that disappears is its own lane state
 * and line, never "remote is down"; /healthz is not 200 meanwhile; `sersync-ts status` exits
 * non-zero and still answers although the config on disk no longer loads (its root is missing);
 * once the root is back, what is in it arrives byte-exact.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { cliAsync } from '../../helpers/cli.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { request } from '../../../src/cli/http.js';
import { statusOf } from '../../helpers/receivers.js';

describe('a watched root that disappears', () => {
  it('is root-missing (line, /status, /healthz 503, status exit 1 despite the config), then converges when it is back', async (t) => {
    const site = await startSite('rootgone', { t });
    const port = await freePort();
    fs.writeFileSync(path.join(site.src, 'a.txt'), 'first');
    const agent = await startAgentOn(site, { statusPort: port }, ['-r']);
    await waitForMirror(site.src, site.dst, 'before', { log: () => agent.lines });
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await request(`${base}/healthz`)).status, 200);

    fs.rmSync(site.src, { recursive: true, force: true });
    const line = await agent.waitForLine(/watched root .* is missing: waiting for it/, 60_000);
    t.diagnostic(`the agent's line: ${line}`);
    await waitFor(async () => (await statusOf(port)).roots[0]!.remotes[0]!.state === 'root-missing', {
      timeoutMs: 30_000,
      what: 'lane root-missing in /status',
    });
    const health = await request(`${base}/healthz`);
    assert.equal(health.status, 503, health.body);
    assert.match(health.body, new RegExp(`watched root ${site.src} is missing`));
    const status = await cliAsync(['status', '-o', path.join(site.tmp, 'confxml.xml')]);
    t.diagnostic(`status (exit ${status.code}):\n${status.out}${status.err}`);
    assert.equal(status.code, 1, status.out + status.err);
    assert.match(status.err, /problem\(s\) now .*the running agent answers/);
    assert.match(status.out, /is root-missing/);
    assert.equal(
      fs.readFileSync(path.join(site.dst, 'a.txt'), 'utf8'),
      'first',
      'nothing deleted remotely while the root is missing',
    );
    assert.ok(
      !agent.lines.some((l) => /remote is down|spawn rsync ENOENT/.test(l)),
      `never "remote is down":\n${agent.lines.filter((l) => /down|ENOENT/.test(l)).join('\n')}`,
    );
    assert.ok(agent.lines.some((l) => /watched root .* is missing: waiting for it/.test(l)));
    assert.equal(agent.child.exitCode, null, 'the agent keeps running');

    fs.mkdirSync(path.join(site.src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(site.src, 'a.txt'), 'second');
    fs.writeFileSync(path.join(site.src, 'sub', 'b.bin'), Buffer.alloc(100_000, 7));
    await waitForMirror(site.src, site.dst, 'after the root is back', { timeoutMs: 120_000, log: () => agent.lines });
    await waitFor(async () => (await request(`${base}/healthz`)).status === 200, {
      timeoutMs: 30_000,
      what: '/healthz 200 again',
    });
    await waitFor(async () => (await cliAsync(['status', '-o', path.join(site.tmp, 'confxml.xml')])).code === 0, {
      timeoutMs: 30_000,
      what: 'status exit 0 again',
    });
  });
});

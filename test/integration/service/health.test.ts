import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusDocument } from '../../../src/daemon/status-doc.js';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite } from '../../helpers/rsyncd.js';
import { runAgentOn } from '../../helpers/agent.js';
import { httpGet as get, notifyReceiver, statusOf } from '../../helpers/receivers.js';
import { waitFor } from '../../helpers/wait.js';
import { heldRsync } from '../../helpers/rsync-wrappers.js';
import { waitForMirror } from '../../helpers/tree.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';

describe('health: an rsync stuck past the limit', () => {
  it('makes /healthz 503 with the reason and withholds WATCHDOG=1', async (t) => {
    const site = await startSite('stuck', { t });
    const { tmp, src } = site;
    const held = heldRsync(tmp, { run: 'hold' });
    const notify = await notifyReceiver(site);
    const statusPort = await freePort();
    const env = {
      SERSYNC_RSYNC: held.bin,
      SERSYNC_TEST_STUCK_MS: '1500',
      NOTIFY_SOCKET: notify.sock,
      WATCHDOG_USEC: '1000000',
    };
    const agent = runAgentOn(site, { ...site.spec, statusPort }, [], {
      file: 'c.xml',
      env,
      command: [process.execPath, SEAMED_CLI],
    });
    try {
      await agent.waitForLine(/ready in \d+ ms/);
      await waitFor(() => notify.messages().some((m) => /WATCHDOG=1/.test(m)), { what: 'WATCHDOG=1 while healthy' });
      assert.equal((await get(`http://127.0.0.1:${statusPort}/healthz`)).status, 200);
      fs.writeFileSync(path.join(src, 'hangs.txt'), 'x');
      let body = '';
      await waitFor(
        async () => {
          const h = await get(`http://127.0.0.1:${statusPort}/healthz`);
          body = h.body;
          return h.status === 503;
        },
        { timeoutMs: 20_000, what: '/healthz 503' },
      );
      assert.match(
        body,
        /^unhealthy: .*src -> 127\.0\.0\.1::www: batch rsync running for \d+ s \(stuck limit 2 s\)\n$/,
      );
      await agent.waitForLine(/unhealthy: .*batch rsync running for .*WATCHDOG=1 and heartbeats are withheld/);
      // Watchdog ticks go on (STATUS= with the reason) but none carries WATCHDOG=1 any more.
      await waitFor(() => notify.messages().filter((m) => /STATUS=unhealthy/.test(m)).length >= 3, {
        timeoutMs: 20_000,
        what: 'three unhealthy watchdog ticks',
      });
      const msgs = notify.messages();
      const firstBad = msgs.findIndex((m) => /STATUS=unhealthy/.test(m));
      assert.ok(firstBad > 0);
      assert.deepEqual(
        msgs.slice(firstBad).filter((m) => /WATCHDOG=1/.test(m)),
        [],
        'no WATCHDOG=1 after the agent became unhealthy',
      );
      const status = await statusOf(statusPort);
      assert.equal(status.healthy, false);
      assert.match(status.healthReasons[0] ?? '', /batch rsync running for/);
      // The hanging batch is what is in flight.
      const lane = status.roots[0]!.remotes[0]!;
      assert.equal(lane.state, 'syncing');
      assert.equal(lane.inFlightPaths, 1);
      assert.ok(lane.inFlightForMs !== null && lane.inFlightForMs >= 1500, `inFlightForMs ${lane.inFlightForMs}`);
      assert.ok(
        lane.oldestPendingAgeMs !== null && lane.oldestPendingAgeMs >= lane.inFlightForMs,
        `oldestPendingAgeMs ${lane.oldestPendingAgeMs}`,
      );
      // Released: the batch goes on to the real rsync and arrives, health comes back, and so does WATCHDOG=1.
      held.release();
      await waitForMirror(src, site.dst, 'the held batch, released');
      await waitFor(async () => (await get(`http://127.0.0.1:${statusPort}/healthz`)).status === 200, {
        timeoutMs: 20_000,
        what: '/healthz 200 again',
      });
      const n = notify.messages().length;
      await waitFor(
        () =>
          notify
            .messages()
            .slice(n)
            .some((m) => /WATCHDOG=1/.test(m)),
        { timeoutMs: 20_000, what: 'WATCHDOG=1 again' },
      );
    } finally {
      held.release();
      assert.equal(await agent.stop(), 0);
    }
  });
});

describe('the status server starts before the probes and the first walk', () => {
  it('/status shows state starting while the start is slow, then watching', async (t) => {
    const site = await startSite('starting', { t });
    const { tmp, src } = site;
    const held = heldRsync(tmp, { probe: 'hold' });
    const statusPort = await freePort();
    const agent = runAgentOn(site, { ...site.spec, statusPort }, [], {
      file: 'c.xml',
      env: { SERSYNC_RSYNC: held.bin },
    });
    try {
      let status: Partial<StatusDocument> = {};
      await waitFor(
        async () => {
          status = JSON.parse(
            (await get(`http://127.0.0.1:${statusPort}/status`).catch(() => ({ body: '{}' }))).body,
          ) as typeof status;
          return status.state !== undefined;
        },
        { timeoutMs: 20_000, what: '/status answering while the probe hangs' },
      );
      assert.equal(status.state, 'starting');
      assert.match(status.description!, /probing remotes and setting up watches/);
      assert.equal(
        agent.lines.some((l) => /ready in \d+ ms/.test(l)),
        false,
        'not ready yet',
      );
      held.release();
      await agent.waitForLine(/ready in \d+ ms/);
      await waitFor(async () => (await statusOf(statusPort)).state === 'watching', { what: 'state watching' });
      fs.writeFileSync(path.join(src, 'after.txt'), 'written once the probe answered\n');
      await waitForMirror(src, site.dst, 'after the released probe');
    } finally {
      held.release();
      assert.equal(await agent.stop(), 0);
    }
  });
});

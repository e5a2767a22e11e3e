/**
 * A full receiver never holds back what fits (issue 19, item 6): the module lives on a 5 MiB
 * tmpfs, one 10 MiB file cannot fit; the small files written with it and after it arrive
 * byte-exact, deletions too, the lane is `full` (/status, line); once the tmpfs grows to 50 MiB
 * the big file arrives by itself (retried with backoff). Needs root (mount); unmounted in cleanup.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';
import { request } from '../../../src/cli/http.js';
import { statusOf } from '../../helpers/receivers.js';

const same = (a: string, b: string): boolean => fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b));

describe('a receiver out of space', () => {
  it(
    'delivers what fits at once, and the file that did not fit once there is room',
    { skip: process.getuid?.() !== 0 ? 'needs root to mount a tmpfs' : false },
    async (t) => {
      const site = await startSite('full', { t });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', site.dst]);
      site.onClose(() => execFileSync('umount', ['-l', site.dst]));
      const port = await freePort();
      const agent = await startAgentOn(site, { statusPort: port });
      const lane = async (): Promise<{ state: string; lastError: string | null }> =>
        (await statusOf(port)).roots[0]!.remotes[0]!;
      const src = (n: string): string => path.join(site.src, n);
      const dst = (n: string): string => path.join(site.dst, n);

      fs.writeFileSync(src('gone.txt'), 'to be deleted');
      await waitFor(() => same(src('gone.txt'), dst('gone.txt')), { timeoutMs: 60_000, what: 'gone.txt' });
      // The big one and small ones together: rsync meets big.bin first (sorted order) and fails.
      fs.writeFileSync(src('big.bin'), crypto.randomBytes(10 * 1024 * 1024));
      const small = ['c1.txt', 'c2.txt', 'c3.txt'];
      for (const n of small) fs.writeFileSync(src(n), crypto.randomBytes(20_000));
      const t0 = Date.now();
      await waitFor(() => small.every((n) => same(src(n), dst(n))), {
        timeoutMs: 90_000,
        what: 'the small files written with the big one',
      });
      t.diagnostic(`small files written with the big one arrived after ${Date.now() - t0} ms`);
      const line = await agent.waitForLine(/is full: .*No space left/, 30_000);
      t.diagnostic(`the agent's line: ${line}`);
      await waitFor(async () => (await lane()).state === 'full', { timeoutMs: 30_000, what: 'lane full in /status' });
      assert.equal(same(src('big.bin'), dst('big.bin')), false, 'the big file cannot have fit');

      // Later small files and a deletion go at once, while the big one still waits.
      fs.rmSync(src('gone.txt'));
      const later = ['d1.txt', 'd2.txt'];
      for (const n of later) fs.writeFileSync(src(n), crypto.randomBytes(30_000));
      const t1 = Date.now();
      await waitFor(() => later.every((n) => same(src(n), dst(n))) && !fs.existsSync(dst('gone.txt')), {
        timeoutMs: 60_000,
        what: 'later small files and the deletion',
      });
      t.diagnostic(
        `later small files and the deletion arrived after ${Date.now() - t1} ms (the big file still waiting)`,
      );
      // Between two retries of the big file (while one runs, the lane is `syncing`).
      await waitFor(
        async () =>
          /sersync_lane_state\{[^}]*state="full"\} 1/.test((await request(`http://127.0.0.1:${port}/metrics`)).body),
        { timeoutMs: 60_000, what: 'sersync_lane_state{state="full"} 1' },
      );

      execFileSync('mount', ['-o', 'remount,size=50m', site.dst]);
      const t2 = Date.now();
      await waitFor(() => same(src('big.bin'), dst('big.bin')), {
        timeoutMs: 180_000,
        what: 'the big file after the tmpfs grew',
        intervalMs: 200,
      });
      t.diagnostic(`the big file arrived ${Date.now() - t2} ms after the tmpfs was remounted at 50 MiB`);
      for (const n of [...small, ...later]) assert.ok(same(src(n), dst(n)), n);
      await waitFor(async () => (await lane()).state === 'idle', { timeoutMs: 30_000, what: 'lane idle again' });
      await agent.waitForLine(/has room again/, 30_000);
    },
  );
});

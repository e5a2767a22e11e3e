import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A big file is sent once, after it is written, not while (issue 12): 96 MiB written over 3 s,
 * starting small, while small files change beside it. The remote's receiver creates a temporary
 * `.video.bin.XXXXXX` for every transfer of the file that sends data; an fs.watch on the remote
 * counts them. Order, not speed: the writer keeps the file open and keeps writing (a little,
 * every 100 ms) until every small file has arrived, so "no transfer of the big file before it
 * is closed" holds however slow the machine is; then it closes the file.
 */
describe('a big file being written is sent once it is closed', () => {
  let site: Site, src: string, dst: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('growing');
    ({ src, dst } = site);
    fs.mkdirSync(path.join(src, 'small'), { recursive: true });
    agent = await startAgentOn(site);
  });
  after(() => site.close());

  it('96 MiB written over 3 s: small files written meanwhile arrive while it is open, the big file goes once, after the close', async () => {
    const transfers = new Set<string>();
    const remote = fs.watch(dst, (_ev, name) => {
      if (name && String(name).startsWith('.video.bin.')) transfers.add(String(name));
    });
    try {
      const big = path.join(src, 'video.bin');
      // The first chunk right after the open: the agent never sees the file empty and closed.
      const fd = fs.openSync(big, 'w');
      fs.writeSync(fd, crypto.randomBytes(3 * MiB));
      const small: string[] = [];
      const t0 = performance.now();
      for (let i = 1; i < 32; i++) {
        await sleep(Math.max(0, t0 + i * 94 - performance.now()));
        fs.writeSync(fd, crypto.randomBytes(3 * MiB));
        if (i % 3 === 0) {
          const name = `s${i}.txt`;
          fs.writeFileSync(path.join(src, 'small', name), `small ${i}\n`);
          small.push(name);
        }
      }
      const arrived = (n: string): boolean => {
        try {
          return (
            fs.readFileSync(path.join(dst, 'small', n), 'utf8') === fs.readFileSync(path.join(src, 'small', n), 'utf8')
          );
        } catch {
          return false;
        }
      };
      // Still open, still being written (so it never looks idle), until the small files are there.
      let trickle = 0;
      await waitFor(
        () => {
          fs.writeSync(fd, crypto.randomBytes(64 * 1024));
          trickle++;
          return small.every(arrived);
        },
        { what: 'the small files written beside the big one', timeoutMs: 25_000, intervalMs: 100 },
      );
      assert.equal(small.length, 10);
      assert.deepEqual([...transfers], [], 'no transfer of the big file while it is open and written');
      assert.equal(fs.existsSync(path.join(dst, 'video.bin')), false, 'the big file is not on the remote yet');
      fs.closeSync(fd);
      assert.ok(fs.statSync(big).size >= 96 * MiB + trickle * 64 * 1024);
      await waitForMirror(src, dst, 'the big file after its close', { timeoutMs: 60_000, log: () => agent.lines });
      // The mirror check reads and hashes 96 MiB twice, in a timer: the remote's fs.watch events of
      // the transfer can still wait in the event loop when it resolves. The agent's line for the
      // transfer comes after them, and a turn of the loop delivers what is queued.
      await agent.waitForLine(/1 large file, exit 0/);
      await new Promise((r) => setImmediate(r));
      assert.equal(transfers.size, 1, `the big file was transferred once (${[...transfers].join(' ')})`);
    } finally {
      remote.close();
    }
  });
});

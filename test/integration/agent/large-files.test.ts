import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A big file goes through the lane's large-file slot: small files written while it is being
 * sent arrive without waiting for it. --bwlimit makes the big transfer take many seconds, so
 * "the small file arrived before the big one finished" is a matter of order, not of speed.
 */
describe('large files do not hold up small ones', () => {
  let site: Site, src: string, dst: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('large');
    ({ src, dst } = site);
    fs.mkdirSync(path.join(src, 'small'), { recursive: true });
    // 10,000 KiB/s: the 96 MiB file takes about 10 s, a small file a fraction of a millisecond.
    agent = await startAgentOn(site, { commonParams: '-a --bwlimit=10000' });
  });
  after(() => site.close());

  it('small files written during a big transfer arrive before it ends; everything converges', async () => {
    const big = path.join(src, 'video.bin');
    const fd = fs.openSync(big, 'w');
    for (let i = 0; i < 96; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
    fs.closeSync(fd);
    // rsync writes into a temporary .video.bin.XXXXXX next to the destination while it transfers.
    await waitFor(() => fs.readdirSync(dst).some((n) => n.startsWith('.video.bin.')), {
      what: 'the big transfer to start',
      timeoutMs: 30_000,
    });
    // The big file is in place once rsync renamed its temporary file to the real name.
    const bigDone = (): boolean => fs.existsSync(path.join(dst, 'video.bin'));
    assert.equal(bigDone(), false, 'the big file is still being sent');
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, 'small', `s${i}.txt`), `small ${i}\n`);
    await waitFor(() => [0, 1, 2, 3, 4].every((i) => fs.existsSync(path.join(dst, 'small', `s${i}.txt`))), {
      what: 'the small files',
      timeoutMs: 30_000,
    });
    assert.equal(bigDone(), false, 'the small files arrived while the big file was still being sent');
    await waitForMirror(src, dst, 'big and small', { timeoutMs: 120_000, log: () => agent.lines });
    await waitFor(() => agent.lines.some((l) => /: 1 large file, exit 0/.test(l)), {
      what: 'the large-file batch line',
    });
  });
});

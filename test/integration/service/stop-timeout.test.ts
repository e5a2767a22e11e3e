import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * TERM while an rsync runs longer than the stop timeout: the agent stops waiting, journals what
 * is undelivered and exits 0 (it used to spin forever once its bounded wait ran out), and the
 * next start finishes the job.
 */
describe('SIGTERM with a transfer that outlasts --stop-timeout', () => {
  it('exits 0 soon after the timeout, journals the rest, and the restart converges', async (t) => {
    const site = await startSite('stoptimeout', { t });
    const { src, dst } = site;
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(src, `blob${i}`), crypto.randomBytes(1024 * 1024));
    // 200 KiB/s: the -r full sync of 8 MiB takes about 40 s, far beyond the 2 s stop timeout.
    const first = await startAgentOn(site, { commonParams: '-a --bwlimit=200' }, ['-r', '--stop-timeout', '2']);
    await waitFor(() => fs.readdirSync(dst).some((n) => n.startsWith('.blob')), {
      what: 'the slow full sync to be writing',
    });
    first.child.kill('SIGTERM');
    const code = await Promise.race([
      first.exited,
      new Promise<string>((r) => setTimeout(() => r('still running 30 s after SIGTERM'), 30_000)),
    ]);
    if (code === 'still running 30 s after SIGTERM') first.child.kill('SIGKILL');
    assert.equal(code, 0, first.lines.slice(-6).join('\n'));
    assert.ok(
      first.lines.some((l) => /stopped with \d+ path\(s\) not yet synced|journaled/.test(l)),
      first.lines.slice(-6).join('\n'),
    );
    const second = await startAgentOn(site); // no -r: the journal holds the full sync
    await waitForMirror(src, dst, 'after restart', { timeoutMs: 60_000, log: () => second.lines });
    assert.equal(await second.stop(), 0);
  });
});

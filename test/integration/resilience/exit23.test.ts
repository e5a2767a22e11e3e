import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';

describe('exit 23 (partial transfer) is retried, never taken as success', () => {
  it('the first batch exits 23 having sent nothing; the lane retries and the file converges', async (t) => {
    const site = await startSite('exit23', { t });
    const { tmp, src, dst } = site;
    // The real rsync behind a wrapper: probes (--list-only) go straight to it; the first other call fails with 23
    // after running nothing; later calls are the real rsync.
    const marker = path.join(tmp, 'failed-once');
    const wrapper = path.join(tmp, 'rsync-23-once');
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh
for a in "$@"; do case "$a" in --list-only) exec rsync "$@";; esac; done
if [ ! -e '${marker}' ]; then
  : > '${marker}'
  echo 'rsync: [sender] send_files failed to open "x": Permission denied (13)' >&2
  echo 'rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]' >&2
  exit 23
fi
exec rsync "$@"
`,
      { mode: 0o755 },
    );
    let agent: AgentProcess | null = null;
    try {
      agent = await startAgentOn(site, {}, [], { env: { SERSYNC_RSYNC: wrapper } });
      fs.writeFileSync(path.join(src, 'partial.txt'), 'must arrive despite the exit 23');
      const a = agent;
      await waitForMirror(src, dst, 'after the exit-23 retry', { timeoutMs: 30_000, log: () => a.lines });
      assert.ok(fs.existsSync(marker), 'the wrapper did fail one batch');
      const failed = agent.lines.findIndex((l) =>
        /: 1 path, exit 23 \(partial transfer due to error\).*; retry 1 in \d+ ms/.test(l),
      );
      assert.ok(failed >= 0, agent.lines.join('\n'));
      await agent.waitForLine(/: 1 path, exit 0 \(success\)/);
      assert.ok(
        agent.lines.findIndex((l) => /: 1 path, exit 0 \(success\)/.test(l)) > failed,
        'the success came after the retry',
      );
      assert.equal(
        agent.lines.some((l) => /remote is down/.test(l)),
        false,
      );
      assert.equal(await agent.stop(), 0);
    } finally {
      if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  });
});

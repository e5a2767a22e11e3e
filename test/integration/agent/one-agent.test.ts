import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { runAgentOn, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Two agents on one config (an operator runs `sersync-ts -o confxml.xml` by hand while the
 * service runs) would both write one journal, and the second read the first's open journal as
 * an unclean stop. The second is refused with one line; the first goes on untouched.
 */
describe('one agent per state directory', () => {
  let site: Site;
  let first: AgentProcess;

  const arrives = (rel: string, content: string): Promise<void> => {
    fs.writeFileSync(path.join(site.src, rel), content);
    return waitFor(
      () => fs.existsSync(path.join(site.dst, rel)) && fs.readFileSync(path.join(site.dst, rel), 'utf8') === content,
      { timeoutMs: 60_000, what: `${rel} on the remote` },
    );
  };

  before(async () => {
    site = await startSite('one-agent');
    first = await startAgentOn(site);
    await arrives('a.txt', 'first agent\n');
  });

  after(async () => {
    await site?.close();
  });

  it('a second agent on the same config exits 1 naming the running one, and the first keeps syncing', async () => {
    const second = runAgentOn(site);
    await waitFor(() => second.child.exitCode !== null, { timeoutMs: 60_000, what: 'the second agent to exit' }).catch(
      (err: Error) => {
        second.child.kill('SIGKILL');
        throw new Error(`${err.message}: it runs beside the first\n${second.lines.join('\n')}`);
      },
    );
    assert.equal(second.child.exitCode, 1, second.lines.join('\n'));
    const refusal = second.lines.find((l) => /another sersync-ts \(pid (\d+)\) is running on it/.test(l));
    assert.ok(refusal, `no refusal line:\n${second.lines.join('\n')}`);
    assert.match(refusal, new RegExp(`pid ${first.child.pid}\\b`));
    assert.match(refusal, /stop that one first, or give this one its own --state-dir/);
    assert.equal(
      second.lines.some((l) => /did not stop cleanly|full sync/.test(l)),
      false,
      'the second agent touched no state',
    );
    await arrives('b.txt', 'still the first agent\n');
    assert.equal(first.child.exitCode, null, 'the first agent still runs');
    assert.equal(
      first.lines.some((l) => /did not stop cleanly/.test(l)),
      false,
    );
  });

  it('after the first is killed (-9), the next agent takes the lock over and recovers', async () => {
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await startAgentOn(site);
    assert.ok(
      next.lines.some((l) => /did not stop cleanly/.test(l)),
      'the killed run is recovered as unclean',
    );
    await arrives('c.txt', 'the next agent\n');
    assert.equal(await next.stop(), 0);
    const stateDir = `${path.join(site.tmp, 'rsync_fail_log.sh')}.state`;
    assert.equal(fs.existsSync(path.join(stateDir, 'agent.lock')), false, 'a clean stop removes the lock');
  });
});

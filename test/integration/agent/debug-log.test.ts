import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { batchesQuiet, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

/** `<debug start="true">`: each rsync is logged as a command an operator can paste into sh. */
describe('debug logging', () => {
  let site: Site, tmp: string, src: string, dst: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('debug');
    ({ tmp, src, dst } = site);
    agent = await startAgentOn(site, { debug: true });
  });
  after(() => site.close());

  it('logs each rsync as a copy-pasteable command that re-sends the same hostile name and runs nothing else', async () => {
    const name = "it's $(touch PWNED) `id`.txt";
    fs.writeFileSync(path.join(src, name), 'debug me\n');
    await waitForMirror(src, dst, 'hostile file', { log: () => agent.lines });
    await batchesQuiet(agent);
    const line = agent.lines.find((l) => l.includes('DEBUG') && l.includes("printf '%s\\0'") && l.includes("it'\\''s"));
    assert.ok(line, `a debug line with the command:\n${agent.lines.slice(-10).join('\n')}`);
    const command = line.slice(line.indexOf("cd '"));
    // Run it by hand: the remote copy comes back, and nothing in the name executes.
    fs.rmSync(path.join(dst, name));
    execFileSync('sh', ['-c', command], { cwd: tmp, stdio: 'pipe' });
    await waitFor(() => fs.existsSync(path.join(dst, name)), { what: 'the file re-sent by the logged command' });
    assert.equal(fs.readFileSync(path.join(dst, name), 'utf8'), 'debug me\n');
    for (const dir of [tmp, src, dst])
      assert.equal(fs.existsSync(path.join(dir, 'PWNED')), false, `nothing in the name ran (${dir})`);
  });
});

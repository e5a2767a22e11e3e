import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { snapshot } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

describe('-r on an empty root refuses the deleting full sync', () => {
  let site: Site, src: string, dst: string, agent: AgentProcess;
  before(async () => {
    site = await startSite('emptyroot'); // src is empty: an unmounted volume looks like this
    ({ src, dst } = site);
    fs.mkdirSync(path.join(dst, 'site/img'), { recursive: true });
    fs.writeFileSync(path.join(dst, 'index.html'), 'the remote copy');
    fs.writeFileSync(path.join(dst, 'site/img/logo.png'), 'png');
    agent = await startAgentOn(site, {}, ['-r']);
  });
  after(() => site.close());
  it('logs the refusal as an error, leaves the remote intact, and still mirrors a file added later', async () => {
    const before = snapshot(dst);
    const line = await agent.waitForLine(/is empty \(unmounted volume\?\); refusing a deleting full sync/);
    assert.match(line, /error/i, 'logged at error level');
    assert.equal(agent.batchLines().length, 0, 'no rsync ran');
    assert.deepEqual(snapshot(dst), before, 'the remote is untouched');
    fs.writeFileSync(path.join(src, 'added-later.txt'), 'new');
    await waitFor(() => fs.existsSync(path.join(dst, 'added-later.txt')), { what: 'the file added later arrives' });
    assert.equal(fs.readFileSync(path.join(dst, 'added-later.txt'), 'utf8'), 'new');
  });
});

describe('stopped while a refused full sync waits', () => {
  let site: Site, src: string, dst: string;
  before(async () => {
    site = await startSite('emptystop');
    ({ src, dst } = site);
  });
  after(() => site.close());
  it('says the full sync is not done (not "nothing pending"), journals it, and the next start runs it', async () => {
    const first = await startAgentOn(site, {}, ['-r']);
    await first.waitForLine(/refusing a deleting full sync/);
    assert.equal(await first.stop(), 0);
    assert.ok(
      first.lines.some((l) =>
        /stopped with 0 path\(s\) and 1 full sync\(s\) not yet synced; they are journaled/.test(l),
      ),
      first.lines.join('\n'),
    );
    assert.ok(!first.lines.some((l) => /nothing pending/.test(l)), 'not claimed drained');
    fs.writeFileSync(path.join(src, 'restored.txt'), 'the volume is back');
    const second = await startAgentOn(site); // no -r: only the journal asks for the full sync
    await waitFor(() => fs.existsSync(path.join(dst, 'restored.txt')), {
      what: 'the journaled full sync ships the root',
    });
    assert.equal(fs.readFileSync(path.join(dst, 'restored.txt'), 'utf8'), 'the volume is back');
    assert.ok(
      second.lines.some((l) => /full sync/.test(l)),
      second.lines.join('\n'),
    );
  });
});

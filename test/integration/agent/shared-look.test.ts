import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';

describe('the lanes of a root share one look at the disk for a batch they send at once', () => {
  it('three remotes: a burst of writes and removals converges on each, with shared looks', async (t) => {
    const modules = ['m1', 'm2', 'm3'];
    const site = await startSite('sharedlook', { t, modules });
    const { src, daemon } = site;
    for (let d = 0; d < 5; d++) {
      fs.mkdirSync(path.join(src, `d ${d}`));
      for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(src, `d ${d}`, `old${f}`), `old ${d}/${f}\n`);
    }
    const agent = await startAgentOn(site, { remotes: modules.map((module) => ({ module })), debug: true }, ['-r']);
    for (const m of modules) await waitForMirror(src, daemon.modules[m]!, `${m} after the start`);
    // New files beside removals: each remote's batch needs the look's facts (what is gone, what is new).
    for (let d = 0; d < 5; d++) {
      for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(src, `d ${d}`, `new${f}`), `new ${d}/${f}\n`);
      for (let f = 0; f < 10; f++) fs.rmSync(path.join(src, `d ${d}`, `old${f}`));
    }
    for (const m of modules)
      await waitForMirror(src, daemon.modules[m]!, `${m} after the burst`, { log: () => agent.lines });
    const shared = agent.lines.filter((l) =>
      /paths: the look another lane of this root has in flight is shared/.test(l),
    );
    assert.ok(shared.length > 0, agent.lines.join('\n'));
    assert.equal(await agent.stop(), 0);
  });
});

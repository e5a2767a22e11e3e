import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';

describe('a receiver that refuses --link-dest', () => {
  it('the first moved directory is sent in full and said so once; the next ones are seeded with --copy-dest', async (t) => {
    const site = await startSite('seedrefuse', { t });
    const { src, dst, tmp } = site;
    // The daemon reads its config at each connection: the module now refuses the option.
    fs.appendFileSync(path.join(tmp, 'rsyncd.conf'), 'refuse options = link-dest\n');
    fs.mkdirSync(path.join(src, 'album'));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, 'album', `p${i}`), `photo ${i}\n`.repeat(200));
    const agent = await startAgentOn(site, { debug: true }, ['-r']);
    const converged = (what: string): Promise<void> => waitForMirror(src, dst, what, { log: () => agent.lines });
    await converged('the start');
    fs.renameSync(path.join(src, 'album'), path.join(src, 'album2'));
    await converged('the first move');
    await agent.waitForLine(/refuses --link-dest: moved directories are seeded with --copy-dest from now on/);
    fs.renameSync(path.join(src, 'album2'), path.join(src, 'album3'));
    await converged('the second move');
    assert.equal(fs.existsSync(path.join(dst, 'album2')), false, 'the old place is gone remotely');
    await agent.waitForLine(/'--copy-dest=\.\.\/album2'/);
    assert.equal(agent.lines.filter((l) => /refuses --link-dest/.test(l)).length, 1, 'said once');
    assert.equal(await agent.stop(), 0);
  });
});

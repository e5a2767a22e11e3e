import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { statusOf } from '../../helpers/receivers.js';
import { waitFor } from '../../helpers/wait.js';

const FILES = 1500;

/** The first root's part of /status (StatusDocument). */
const rootDoc = async (port: number) => (await statusOf(port)).roots[0]!;

function writeTree(dir: string, content: (i: number) => string): void {
  for (let d = 0; d < 15; d++) fs.mkdirSync(path.join(dir, `d${d}`), { recursive: true });
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir, `d${i % 15}`, `f${i}.txt`), content(i));
}

describe('the mass-deletion brake and rsync writing into the watched tree', () => {
  it('a deploy by rsync over every file (temporary names renamed into place) trips nothing; a real deletion then ships', async (t) => {
    const site = await startSite('brake-deploy', { t });
    const { src, dst, tmp } = site;
    writeTree(src, (i) => `release 1, file ${i}\n`);
    const port = await freePort();
    const agent = await startAgentOn(site, { statusPort: port }, ['-r']);
    await waitForMirror(src, dst, 'the first full sync', { timeoutMs: 120_000, log: () => agent.lines });
    await waitFor(async () => (await rootDoc(port)).files === FILES, {
      timeoutMs: 30_000,
      what: `the watcher counts ${FILES} files`,
    });

    // Release 2, deployed the way operators do: rsync from a staging copy. rsync writes each file
    // under a temporary name and renames it into place: 1,500 "removals" of names that came and went.
    const staging = path.join(tmp, 'release2');
    writeTree(staging, (i) => `release 2, file ${i}, longer\n`);
    execFileSync('rsync', ['-a', `${staging}/`, `${src}/`]);
    await waitForMirror(src, dst, 'release 2 on the remote', { timeoutMs: 120_000, log: () => agent.lines });
    assert.equal(fs.readFileSync(path.join(dst, 'd3', 'f3.txt'), 'utf8'), 'release 2, file 3, longer\n');

    // Nothing is held: a real deletion now reaches the remote.
    fs.rmSync(path.join(src, 'd7', 'f7.txt'));
    await waitFor(() => !fs.existsSync(path.join(dst, 'd7', 'f7.txt')), {
      timeoutMs: 60_000,
      what: 'the deletion after the deploy reaches the remote',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- agent log tail:\n${agent.lines.slice(-15).join('\n')}`);
    });
    assert.equal((await rootDoc(port)).heldDeletions, 0);
    assert.ok(!agent.lines.some((l) => /DELETIONS HELD/.test(l)), agent.lines.filter((l) => /HELD/.test(l)).join('\n'));
    assert.equal(await agent.stop(), 0);
  });
});

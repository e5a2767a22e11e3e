import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { runAgentOn } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

const DIRS = 40_000;

/**
 * Without -r, a change made while the first scan of a big tree is still running must not be
 * lost: the directories already watched report it, and it ships once the scan is done.
 */
describe('changes during the first scan of a big tree', () => {
  it('files written while the watcher is still scanning reach the remote', async (t) => {
    const site = await startSite('early', { t });
    const { src, dst } = site;
    for (let i = 0; i < DIRS; i++)
      fs.mkdirSync(path.join(src, `d${Math.floor(i / 100)}`, `e${i}`), { recursive: true });
    const agent = runAgentOn(site);
    await agent.waitForLine(/module answers/);
    // Write from the moment the root holds an inotify watch (its inode in /proc/PID/fdinfo) until ready.
    const ino = fs.statSync(src).ino.toString(16);
    const fdinfo = `/proc/${agent.child.pid}/fdinfo`;
    const rootWatched = (): boolean =>
      fs.readdirSync(fdinfo).some((fd) => {
        try {
          return new RegExp(`^inotify wd:\\w+ ino:${ino} `, 'm').test(fs.readFileSync(`${fdinfo}/${fd}`, 'utf8'));
        } catch {
          return false; // an fd closed meanwhile
        }
      });
    await waitFor(rootWatched, { what: 'the root watched (an inotify watch on its inode)', timeoutMs: 60_000 });
    const written: string[] = [];
    while (!agent.lines.some((l) => /ready in \d+ ms/.test(l))) {
      const name = `early${written.length}.txt`;
      fs.writeFileSync(path.join(src, name), `${name}\n`);
      written.push(name);
      await new Promise((r) => setTimeout(r, 5));
      if (agent.child.exitCode !== null) throw new Error(agent.lines.join('\n'));
    }
    t.diagnostic(`${written.length} files written during the scan`);
    assert.ok(
      written.length >= 20,
      `the scan ran long enough to write ${written.length} files during it (else this test proves nothing)`,
    );
    await waitFor(() => written.every((n) => fs.existsSync(path.join(dst, n))), {
      what: `all ${written.length} files written during the scan on the remote`,
      timeoutMs: 60_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}: missing ${written.filter((n) => !fs.existsSync(path.join(dst, n))).length}`);
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRsyncDaemon } from '../../helpers/rsyncd.js';
import { configXml, runAgent } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

const DIRS = 20_000;

/**
 * Without -r, a change made while the first scan of a big tree is still running must not be
 * lost: the directories already watched report it, and it ships once the scan is done.
 */
describe('changes during the first scan of a big tree', () => {
  it('files written while the watcher is still scanning reach the remote', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-early-'));
    const src = path.join(tmp, 'src');
    for (let i = 0; i < DIRS; i++) fs.mkdirSync(path.join(src, `d${Math.floor(i / 100)}`, `e${i}`), { recursive: true });
    const daemon = await startRsyncDaemon(tmp, ['www']);
    const dst = daemon.modules['www']!;
    const conf = path.join(tmp, 'confxml.xml');
    fs.writeFileSync(conf, configXml({ watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile }));
    const agent = runAgent(['-o', conf]);
    try {
      await agent.waitForLine(/module answers/);
      // The root's watch exists right after the probe; give it a moment, then write until ready.
      await new Promise((r) => setTimeout(r, 300));
      const written: string[] = [];
      while (!agent.lines.some((l) => /ready in \d+ ms/.test(l))) {
        const name = `early${written.length}.txt`;
        fs.writeFileSync(path.join(src, name), `${name}\n`);
        written.push(name);
        await new Promise((r) => setTimeout(r, 5));
        if (agent.child.exitCode !== null) throw new Error(agent.lines.join('\n'));
      }
      assert.ok(written.length >= 20, `the scan ran long enough to write ${written.length} files during it (else this test proves nothing)`);
      await waitFor(() => written.every((n) => fs.existsSync(path.join(dst, n))), {
        what: `all ${written.length} files written during the scan on the remote`,
        timeoutMs: 60_000,
      }).catch((err: Error) => {
        throw new Error(`${err.message}: missing ${written.filter((n) => !fs.existsSync(path.join(dst, n))).length}`);
      });
    } finally {
      await agent.stop();
      await daemon.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

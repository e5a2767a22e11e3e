import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { configXml, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const DIRS = 10_000;

describe('HUP reload while changes keep arriving', () => {
  let site: Site, src: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    site = await startSite('reload');
    ({ src, daemon } = site);
    // Many directories, so the new agent's watcher needs a while to start (10,000: 0.8 s on an
    // idle machine, with 500 changes carried over; 20,000 cost twice the CPU in a loaded CI): the
    // old agent must keep every change it sees meanwhile and hand it over.
    for (let i = 0; i < DIRS / 100; i++)
      for (let j = 0; j < 100; j++) fs.mkdirSync(path.join(src, `d${i}`, `e${j}`), { recursive: true });
    agent = await startAgentOn(site, {}, ['-r']);
  });
  after(() => site.close());

  it('loses nothing written during the reload', async (t) => {
    const dst = daemon.modules['www']!;
    const log = (): string[] => agent.lines;
    await waitForMirror(src, dst, 'initial sync', { timeoutMs: 120_000, log });
    let n = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const i = n++;
        fs.writeFileSync(path.join(src, `d${i % (DIRS / 100)}`, `e${(i * 7) % 100}`, `f${i}.txt`), `file ${i}`);
        fs.writeFileSync(path.join(src, `top${i}.txt`), `top ${i}`);
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    await waitFor(() => n >= 20, { what: 'writes before the HUP' });
    agent.child.kill('SIGHUP');
    await agent.waitForLine(/config reloaded: 1 root\(s\), 1 remote\(s\)/, 120_000);
    const atReload = n;
    await waitFor(() => n >= atReload + 20, { what: 'writes after the reload' });
    writing = false;
    await writer;
    assert.ok(agent.lines.some((l) => /SIGHUP: reloading/.test(l)));
    await waitForMirror(src, dst, `${n * 2} files written around a reload`, { timeoutMs: 120_000, log });
    t.diagnostic(
      `${n * 2} files written; ${agent.lines.filter((l) => /SIGHUP|reloaded|ready in/.test(l)).join(' | ')}`,
    );
  });
});

describe('HUP: a remote removed, a root added', () => {
  let site: Site, tmp: string, src1: string, src2: string, daemon: RsyncDaemon, agent: AgentProcess;
  before(async () => {
    site = await startSite('reload2', { src: 'src1', modules: ['a', 'b', 'c'] });
    ({ tmp, src: src1, daemon } = site);
    src2 = path.join(tmp, 'src2');
    fs.mkdirSync(src2);
    fs.writeFileSync(path.join(src1, 'one.txt'), '1');
    fs.writeFileSync(path.join(src2, 'two.txt'), '2');
    agent = await startAgentOn(site, { remotes: [{ module: 'a' }, { module: 'b' }] }, ['-r']);
  });
  after(() => site.close());

  it('the removed remote stops receiving; the new root is mirrored to its remote', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((m) => daemon.modules[m]!) as [string, string, string];
    const log = (): string[] => agent.lines;
    await waitForMirror(src1, a, 'a before', { log });
    await waitForMirror(src1, b, 'b before', { log });
    // New config: src1 -> a only (b removed), and a new root src2 -> c.
    const xml = configXml({
      watch: [src1, src2],
      remotes: [{ module: 'a' }],
      port: daemon.port,
      passwordFile: daemon.passwordFile,
    });
    const second = xml.indexOf('<localpath', xml.indexOf('<localpath') + 1);
    fs.writeFileSync(
      path.join(tmp, 'confxml.xml'),
      xml.slice(0, second) + xml.slice(second).replace('name="a"', 'name="c"'),
    );
    agent.child.kill('SIGHUP');
    await agent.waitForLine(/config reloaded: 2 root\(s\), 2 remote\(s\)/);
    await waitForMirror(src2, c, 'new root src2 -> c', { log });
    fs.writeFileSync(path.join(src1, 'after.txt'), 'x');
    fs.writeFileSync(path.join(src2, 'after2.txt'), 'y');
    await waitForMirror(src1, a, 'a after the reload', { log });
    await waitForMirror(src2, c, 'c after the reload', { log });
    assert.equal(fs.existsSync(path.join(b, 'after.txt')), false, 'the removed remote b got nothing new');
    assert.equal(fs.existsSync(path.join(b, 'two.txt')), false);
    assert.equal(fs.existsSync(path.join(a, 'two.txt')), false, 'src2 went only to c');
  });
});

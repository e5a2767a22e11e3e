import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite, type Site } from '../../helpers/rsyncd.js';
import { runAgentOn, startAgentOn, type AgentProcess, type ConfigSpec } from '../../helpers/agent.js';
import { cliAsync } from '../../helpers/cli.js';
import { diffTrees, snapshot, waitForMirror } from '../../helpers/tree.js';
import { httpGet, statusOf } from '../../helpers/receivers.js';
import { waitFor } from '../../helpers/wait.js';

/** 40 directories of 100 files: 4,000 files, each with its own content. */
const DIRS = 40;
const PER_DIR = 100;
const dirName = (d: number): string => `d${String(d).padStart(2, '0')}`;

function buildTree(src: string): void {
  for (let d = 0; d < DIRS; d++) {
    fs.mkdirSync(path.join(src, dirName(d)));
    for (let f = 0; f < PER_DIR; f++)
      fs.writeFileSync(path.join(src, dirName(d), `f${f}.txt`), `${dirName(d)}/f${f} ${'x'.repeat(f)}`);
  }
}

/** The first root's part of /status (StatusDocument). */
const rootDoc = async (port: number) => (await statusOf(port)).roots[0]!;

/** A 4,000-file tree mirrored by an agent with /status on, which counts the 4,000 files. */
async function mirroredTree(
  tag: string,
  t: { after(fn: () => unknown): void },
  extraSersync = '',
): Promise<{ site: Site; spec: Partial<ConfigSpec>; agent: AgentProcess; port: number }> {
  const site = await startSite(tag, { t });
  buildTree(site.src);
  const port = await freePort();
  const spec: Partial<ConfigSpec> = { statusPort: port, extraSersync };
  const agent = await startAgentOn(site, spec, ['-r']);
  await waitForMirror(site.src, site.dst, 'the first full sync', { timeoutMs: 120_000, log: () => agent.lines });
  await waitFor(async () => (await rootDoc(port)).files === DIRS * PER_DIR, {
    timeoutMs: 30_000,
    what: 'the watcher counts 4,000 files',
  });
  return { site, spec, agent, port };
}

/**
 * The brake catches a deletion that has not shipped yet. The agent is stopped (SIGSTOP) while the
 * files go, so on a loaded machine too it sees the whole rm -rf before it could ship any of it (a
 * fast rm -rf arrives as one burst anyway: the aggregator ships a burst after it ends).
 */
async function removeWhileStopped(agent: AgentProcess, src: string, dirs: number[]): Promise<void> {
  agent.child.kill('SIGSTOP');
  try {
    for (const d of dirs) fs.rmSync(path.join(src, dirName(d)), { recursive: true });
  } finally {
    agent.child.kill('SIGCONT');
  }
}

const half = Array.from({ length: DIRS / 2 }, (_, i) => i);
/** Every path the rm -rf of `dirs` removed is still on the remote. */
function remoteKeeps(dst: string, dirs: number[]): void {
  for (const d of dirs)
    for (let f = 0; f < PER_DIR; f++)
      assert.ok(
        fs.existsSync(path.join(dst, dirName(d), `f${f}.txt`)),
        `${dirName(d)}/f${f}.txt is still on the remote`,
      );
}

describe('the mass-deletion brake (<deleteGuard>, the defaults: 50 % and 1,000 files within 60 s)', () => {
  it('holds a 50 % deletion of a 4,000-file tree while new files ship, keeps holding across kill -9, and ships it after release-deletes', async (t) => {
    const { site, spec, agent, port } = await mirroredTree('brake', t);
    const { src, dst, tmp } = site;
    await removeWhileStopped(agent, src, half);
    const line = await agent.waitForLine(/DELETIONS HELD for /, 60_000);
    assert.match(line, /2000 of its 4000 files disappeared within 60 s \(50 %/);
    assert.match(line, /sersync-ts release-deletes -o /);
    // New and changed files still ship, byte-exact.
    fs.mkdirSync(path.join(src, 'new'));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, 'new', `n${i}.txt`), `new file ${i}\n`.repeat(i + 1));
    fs.writeFileSync(path.join(src, dirName(30), 'f1.txt'), 'changed while deletions are held');
    const shipped = (): boolean =>
      Array.from({ length: 20 }, (_, i) => i).every(
        (i) =>
          fs.existsSync(path.join(dst, 'new', `n${i}.txt`)) &&
          fs.readFileSync(path.join(dst, 'new', `n${i}.txt`), 'utf8') === `new file ${i}\n`.repeat(i + 1),
      );
    await waitFor(
      () =>
        shipped() &&
        fs.readFileSync(path.join(dst, dirName(30), 'f1.txt'), 'utf8') === 'changed while deletions are held',
      { timeoutMs: 60_000, what: 'new and changed files arrive while deletions are held' },
    );
    remoteKeeps(dst, half);
    const doc = await rootDoc(port);
    assert.ok((doc.heldDeletions ?? -1) >= 2000, `held: ${doc.heldDeletions}`);
    assert.match(
      (await httpGet(`http://127.0.0.1:${port}/metrics`)).body,
      new RegExp(`sersync_deletions_held\\{root="${src}"\\} ${doc.heldDeletions}\\n`),
    );
    const status = await cliAsync(['status', '-o', path.join(tmp, 'confxml.xml')]);
    assert.match(
      status.out,
      new RegExp(`DELETIONS HELD by the mass-deletion brake: ${doc.heldDeletions} path\\(s\\) since `),
      status.out + status.err,
    );
    // Not "all delivered": held deletions make status exit non-zero, naming the root and the way out.
    assert.equal(status.code, 1, status.out);
    assert.match(status.out, /everything delivered except \d+ deletion\(s\) held by the mass-deletion brake/);
    assert.ok(
      status.out.includes(
        `deletions held, not delivered: ${src} (${doc.heldDeletions}); release with sersync-ts release-deletes -o `,
      ),
      status.out,
    );
    // The agent itself is healthy: it does what the brake is set to do (/healthz 200).
    assert.equal((await httpGet(`http://127.0.0.1:${port}/healthz`)).body, 'ok\n');

    // kill -9 and a restart: the hold comes back from the journal, the recovery full sync deletes nothing.
    agent.child.kill('SIGKILL');
    await agent.exited;
    const second = runAgentOn(site, spec);
    await second.waitForLine(/deletion\(s\) held by the deletion brake since the last run/, 60_000);
    await second.waitForLine(/full sync of .* starting/, 60_000);
    await waitFor(() => second.batchLines().some((l) => /full sync, exit 0/.test(l)), {
      timeoutMs: 120_000,
      what: 'the recovery full sync ends',
    });
    remoteKeeps(dst, half);
    assert.equal((await rootDoc(port)).heldDeletions, doc.heldDeletions);
    fs.writeFileSync(path.join(src, 'new', 'after-restart.txt'), 'still shipping');
    await waitFor(() => fs.existsSync(path.join(dst, 'new', 'after-restart.txt')), {
      timeoutMs: 60_000,
      what: 'a file written after the restart arrives',
    });
    assert.equal(fs.readFileSync(path.join(dst, 'new', 'after-restart.txt'), 'utf8'), 'still shipping');
    remoteKeeps(dst, half);

    const released = await cliAsync(['release-deletes', '-o', path.join(tmp, 'confxml.xml'), '--root', src]);
    assert.equal(released.code, 0, released.err);
    assert.equal(released.out, `${src}: ${doc.heldDeletions} held deletion(s) released; the agent ships them now\n`);
    await waitForMirror(src, dst, 'the released deletions ship', { timeoutMs: 60_000, log: () => second.lines });
    assert.deepEqual(diffTrees(snapshot(src), snapshot(dst)), []);
    assert.equal((await rootDoc(port)).heldDeletions, 0);
    await waitFor(async () => (await cliAsync(['status', '-o', path.join(tmp, 'confxml.xml')])).code === 0, {
      timeoutMs: 60_000,
      what: 'status exits 0 once nothing is held and everything is delivered',
    });
    const again = await cliAsync(['release-deletes', '-o', path.join(tmp, 'confxml.xml')]);
    assert.equal(again.out, `${src}: no deletions held\n`);
  });

  it('a live rm -rf (the agent running, the watcher seeing it over time) is held whole, then released', async (t) => {
    const { site, agent, port } = await mirroredTree('brakelive', t);
    const { src, dst, tmp } = site;
    for (const d of half) fs.rmSync(path.join(src, dirName(d)), { recursive: true });
    await agent.waitForLine(/DELETIONS HELD for /, 60_000);
    await waitFor(async () => ((await rootDoc(port)).heldDeletions ?? -1) >= 2000, {
      timeoutMs: 30_000,
      what: 'all held',
    });
    remoteKeeps(dst, half);
    const released = await cliAsync(['release-deletes', '-o', path.join(tmp, 'confxml.xml')]);
    assert.equal(released.code, 0, released.err);
    await waitForMirror(src, dst, 'the released deletions ship', { timeoutMs: 60_000, log: () => agent.lines });
    assert.deepEqual(diffTrees(snapshot(src), snapshot(dst)), []);
  });

  it('restoring the deleted files locally ends the hold, and the remote never lost them', async (t) => {
    const { site, agent, port } = await mirroredTree('brakerestore', t);
    const { src, dst, tmp } = site;
    const backup = path.join(tmp, 'backup');
    for (const d of half) fs.cpSync(path.join(src, dirName(d)), path.join(backup, dirName(d)), { recursive: true });
    await removeWhileStopped(agent, src, half);
    await agent.waitForLine(/DELETIONS HELD for /, 60_000);
    for (const d of half) fs.cpSync(path.join(backup, dirName(d)), path.join(src, dirName(d)), { recursive: true });
    await agent.waitForLine(/every held deletion was restored locally; the deletion brake is off again/, 60_000);
    assert.equal((await rootDoc(port)).heldDeletions, 0);
    await waitForMirror(src, dst, 'the restored tree', { timeoutMs: 60_000, log: () => agent.lines });
    remoteKeeps(dst, half);
    // The brake is off again: a small deletion ships at once.
    fs.rmSync(path.join(src, dirName(39), 'f0.txt'));
    await waitFor(() => !fs.existsSync(path.join(dst, dirName(39), 'f0.txt')), {
      timeoutMs: 60_000,
      what: 'a later single deletion ships',
    });
  });

  it('start="false": the same 50 % deletion ships at once', async (t) => {
    const { site, agent } = await mirroredTree('brakeoff', t, '<deleteGuard start="false"/>');
    await removeWhileStopped(agent, site.src, half);
    await waitForMirror(site.src, site.dst, 'the deletion ships', { timeoutMs: 60_000, log: () => agent.lines });
    assert.ok(!agent.lines.some((l) => /DELETIONS HELD/.test(l)), agent.lines.join('\n'));
  });

  it('a deletion below the thresholds (10 % of the tree) ships as before', async (t) => {
    const { site, agent, port } = await mirroredTree('brakesmall', t);
    await removeWhileStopped(agent, site.src, [0, 1, 2, 3]);
    await waitForMirror(site.src, site.dst, 'the small deletion ships', { timeoutMs: 60_000, log: () => agent.lines });
    assert.ok(!agent.lines.some((l) => /DELETIONS HELD/.test(l)), agent.lines.join('\n'));
    await waitFor(async () => (await rootDoc(port)).files === (DIRS - 4) * PER_DIR, {
      timeoutMs: 30_000,
      what: 'the count follows the deletion',
    });
    assert.equal((await rootDoc(port)).heldDeletions, 0);
  });
});

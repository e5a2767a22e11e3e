import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { batchesQuiet, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const FILES = 200;

/** Bytes the agent reported sending in batch lines logged after `from` (index into agent.lines). */
function bytesSentSince(agent: AgentProcess, from: number): number {
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
  let total = 0;
  for (const l of agent.lines.slice(from)) {
    const m = /: (?:\d+ paths?), exit \d+ .*, ([\d.]+) (B|KiB|MiB|GiB) sent$/.exec(l);
    if (m) total += Number(m[1]) * units[m[2]!]!;
  }
  return total;
}

/** What the rsync daemon itself logged as received ("sent N bytes  received M bytes"), summed over its sessions. */
function daemonReceived(site: Site): number {
  const log = fs.readFileSync(path.join(site.tmp, 'rsyncd.log'), 'utf8');
  let n = 0;
  for (const m of log.matchAll(/ received ([\d,]+) bytes/g)) n += Number(m[1]!.replace(/,/g, ''));
  return n;
}

/**
 * Waits until the daemon has logged the end of every session it logged the start of: it writes
 * "sent ... received ..." a moment after the client is done, so a count taken too early would
 * leave the last creation batch's bytes to the renames (seen on a loaded machine: 7.3 MiB).
 */
async function daemonSettled(site: Site): Promise<void> {
  await waitFor(
    () => {
      const log = fs.readFileSync(path.join(site.tmp, 'rsyncd.log'), 'utf8');
      return (log.match(/\] rsync (to|on) /g) ?? []).length <= (log.match(/ received [\d,]+ bytes/g) ?? []).length;
    },
    { what: 'the rsync daemon to log the end of every session', timeoutMs: 60_000 },
  );
}

/** Distinct random content and sizes, so a basis file can only be the right one. */
function fill(dir: string, prefix: string, files = FILES, size = 16_384): number {
  fs.mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const data = crypto.randomBytes(size + i * 7);
    fs.writeFileSync(path.join(dir, `${prefix}${i}`), data);
    bytes += data.length;
  }
  return bytes;
}

/**
 * A rename moves no data: the receiver already holds it under the old name. rsync can reuse it
 * (--fuzzy in the same directory, --link-dest from a moved directory's old place), so a move
 * sends a small fraction of the bytes. The remote must still end up identical, old names gone.
 */
describe('renames reuse what the remote already has', () => {
  let src: string;
  let dst: string;
  let site: Site;
  let agent: AgentProcess;
  const converged = (what: string): Promise<void> =>
    waitForMirror(src, dst, what, { timeoutMs: 60_000, log: () => agent.lines });
  const quiet = (): Promise<number> => batchesQuiet(agent);

  before(async () => {
    site = await startSite('reuse');
    ({ src, dst } = site);
    // The brake off: renaming half the tree is, to the watcher, half its files disappearing
    // (the brake at 50 % would hold the old names' removals); this file measures bytes moved.
    agent = await startAgentOn(site, { commonParams: '-a', debug: true, extraSersync: '<deleteGuard start="false"/>' });
  });

  after(async () => {
    const code = await agent?.stop();
    await site?.close();
    assert.equal(code, 0);
  });

  it('files renamed within their directory: under 10 % of their bytes are sent', async () => {
    const moved = fill(path.join(src, 'files'), 'f');
    await converged('files created');
    const mark = await quiet();
    for (let i = 0; i < FILES; i++)
      fs.renameSync(path.join(src, 'files', `f${i}`), path.join(src, 'files', `renamed-${i}`));
    await converged('files renamed');
    await quiet();
    assert.equal(fs.existsSync(path.join(dst, 'files', 'f0')), false, 'old names are gone remotely');
    const sent = bytesSentSince(agent, mark);
    assert.ok(sent > 0, 'the rename batches report bytes sent');
    assert.ok(
      sent < moved * 0.1,
      `sent ${sent} bytes for ${moved} bytes renamed:\n${agent.batchLines().slice(-12).join('\n')}`,
    );
  });

  it('a directory moved within the tree (also deeper down): under 10 % of its bytes are sent', async () => {
    const moved = fill(path.join(src, 'album', 'photos'), 'p');
    fs.mkdirSync(path.join(src, 'archive', '2026'), { recursive: true });
    await converged('directory created');
    const mark = await quiet();
    fs.renameSync(path.join(src, 'album', 'photos'), path.join(src, 'archive', '2026', 'photos'));
    await converged('directory moved');
    await quiet();
    assert.equal(fs.existsSync(path.join(dst, 'album', 'photos')), false, 'the old place is gone remotely');
    // The seed hard-linked them from the old place (--link-dest); the batch deleted that: one name each.
    const here = path.join(dst, 'archive', '2026', 'photos');
    for (const f of fs.readdirSync(here)) assert.equal(fs.statSync(path.join(here, f)).nlink, 1, f);
    const sent = bytesSentSince(agent, mark);
    assert.ok(sent > 0, 'the move batches report bytes sent');
    assert.ok(
      sent < moved * 0.1,
      `sent ${sent} bytes for ${moved} bytes moved:\n${agent.batchLines().slice(-12).join('\n')}`,
    );
  });

  // The bench's rename workload (issue 21): 1,000 files renamed in their directory (more events than
  // a directory's pending paths, so it is rolled up and sent as the directory) and a 1,000-file
  // directory moved, in one go; counted by the daemon, not by the agent's own report.
  it('1,000 renames and a 1,000-file directory moved at once: the daemon receives under 10 % of their bytes', async () => {
    const moved = fill(path.join(src, 'many'), 'f', 1000, 4096) + fill(path.join(src, 'movedir'), 'm', 1000, 4096);
    await converged('1,000 + 1,000 files created');
    await quiet();
    await daemonSettled(site);
    const before = daemonReceived(site);
    const mark = agent.lines.length;
    for (let i = 0; i < 1000; i++)
      fs.renameSync(path.join(src, 'many', `f${i}`), path.join(src, 'many', `renamed${i}`));
    fs.renameSync(path.join(src, 'movedir'), path.join(src, 'movedir2'));
    await converged('renamed and moved');
    await quiet();
    assert.equal(fs.existsSync(path.join(dst, 'movedir')), false, 'the old place is gone remotely');
    assert.equal(fs.existsSync(path.join(dst, 'many', 'f0')), false, 'old names are gone remotely');
    await daemonSettled(site);
    const received = daemonReceived(site) - before;
    assert.ok(received > 0, 'the daemon logged what it received');
    assert.ok(
      received < moved * 0.1,
      // The agent's lines since the renames (its debug lines: the watcher's messages, the cuts, the
      // commands, cut short): in one CI run a move batch of its own reported 7.3 MiB sent, and
      // the batch lines alone did not say which paths each batch held.
      `the daemon received ${received} bytes for ${moved} bytes renamed or moved:\n${agent.lines
        .slice(mark)
        .filter((l) => !l.endsWith('watcher: 0 events'))
        .map((l) => l.slice(0, 300))
        .join('\n')}`,
    );
  });

  it('a moved directory changed on the way still arrives exactly as it is now', async () => {
    fill(path.join(src, 'box'), 'b');
    await converged('box created');
    fs.renameSync(path.join(src, 'box'), path.join(src, 'box2'));
    fs.writeFileSync(path.join(src, 'box2', 'b3'), 'rewritten after the move\n');
    fs.unlinkSync(path.join(src, 'box2', 'b4'));
    await converged('box moved and changed');
    assert.equal(fs.readFileSync(path.join(dst, 'box2', 'b3'), 'utf8'), 'rewritten after the move\n');
    assert.equal(fs.existsSync(path.join(dst, 'box2', 'b4')), false);
  });
});

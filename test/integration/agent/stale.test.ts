import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * rsync's quick check (same size and same mtime, to the second, means "unchanged") is wrong for
 * a path we know has changed: these rewrites keep size and mtime, so a batch run that trusts the
 * quick check leaves the remote stale for good while logging success. Content is compared.
 */
describe('changed content always ships, whatever its size and mtime', () => {
  let site: Site;
  let src: string;
  let dst: string;
  let agent: AgentProcess;

  const remoteHas = (rel: string, content: string, what: string): Promise<void> =>
    waitFor(() => fs.existsSync(path.join(dst, rel)) && fs.readFileSync(path.join(dst, rel), 'utf8') === content, {
      timeoutMs: 60_000,
      what,
    }).catch((err: Error) => {
      const got = fs.existsSync(path.join(dst, rel))
        ? JSON.stringify(fs.readFileSync(path.join(dst, rel), 'utf8'))
        : 'missing';
      throw new Error(
        `${err.message}: remote ${rel} holds ${got}, source ${JSON.stringify(content)}\n--- agent log tail:\n${agent.lines.slice(-10).join('\n')}`,
      );
    });

  before(async () => {
    site = await startSite('stale');
    ({ src, dst } = site);
    agent = await startAgentOn(site, { commonParams: '-artz' });
  });

  after(async () => {
    const code = await agent?.stop();
    await site?.close();
    assert.equal(code, 0, 'agent exits 0 on SIGTERM');
  });

  it('same-size rewrites 0.3 s apart (within one second of the last sync) all arrive', async () => {
    const f = path.join(src, 'f.txt');
    for (let round = 0; round < 10; round++) {
      const a = `AAAA${String(round).padStart(2, '0')}`;
      const b = `BBBB${String(round).padStart(2, '0')}`;
      fs.writeFileSync(f, a);
      await remoteHas('f.txt', a, `round ${round}: first write`);
      // Same size; usually the same second as the mtime the remote now holds.
      fs.writeFileSync(f, b);
      await remoteHas('f.txt', b, `round ${round}: same-size rewrite`);
    }
  });

  it('a same-size file whose old mtime is restored (cp -p, tar x, rsync -a into the tree) arrives', async () => {
    const f = path.join(src, 'kept-mtime.txt');
    fs.writeFileSync(f, 'version-one');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(f, old, old);
    await remoteHas('kept-mtime.txt', 'version-one', 'first version');
    assert.equal(
      Math.floor(fs.statSync(path.join(dst, 'kept-mtime.txt')).mtimeMs / 1000),
      Math.floor(old.getTime() / 1000),
      'the remote holds the old mtime',
    );
    fs.writeFileSync(f, 'version-two');
    fs.utimesSync(f, old, old);
    await remoteHas('kept-mtime.txt', 'version-two', 'same size, mtime restored');
  });

  it('a file replaced by rename of a same-size, same-mtime temp file (how editors and deploy tools write) arrives', async () => {
    const f = path.join(src, 'deployed.conf');
    fs.writeFileSync(f, 'listen 8080;\n');
    const st = fs.statSync(f);
    await remoteHas('deployed.conf', 'listen 8080;\n', 'first version');
    const tmpFile = path.join(src, '.deployed.conf.tmp');
    fs.writeFileSync(tmpFile, 'listen 9090;\n');
    fs.utimesSync(tmpFile, st.atime, st.mtime);
    fs.renameSync(tmpFile, f);
    await remoteHas('deployed.conf', 'listen 9090;\n', 'replaced by rename');
    await waitFor(() => !fs.existsSync(path.join(dst, '.deployed.conf.tmp')), {
      timeoutMs: 60_000,
      what: 'the temp file never lingers on the remote',
    });
  });
});

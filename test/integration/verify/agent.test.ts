import { after, before, describe, it } from 'node:test';
import type { StatusDocument } from '../../../src/daemon/status-doc.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { batchesQuiet, startAgentOn, whileStopped, type AgentProcess, type ConfigSpec } from '../../helpers/agent.js';
import { httpGet } from '../../helpers/receivers.js';
import { abs, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { editRemoteInvisibly, mirror, put, verifyCli } from '../../helpers/verify.js';

const get = async (url: string): Promise<string> => (await httpGet(url)).body;

/** Drift made on the remote behind the agent's back; the edit keeps size and mtime (the quick check cannot see it). */
function drift(dst: string): void {
  editRemoteInvisibly(path.join(dst, 'a.txt'), 'SOURCE A');
  put(dst, 'extra.txt', 'remote only');
  fs.rmSync(path.join(dst, 'd/b.txt'));
}

describe('verify in a running agent', () => {
  let site: Site,
    tmp: string,
    src: string,
    dst: string,
    daemon: RsyncDaemon,
    agent: AgentProcess | null = null,
    statusPort: number;
  const spec = (extraSersync: string): ConfigSpec => ({
    watch: src,
    remotes: [{ module: 'www' }],
    port: daemon.port,
    passwordFile: daemon.passwordFile,
    statusPort,
    extraSersync,
  });
  const metrics = (): Promise<string> => get(`http://127.0.0.1:${statusPort}/metrics`);
  const status = async (): Promise<StatusDocument> =>
    JSON.parse(await get(`http://127.0.0.1:${statusPort}/status`)) as StatusDocument;
  const driftGauge = (text: string): number | null => {
    const m = new RegExp(
      `^sersync_verify_drift_paths\\{root="${src}",remote="127\\.0\\.0\\.1::www"\\} (\\d+)$`,
      'm',
    ).exec(text);
    return m ? Number(m[1]) : null;
  };

  before(async () => {
    site = await startSite('verify-agent');
    ({ tmp, src, dst, daemon } = site);
    put(src, 'a.txt', 'source a');
    put(src, 'd/b.txt', 'source b');
    await mirror(src, daemon);
    statusPort = await freePort();
  });
  after(() => site.close());

  it('<verify schedule="0.05" repair="false">: drift in /metrics and /status and a warning line naming the paths; nothing repaired', async () => {
    drift(dst);
    const before = Math.floor(Date.now() / 1000);
    agent = await startAgentOn(site, spec('<verify schedule="0.05" repair="false"/>'));
    const warn = await agent.waitForLine(/\[verify\] verify .* drifted/, 30_000);
    assert.match(
      warn,
      / WARN {2}\[verify\] verify .*src -> 127\.0\.0\.1::www: 3 paths drifted \(1 differ, 1 missing, 1 extra\): 'a\.txt' 'd\/b\.txt' 'extra\.txt'; not repaired \(<verify repair="false">/,
    );
    let text = '';
    await waitFor(async () => driftGauge((text = await metrics())) === 3, { what: 'the drift gauge at 3' });
    const ts = Number(/^sersync_verify_last_run_timestamp_seconds (\d+)$/m.exec(text)?.[1]);
    assert.ok(ts >= before && ts <= Math.floor(Date.now() / 1000), `last run at ${ts}`);
    const v = (await status()).verify;
    assert.ok(v);
    assert.equal(v.repair, false);
    assert.deepEqual(
      v.remotes.map((r) => [r.remote, r.result, r.differs, r.missing, r.extra, r.firstPaths]),
      [['127.0.0.1::www', 'drift', 1, 1, 1, { differs: ['a.txt'], missing: ['d/b.txt'], extra: ['extra.txt'] }]],
    );
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'SOURCE A', 'report only');
    assert.equal(await agent.stop(), 0);
    agent = null;
  });

  it('<verify schedule="0.05">: the drift is repaired through the lane, and the next run finds the mirror identical', async () => {
    agent = await startAgentOn(site, spec('<verify schedule="0.05"/>'));
    await agent.waitForLine(/3 paths drifted .*; repairing them through the lane/, 30_000);
    await waitForMirror(src, dst, 'the scheduled verify repairs the drift', { log: () => agent!.lines });
    await waitFor(async () => driftGauge(await metrics()) === 0, {
      what: 'a later run finds no drift',
      timeoutMs: 30_000,
    });
    const lane = (await status()).verify?.remotes[0];
    assert.equal(lane?.result, 'identical');
    assert.ok(
      agent.lines.some((l) => /\[verify\] verify: repair .* 3 paths through the lane: delivered/.test(l)),
      agent.lines.slice(-20).join('\n'),
    );
    assert.equal(await agent.stop(), 0);
    agent = null;
  });

  it('verify --repair while an agent runs: the agent does the repair (POST /repair), non-UTF-8 and newline names included', async () => {
    agent = await startAgentOn(site, spec(''));
    drift(dst);
    // One delivery of the write (whileStopped): a second send would put back the file removed below.
    await whileStopped(agent, () => fs.writeFileSync(abs(src, 'bad\xffbyte'), 'missing on the remote'));
    fs.writeFileSync(abs(dst, 'new\nline'), 'extra on the remote');
    // The agent sends bad\xffbyte by itself (it saw it being written): wait, then remove it remotely again.
    await waitFor(() => fs.existsSync(abs(dst, 'bad\xffbyte')), { what: 'the agent syncs the new file' });
    await batchesQuiet(agent);
    fs.rmSync(abs(dst, 'bad\xffbyte'));
    const conf = path.join(tmp, 'confxml.xml');
    const r = await verifyCli(conf, ['--repair']);
    assert.equal(r.code, 0, [...r.out, ...r.err, ...agent.lines.slice(-10)].join('\n'));
    assert.ok(
      r.out.includes(
        `repair ${src} -> 127.0.0.1::www: 5 paths through the agent on http://127.0.0.1:${statusPort}: delivered`,
      ),
      r.out.join('\n'),
    );
    assert.match(r.out.join('\n'), /\$'bad\\xffbyte'[\s\S]*\$'new\\nline'/);
    assert.match(r.out.at(-1)!, /: identical \(/);
    await waitForMirror(src, dst, 'the agent repaired it');
    assert.ok(
      agent.lines.some((l) => /-> 127\.0\.0\.1::www: 5 paths, exit 0/.test(l)),
      'the agent ran the repair batch',
    );
  });
});

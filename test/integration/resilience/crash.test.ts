import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { startSite } from '../../helpers/rsyncd.js';
import { runAgentOn, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { abs, diffTrees, snapshot, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { parseFailLog } from '../../../src/faillog/record.js';

const converge = (
  src: string,
  dst: string,
  agent: AgentProcess | null,
  what: string,
  timeoutMs = 60_000,
): Promise<void> => waitForMirror(src, dst, what, { timeoutMs, log: () => agent?.lines ?? [] });

/**
 * Writes `n` files from a separate process; resolves when it is done. As fast as it can, or with
 * `pauseMs` after every 100 files, so that the burst is still being written when its first
 * batch ends (a burst written all at once can be shipped whole in that first batch).
 */
function burst(dir: string, n: number, prefix: string, pauseMs = 0): Promise<void> {
  const write = `const d=${JSON.stringify(dir)}+'/${prefix}'+(i%50);fs.mkdirSync(d,{recursive:true});fs.writeFileSync(d+'/f'+i,'burst '+i)`;
  const script =
    pauseMs === 0
      ? `const fs=require('fs');for(let i=0;i<${n};i++){${write}}`
      : `const fs=require('fs');let i=0;const go=()=>{for(const end=Math.min(i+100,${n});i<end;i++){${write}}if(i<${n})setTimeout(go,${pauseMs})};go()`;
  return new Promise((resolve, reject) =>
    spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', (c) =>
      c === 0 ? resolve() : reject(new Error(`burst writer exit ${c}`)),
    ),
  );
}

describe('crash safety', () => {
  it('kill -9 during a 5,000-file burst, restart without -r: the remote converges', async (t) => {
    const site = await startSite('kill9', { t });
    const { src, dst } = site;
    const first = await startAgentOn(site);
    const writing = burst(src, 5000, 'k', 20); // 50 rounds of 100 files, 20 ms apart: about 1-2 s
    await waitFor(() => first.batchLines().length > 0, { what: 'a first batch during the burst' });
    first.child.kill('SIGKILL');
    await first.exited;
    await writing;
    assert.notEqual(
      diffTrees(snapshot(src), snapshot(dst)).length,
      0,
      'the kill left the remote behind (else this test proves nothing)',
    );
    const second = await startAgentOn(site); // no -r
    await converge(src, dst, second, 'after restart');
    assert.ok(second.lines.some((l) => /did not stop cleanly/.test(l)));
    assert.equal(await second.stop(), 0);
  });

  it('SIGTERM during a burst, then a restart: the remote converges', async (t) => {
    const site = await startSite('term', { t });
    const { src, dst, daemon } = site;
    const first = await startAgentOn(site);
    await daemon.stop(); // so there is something pending to persist at SIGTERM
    await burst(src, 2000, 't');
    await waitFor(() => first.lines.some((l) => /exit 10/.test(l)), { what: 'a failed batch' });
    assert.equal(await first.stop(), 0);
    assert.ok(
      first.lines.some((l) => /stopped with \d+ path\(s\) not yet synced/.test(l)),
      first.lines.slice(-5).join('\n'),
    );
    await daemon.start();
    const second = await startAgentOn(site);
    await converge(src, dst, second, 'after restart');
    assert.ok(
      second.lines.some((l) =>
        /journaled by the last run are synced again|entr(y|ies) from earlier runs will be replayed/.test(l),
      ),
    );
    assert.equal(
      second.lines.some((l) => /did not stop cleanly/.test(l)),
      false,
      'a SIGTERM stop is clean',
    );
    assert.equal(await second.stop(), 0);
  });
});

describe('the fail log as a script an operator runs by hand', () => {
  it('sh on the fail log converges the remote and runs no file name', async (t) => {
    const site = await startSite('byhand', { t });
    const { tmp, src, dst, daemon } = site;
    const failLog = path.join(tmp, 'rsync_fail_log.sh');
    const agent = await startAgentOn(site);
    await daemon.stop();
    const names = [
      'plain.txt',
      `q'u"o\`touch PWNED\`te`,
      `dollar $(touch PWNED)`,
      'new\nline',
      '-dash',
      '中文.txt',
    ].map((n) => Buffer.from(n).toString('latin1'));
    names.push(Buffer.from([0x6e, 0xff, 0xfe]).toString('latin1'));
    for (const n of names) fs.writeFileSync(abs(src, n), 'x');
    await waitFor(
      () =>
        fs.existsSync(failLog) &&
        (parseFailLog(fs.readFileSync(failLog)).records[0]?.paths.length ?? 0) >= names.length,
      { timeoutMs: 40_000, what: 'fail log holding every name' },
    );
    // The operator stops the agent and runs the script by hand once the remote is back.
    assert.equal(await agent.stop(), 0);
    await daemon.start();
    execFileSync('sh', [failLog], { cwd: tmp, stdio: 'pipe' });
    await converge(src, dst, null, 'after sh fail log');
    for (const dir of [src, dst, tmp])
      assert.equal(fs.existsSync(path.join(dir, 'PWNED')), false, `nothing ran (${dir})`);
  });
});

describe('an unsafe or damaged fail log', () => {
  const refuse = async (prepare: (failLog: string, tmp: string) => void, expect: RegExp): Promise<void> => {
    const site = await startSite('unsafe');
    try {
      const { tmp } = site;
      const failLog = path.join(tmp, 'rsync_fail_log.sh');
      prepare(failLog, tmp);
      const a = runAgentOn(site, { failLog }, [], { file: 'c.xml' });
      assert.equal(await a.exited, 78);
      assert.ok(
        a.lines.some((l) => expect.test(l)),
        a.lines.join('\n'),
      );
    } finally {
      await site.close();
    }
  };
  it('a world-writable fail log is refused (exit 78)', () =>
    refuse((f) => {
      fs.writeFileSync(f, '#!/bin/sh\n');
      fs.chmodSync(f, 0o666);
    }, /refusing the fail log .*writable by group or others \(mode 666\)/));
  it('a symlinked fail log is refused (exit 78)', () =>
    refuse((f, tmp) => {
      fs.writeFileSync(path.join(tmp, 'elsewhere'), '');
      fs.symlinkSync(path.join(tmp, 'elsewhere'), f);
    }, /refusing the fail log .*is a symlink/));
  it('a fail log owned by another user is refused (exit 78)', () =>
    refuse((f) => {
      fs.writeFileSync(f, '#!/bin/sh\n', { mode: 0o600 });
      fs.chownSync(f, 4242, 4242);
    }, /refusing the fail log .*owned by uid 4242/));

  it('a corrupt entry is skipped with a warning; the others still replay; old sersync entries are counted, never run', async (t) => {
    const site = await startSite('corrupt', { t });
    const { tmp, src, dst } = site;
    const failLog = path.join(tmp, 'rsync_fail_log.sh');
    fs.writeFileSync(path.join(src, 'from-faillog.txt'), 'replayed');
    const good = {
      time: new Date().toISOString(),
      root: src,
      remote: '127.0.0.1::www',
      exitCode: 10,
      reason: 'test',
      full: false,
      paths: ['from-faillog.txt'],
      argv: ['-a'],
    };
    fs.writeFileSync(
      failLog,
      [
        '#!/bin/sh',
        '# sersync-ts-fail v1 {"time": broken json',
        'true',
        `# sersync-ts-fail v1 ${JSON.stringify(good)}`,
        'true',
        '#errno 2560',
        `cd ${tmp} && touch ${path.join(tmp, 'LEGACY_RAN')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const agent = await startAgentOn(site, { failLog });
    await waitFor(() => fs.existsSync(path.join(dst, 'from-faillog.txt')), { what: 'the good entry replayed' });
    assert.ok(
      agent.lines.some((l) => /rsync_fail_log\.sh:2: corrupt fail log record skipped/.test(l)),
      agent.lines.join('\n'),
    );
    assert.ok(agent.lines.some((l) => /1 old sersync entry \("#errno N"\).* not run automatically/.test(l)));
    assert.equal(fs.existsSync(path.join(tmp, 'LEGACY_RAN')), false);
    await agent.stop();
    const after = fs.readFileSync(failLog, 'utf8');
    assert.match(after, /# touch|# cd /, 'the legacy command is kept, commented out');
    void converge;
  });
});

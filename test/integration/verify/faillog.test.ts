import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRsyncDaemon, type RsyncDaemon } from '../../helpers/rsyncd.js';
import { configXml, startAgent, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { loadConfig } from '../../../src/config/load.js';
import { FailLogStore } from '../../../src/faillog/store.js';
import { FairSlots } from '../../../src/lane/slots.js';
import { RsyncRunner } from '../../../src/rsync/runner.js';
import { systemClock } from '../../../src/shared/clock.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { compareLane, type CompareDeps } from '../../../src/verify/compare.js';
import { repairLocally } from '../../../src/verify/local-repair.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { mirror } from '../../helpers/verify.js';

describe('verify --repair without an agent: what cannot be delivered goes to the fail log, and the agent replays it', () => {
  let tmp: string, src: string, dst: string, daemon: RsyncDaemon, agent: AgentProcess | null = null;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-verify-faillog-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'd'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'source a');
    fs.writeFileSync(path.join(src, 'd/b.txt'), 'source b');
    daemon = await startRsyncDaemon(tmp, ['www']);
    dst = daemon.modules['www']!;
    await mirror(src, daemon);
  });
  after(async () => {
    await agent?.stop();
    await daemon.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the remote goes down between the comparison and the repair: the lane goes down, the fail log holds the paths, the agent delivers them', async () => {
    fs.writeFileSync(path.join(dst, 'a.txt'), 'remote edit, longer');
    fs.rmSync(path.join(dst, 'd/b.txt'));
    const spec = { watch: src, remotes: [{ module: 'www' }], port: daemon.port, passwordFile: daemon.passwordFile, timeoutSec: 5 };
    const conf = path.join(tmp, 'confxml.xml');
    fs.writeFileSync(conf, configXml(spec));
    const config = (await loadConfig(conf)).config!;
    const log = memoryLogger();
    const deps: CompareDeps = { config, runner: new RsyncRunner(systemClock), slots: () => ({ run: (fn) => fn() }), filter: compileFilter([]), protect: [], tmpDir: tmp, clock: systemClock, logger: log };
    const root = config.roots[0]!;
    const { verdict, repair } = await compareLane(deps, root, root.remotes[0]!);
    assert.equal(verdict.kind, 'checked');
    assert.deepEqual(repair, [
      { path: 'a.txt', kind: 'path' },
      { path: 'd/b.txt', kind: 'path' },
    ]);

    await daemon.stop();
    const failLog = await FailLogStore.open(config.failLog.path, log);
    const [outcome] = await repairLocally({ ...deps, slots: new FairSlots(4, 1), failLog }, [{ root, remote: root.remotes[0]!, entries: repair }]);
    assert.equal(outcome!.delivered, false);
    assert.equal(outcome!.state, 'down');
    const reread = await FailLogStore.open(config.failLog.path, memoryLogger());
    assert.deepEqual(
      reread.records().map((r) => [r.root, r.remote, [...r.paths].sort()]),
      [[src, '127.0.0.1::www', ['a.txt', 'd/b.txt']]],
    );

    await daemon.start();
    agent = await startAgent(tmp, spec);
    await waitForMirror(src, dst, 'the agent replays the fail log the repair wrote', { log: () => agent!.lines });
  });
});

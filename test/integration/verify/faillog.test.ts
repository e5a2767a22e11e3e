import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn, writeConfig, type AgentProcess } from '../../helpers/agent.js';
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
  let site: Site,
    tmp: string,
    src: string,
    dst: string,
    daemon: RsyncDaemon,
    agent: AgentProcess | null = null;
  before(async () => {
    site = await startSite('verify-faillog');
    ({ tmp, src, dst, daemon } = site);
    fs.mkdirSync(path.join(src, 'd'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'source a');
    fs.writeFileSync(path.join(src, 'd/b.txt'), 'source b');
    await mirror(src, daemon);
  });
  after(() => site.close());

  it('the remote goes down between the comparison and the repair: the lane goes down, the fail log holds the paths, the agent delivers them', async () => {
    fs.writeFileSync(path.join(dst, 'a.txt'), 'remote edit, longer');
    fs.rmSync(path.join(dst, 'd/b.txt'));
    const spec = { timeoutSec: 5 };
    const conf = writeConfig(tmp, { ...site.spec, ...spec });
    const config = (await loadConfig(conf)).config!;
    const log = memoryLogger();
    const deps: CompareDeps = {
      config,
      runner: new RsyncRunner(systemClock),
      slots: () => ({ run: (fn) => fn() }),
      filter: compileFilter([]),
      protect: [],
      tmpDir: tmp,
      clock: systemClock,
      logger: log,
    };
    const root = config.roots[0]!;
    const { verdict, repair } = await compareLane(deps, root, root.remotes[0]!);
    assert.equal(verdict.kind, 'checked');
    assert.deepEqual(repair, [
      { path: 'a.txt', kind: 'path' },
      { path: 'd/b.txt', kind: 'path' },
    ]);

    await daemon.stop();
    const failLog = await FailLogStore.open(config.failLog.path, log);
    const [outcome] = await repairLocally({ ...deps, slots: new FairSlots(4, 1), failLog }, [
      { root, remote: root.remotes[0]!, entries: repair },
    ]);
    assert.equal(outcome!.delivered, false);
    assert.equal(outcome!.state, 'down');
    const reread = await FailLogStore.open(config.failLog.path, memoryLogger());
    assert.deepEqual(
      reread.records().map((r) => [r.root, r.remote, [...r.paths].sort()]),
      [[src, '127.0.0.1::www', ['a.txt', 'd/b.txt']]],
    );

    await daemon.start();
    agent = await startAgentOn(site, spec);
    await waitForMirror(src, dst, 'the agent replays the fail log the repair wrote', { log: () => agent!.lines });
  });
});

import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LaneFleet } from '../../../src/daemon/fleet.js';
import type { LaneListener } from '../../../src/lane/lane.js';
import { MoveHints } from '../../../src/lane/move-hints.js';
import { earlyProbeTargets, probeRemote } from '../../../src/rsync/probe.js';
import { RsyncRunner } from '../../../src/rsync/runner.js';
import { ExitError } from '../../../src/shared/errors.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import { compileFilter } from '../../../src/watch/filter.js';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { testConfig } from '../../helpers/config.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A fixture rsync (an executable, not a mock): records each call's last argument (the target),
 * answers a probe of module `bad` as an unknown module (exit 5), of `pwfile` as this host's
 * password file being other-readable (exit 1), of `down` with a refused connection (exit 10),
 * anything else with exit 0.
 */
function fixtureRsync(dir: string): { bin: string; calls: () => string[] } {
  const bin = path.join(dir, 'rsync-fixture');
  const log = path.join(dir, 'calls');
  fs.writeFileSync(
    bin,
    `#!/bin/sh
for a in "$@"; do last="$a"; done
echo "$last" >> '${log}'
cat >/dev/null
case "$last" in
  *::bad*) echo "@ERROR: Unknown module 'bad'" >&2; exit 5 ;;
  *::pwfile*) echo "ERROR: password file must not be other-accessible" >&2; exit 1 ;;
  *::down*) echo "rsync: failed to connect to 127.0.0.1: Connection refused (111)" >&2; exit 10 ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  return { bin, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('LaneFleet: the lanes, their -n slots, the probes', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-fleet-'));
    // Not empty: a full sync of an empty root is refused (delete-safety/safety.ts).
    for (const d of ['a', 'b']) {
      fs.mkdirSync(path.join(tmp, d));
      fs.writeFileSync(path.join(tmp, d, 'x'), d);
    }
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function fleet(modules: string[]) {
    const rsync = fixtureRsync(tmp);
    const config = testConfig({
      watch: [path.join(tmp, 'a'), path.join(tmp, 'b')],
      remotes: modules.map((module) => ({ module })),
      failLog: path.join(tmp, 'fail.sh'),
    });
    const clock = new SteppingClock();
    const events: string[] = [];
    const listener: LaneListener = {
      batchDone: (l, r) =>
        events.push(`${path.basename(l.root.path)} -> ${l.remote.module}: ${r.full ? 'full' : r.paths} ok=${r.ok}`),
      delivered: () => undefined,
      failed: () => undefined,
      cleared: () => undefined,
    };
    const f = new LaneFleet({
      config,
      runner: new RsyncRunner(clock, rsync.bin),
      clock,
      logger: memoryLogger(),
      maxRsync: 2,
      filter: compileFilter([]),
      protect: [],
      moves: config.roots.map(() => new MoveHints()),
      tmpDir: tmp,
      listener,
    });
    return { f, rsync, events, config };
  }

  it('one lane per root and remote, in config order; found by root path and remote label', () => {
    const { f, config } = fleet(['m1', 'm2']);
    assert.deepEqual(
      f.byRoot.map((ls) => ls.map((l) => `${path.basename(l.root.path)}:${l.remote.module}`)),
      [
        ['a:m1', 'a:m2'],
        ['b:m1', 'b:m2'],
      ],
    );
    assert.equal(f.laneFor(config.roots[1]!.path, '127.0.0.1::m2'), f.byRoot[1]![1]);
    assert.equal(f.laneFor(config.roots[1]!.path, '127.0.0.1::nope'), undefined);
    assert.equal(f.keys().size, 4);
    f.stop();
  });

  it('probeAll: each remote once (two roots share it); unreachable is only logged', async () => {
    const { f, rsync } = fleet(['m1', 'down']);
    await f.probeAll();
    assert.deepEqual(rsync.calls().sort(), ['127.0.0.1::down/', '127.0.0.1::m1/']);
    f.stop();
  });

  it("probeAll: a module the receiver refuses is the receiver's problem: its lanes start refused, the others run", async () => {
    const { f } = fleet(['m1', 'bad']);
    try {
      await f.probeAll();
      const states = f
        .statuses()
        .flat()
        .map((l) => `${l.remote}: ${l.state}`);
      assert.deepEqual(states, [
        '127.0.0.1::m1: idle',
        '127.0.0.1::bad: refused',
        '127.0.0.1::m1: idle',
        '127.0.0.1::bad: refused',
      ]);
      assert.match(f.statuses()[0]![1]!.lastError ?? '', /refused: @ERROR: Unknown module 'bad'/);
    } finally {
      f.stop();
    }
  });

  it("probeAll: this host's own setup (its password file) is a config error (exit 78) naming the remote", async () => {
    const { f } = fleet(['m1', 'pwfile']);
    try {
      await assert.rejects(
        f.probeAll(),
        (err: unknown) =>
          err instanceof ExitError &&
          err.exitCode === 78 &&
          /remote 127\.0\.0\.1 module "pwfile": ERROR: password file must not be other-accessible/.test(
            err.lines.join('\n'),
          ),
      );
    } finally {
      f.stop();
    }
  });

  it('probeAll with early probes (cli/early-start.ts): their answers count as its own, not probed again; the rest after them', async () => {
    const { f, rsync, config } = fleet(['m1', 'bad']);
    try {
      const bad = config.roots[0]!.remotes[1]!;
      let begin!: () => void;
      const gate = new Promise<void>((r) => (begin = r));
      // Begun before the fleet existed, through the same rsync; it answers when the test says.
      const early = gate.then(() => probeRemote(new RsyncRunner(new SteppingClock(), rsync.bin), config.rsync, bad));
      const all = f.probeAll(new Map([[bad.label, early]]));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(rsync.calls(), [], 'no probe in the slots while an early one runs outside them');
      begin();
      await all;
      assert.deepEqual(rsync.calls().sort(), ['127.0.0.1::bad/', '127.0.0.1::m1/'], 'each remote once');
      assert.deepEqual(
        f.statuses()[0]!.map((l) => `${l.remote}: ${l.state}`),
        ['127.0.0.1::m1: idle', '127.0.0.1::bad: refused'],
        "the early probe's refusal blocks its lanes",
      );
    } finally {
      f.stop();
    }
  });

  it('earlyProbeTargets: the first remote of each host, none over ssh', () => {
    const remotes = (...ips: string[]) => ips.map((ip, i) => ({ ip, module: `m${i}`, label: `${ip}::m${i}` }));
    const roots = [{ remotes: remotes('10.0.0.1', '10.0.0.2') }, { remotes: remotes('10.0.0.1', '10.0.0.3') }];
    const { config } = fleet(['m1']);
    assert.deepEqual(
      earlyProbeTargets(roots, config.rsync).map((r) => r.label),
      ['10.0.0.1::m0', '10.0.0.2::m1', '10.0.0.3::m1'],
    );
    assert.deepEqual(earlyProbeTargets(roots, { ...config.rsync, ssh: true }), []);
  });

  it('work for a root goes to every lane of that root, and only there; a full sync too', async () => {
    const { f, events } = fleet(['m1', 'm2']);
    f.enqueue(1, [{ path: 'x', kind: 'path' }]);
    f.fullSync(0, 'test');
    await waitFor(() => events.length === 4, { what: 'four batches' });
    await f.whenIdle();
    assert.deepEqual(events.sort(), [
      'a -> m1: full ok=true',
      'a -> m2: full ok=true',
      'b -> m1: 1 ok=true',
      'b -> m2: 1 ok=true',
    ]);
    assert.equal(f.idle, true);
    assert.equal(f.pendingPaths, 0);
    f.stop();
  });

  it('paused lanes keep what they get and send it on resume; whenSettled waits for them', async () => {
    const { f, events } = fleet(['m1']);
    await f.pause();
    f.enqueue(0, [{ path: 'kept', kind: 'path' }]);
    assert.equal(f.pendingPaths, 1);
    assert.deepEqual(f.undelivered(0), [{ fullSync: false, entries: [{ path: 'kept', kind: 'path' }] }]);
    assert.equal(f.statuses()[0]![0]!.pendingPaths, 1);
    f.resume();
    await f.whenSettled();
    await waitFor(() => events.length === 1);
    assert.deepEqual(events, ['a -> m1: 1 ok=true']);
    f.stop();
    assert.equal(f.statuses()[0]![0]!.state, 'stopped');
  });
});

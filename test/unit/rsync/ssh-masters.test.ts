import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SteppingClock } from '../../helpers/fake-clock.js';
import { sshWords } from '../../../src/rsync/args.js';
import { hostTag } from '../../../src/rsync/ssh-control-dir.js';
import { SshMasters, type PoolMaster, type SshMastersSeams } from '../../../src/rsync/ssh-masters.js';
import { memoryLogger } from '../../../src/shared/logger.js';
import type { Remote, RsyncConfig } from '../../../src/config/types.js';

const rsync: RsyncConfig = { commonParams: ['-artz'], auth: null, port: 2222, timeoutSec: null, ssh: true };
const remote = (ip: string, dir: string): Remote => ({ ip, module: dir, label: `${ip}:${dir}` });
const A = remote('10.0.0.5', '/srv/a');
const B = remote('10.0.0.5', '/srv/b');
const C = remote('10.0.0.6', '/srv/c');
/** Above Linux's largest pid (PID_MAX_LIMIT, 2^22): never a live process. */
const DEAD_PID = 4_194_305;

/** A master that records what the pool asks of it; stop() resolves when the test says. */
class FakeMaster implements PoolMaster {
  starts = 0;
  stops = 0;
  stopped = false;
  private release: () => void = () => {};
  private readonly done = new Promise<void>((r) => (this.release = r));

  constructor(
    readonly host: string,
    readonly socket: string,
    private readonly events: string[],
    private readonly holdStop: boolean,
  ) {}

  start(): void {
    this.starts++;
    this.events.push(`start ${this.host}`);
  }

  async stop(): Promise<void> {
    this.stops++;
    if (this.holdStop) await this.done;
    this.stopped = true;
  }

  finishStop(): void {
    this.release();
  }
}

/** The seams, recording every master made and every orphan ended, in order, in `events`. */
function fakes(holdStop = false): Required<SshMastersSeams> & { made: FakeMaster[]; events: string[] } {
  const made: FakeMaster[] = [];
  const events: string[] = [];
  return {
    made,
    events,
    newMaster: (r, socket) => {
      const m = new FakeMaster(r.ip, socket, events, holdStop);
      made.push(m);
      return m;
    },
    endOrphan: async (r, socket) => void events.push(`end ${r.ip} ${path.basename(socket)}`),
  };
}

/** What rsync's `-e` carries after the base options: the lane's way into the master. */
const joinWords = (r: Remote, pool: SshMasters): string[] =>
  sshWords(rsync, pool.control(r)).slice(sshWords(rsync).length);

describe('SshMasters: one ssh master per remote host, its socket in every rsync to that host', () => {
  let tmp: string, stateDir: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-ssh-masters-'));
    stateDir = path.join(tmp, 'state');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const pool = (seams: SshMastersSeams, remotes = [A, B, C], dir = stateDir, log = memoryLogger()): SshMasters =>
    new SshMasters(rsync, remotes, dir, log, new SteppingClock(), seams);

  it('keyed by host: two remotes on one host share one master, another host gets its own, each started once', async () => {
    const f = fakes();
    const p = pool(f);
    await p.start();
    assert.deepEqual(
      f.made.map((m) => [m.host, m.starts]),
      [
        ['10.0.0.5', 1],
        ['10.0.0.6', 1],
      ],
    );
    assert.deepEqual(p.list(), f.made);
    const [m5, m6] = f.made as [FakeMaster, FakeMaster];
    assert.equal(path.dirname(m5.socket), path.join(stateDir, 'ssh'));
    assert.match(path.basename(m5.socket), new RegExp(`^${hostTag('10.0.0.5', 2222)}-${process.pid}-\\d+$`));
    assert.match(path.basename(m6.socket), new RegExp(`^${hostTag('10.0.0.6', 2222)}-${process.pid}-\\d+$`));
    assert.deepEqual(joinWords(A, p), ['-o', 'ControlMaster=no', '-o', `ControlPath=${m5.socket}`]);
    assert.deepEqual(joinWords(B, p), ['-o', 'ControlMaster=no', '-o', `ControlPath=${m5.socket}`]);
    assert.deepEqual(joinWords(C, p), ['-o', 'ControlMaster=no', '-o', `ControlPath=${m6.socket}`]);
    assert.deepEqual(joinWords(remote('10.0.0.9', '/x'), p), [], 'a host the pool does not know: no master');
  });

  it('the control a lane holds follows start and stop: no socket before, the master’s while up, none after', async () => {
    const f = fakes();
    const p = pool(f);
    const held = p.control(B);
    assert.equal(held.controlPath, null, 'before start every rsync logs in on its own');
    assert.deepEqual(joinWords(B, p), []);
    await p.start();
    assert.equal(held.controlPath, f.made[0]!.socket);
    await p.stop();
    assert.equal(held.controlPath, null);
    assert.deepEqual(joinWords(B, p), []);
  });

  it('stop(): the sockets leave the lanes’ args at once, every master is stopped, and it waits for them all', async () => {
    const f = fakes(true);
    const p = pool(f);
    await p.start();
    let returned = false;
    const stopping = p.stop().then(() => (returned = true));
    assert.equal(p.control(A).controlPath, null, 'an rsync starting now must not join a master that is closing');
    assert.equal(p.control(C).controlPath, null);
    assert.deepEqual(
      f.made.map((m) => m.stops),
      [1, 1],
    );
    f.made[0]!.finishStop();
    await new Promise((r) => setImmediate(r));
    assert.equal(returned, false, 'one master is still closing');
    f.made[1]!.finishStop();
    await stopping;
    assert.ok(f.made.every((m) => m.stopped));
  });

  it('two pools at once (a config reload): the same host gets two sockets, never a shared one', async () => {
    const f1 = fakes();
    const f2 = fakes();
    await pool(f1, [A]).start();
    await pool(f2, [A]).start();
    assert.equal(path.dirname(f1.made[0]!.socket), path.dirname(f2.made[0]!.socket));
    assert.notEqual(f1.made[0]!.socket, f2.made[0]!.socket);
  });

  it('a socket directory that is not safe (a symlink): no master, rsync logs in on its own, one warning', async () => {
    fs.mkdirSync(stateDir);
    fs.mkdirSync(path.join(tmp, 'elsewhere'), { mode: 0o700 });
    fs.symlinkSync(path.join(tmp, 'elsewhere'), path.join(stateDir, 'ssh'));
    const f = fakes();
    const log = memoryLogger();
    const p = pool(f, [A, C], stateDir, log);
    await p.start();
    assert.deepEqual(f.made, []);
    assert.deepEqual(p.list(), []);
    assert.deepEqual(joinWords(A, p), []);
    assert.deepEqual(
      log.lines.filter((l) => l.startsWith('warn')).map((l) => /cannot go to .*not a directory/.test(l)),
      [true],
      log.lines.join('\n'),
    );
    await p.stop();
  });

  it('a state directory too long for a socket path: the sockets go to a short directory under /tmp, said at info', async () => {
    const long = path.join(tmp, 'x'.repeat(90));
    const f = fakes();
    const log = memoryLogger();
    const p = pool(f, [A], long, log);
    await p.start();
    const dir = path.dirname(f.made[0]!.socket);
    try {
      assert.match(dir, /^\/tmp\/sersync-ts-ssh-\d+-[0-9a-f]{8}$/);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.ok(
        log.lines.some((l) => l.startsWith('info') && l.includes(`ssh master sockets go to ${dir}`)),
        log.lines.join('\n'),
      );
      assert.deepEqual(joinWords(A, p), ['-o', 'ControlMaster=no', '-o', `ControlPath=${f.made[0]!.socket}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sockets of an agent that is gone are told to exit and removed before the new masters start; none other', async () => {
    const dir = path.join(stateDir, 'ssh');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const t5 = hostTag('10.0.0.5', 2222);
    const t6 = hostTag('10.0.0.6', 2222);
    const gone = [`${t5}-${DEAD_PID}-1`, `${t6}-${DEAD_PID}-3`];
    const kept = [
      `${t5}-${process.ppid}-1`, // an agent that still runs
      `${t5}-${process.pid}-99`, // this process's other instance (a reload in progress)
      `${hostTag('10.0.0.9', 2222)}-${DEAD_PID}-1`, // a host this agent does not sync to
      `${hostTag('10.0.0.5', 2223)}-${DEAD_PID}-1`, // the same host on another ssh port
      `${t5}-${DEAD_PID}-1.AbCdEfGhIjKlMnOp`, // ssh's temporary name, not a socket name
    ];
    for (const name of [...gone, ...kept]) fs.writeFileSync(path.join(dir, name), '');
    const f = fakes();
    const log = memoryLogger();
    await pool(f, [A, B, C], stateDir, log).start();
    assert.deepEqual(f.events, [
      `end 10.0.0.5 ${gone[0]}`,
      `end 10.0.0.6 ${gone[1]}`,
      'start 10.0.0.5',
      'start 10.0.0.6',
    ]);
    assert.deepEqual(fs.readdirSync(dir).sort(), [...kept].sort());
    assert.equal(log.lines.filter((l) => /info .*of an agent that is gone: told it to exit/.test(l)).length, 2);
  });
});

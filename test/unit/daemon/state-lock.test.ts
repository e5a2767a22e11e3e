import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCK_FILE, StateLock, agentAlive } from '../../../src/daemon/state-lock.js';

describe('StateLock: one agent per state directory', () => {
  const dirs: string[] = [];
  const stateDir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-lock-'));
    dirs.push(d);
    return path.join(d, 'state');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const lockFile = (dir: string): string => path.join(dir, LOCK_FILE);

  it('the first agent takes it: the lock file holds its pid, and nothing else is left in the directory', () => {
    const dir = stateDir();
    const got = StateLock.take(dir, 4242, () => false);
    assert.ok(got instanceof StateLock);
    assert.equal(fs.readFileSync(lockFile(dir), 'utf8'), '4242\n');
    assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE]);
  });

  it('a second agent is refused while the first is alive, and is told its pid and the lock file', () => {
    const dir = stateDir();
    assert.ok(StateLock.take(dir, 4242, () => false) instanceof StateLock);
    const second = StateLock.take(dir, 5151, (pid) => pid === 4242);
    assert.deepEqual(second, { pid: 4242, file: lockFile(dir) });
    assert.equal(fs.readFileSync(lockFile(dir), 'utf8'), '4242\n', 'the holder keeps its lock');
  });

  it('a lock left by a process that is gone (kill -9, crash, reboot) is taken over', () => {
    const dir = stateDir();
    assert.ok(StateLock.take(dir, 4242, () => false) instanceof StateLock);
    const next = StateLock.take(dir, 5151, () => false);
    assert.ok(next instanceof StateLock);
    assert.equal(fs.readFileSync(lockFile(dir), 'utf8'), '5151\n');
  });

  it('the process that holds it takes it again (a config reload builds a new agent in the same process)', () => {
    const dir = stateDir();
    assert.ok(StateLock.take(dir, 4242, () => true) instanceof StateLock);
    assert.ok(StateLock.take(dir, 4242, () => true) instanceof StateLock);
  });

  it('release removes only its own lock', () => {
    const dir = stateDir();
    const mine = StateLock.take(dir, 4242, () => false);
    assert.ok(mine instanceof StateLock);
    mine.release();
    assert.equal(fs.existsSync(lockFile(dir)), false);
    const old = StateLock.take(dir, 4242, () => false);
    assert.ok(old instanceof StateLock);
    assert.ok(StateLock.take(dir, 5151, () => false) instanceof StateLock, 'taken over from a gone 4242');
    old.release();
    assert.equal(fs.readFileSync(lockFile(dir), 'utf8'), '5151\n', "4242's late release leaves 5151's lock alone");
  });

  it('an unreadable lock file (garbage) counts as left behind', () => {
    const dir = stateDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(lockFile(dir), 'not a pid');
    assert.ok(StateLock.take(dir, 4242, () => true) instanceof StateLock);
  });

  it('agentAlive: this test process (node running the test runner) is not an agent; a pid that does not exist is not alive', () => {
    assert.equal(
      agentAlive(process.pid),
      /sersync-ts|main\.js/.test(fs.readFileSync(`/proc/${process.pid}/cmdline`, 'latin1')),
    );
    assert.equal(agentAlive(2 ** 22 + 12345), false);
  });
});

import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { spawnCanaryWriter, type CanaryWriterKind } from '../../../src/watch/canary-writer-process.js';
import { CanaryCheck } from '../../../src/watch/canary-check.js';
import { waitFor } from '../../helpers/wait.js';

/** The canaries in `dir` as (slot, seq), in the order the writer made them. */
function canaries(dir: string): Array<{ name: string; slot: number; seq: number }> {
  return fs
    .readdirSync(dir)
    .map((name) => {
      const m = /^c(\d+)\.(\d+)$/.exec(name);
      assert.ok(m, `only canary files in the directory, found ${JSON.stringify(name)}`);
      return { name, slot: Number(m[1]), seq: Number(m[2]) };
    })
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Both canary writers (the bash loop the agent runs wherever /bin/bash is, and the node one for a
 * machine without it), run for real into a directory whose name a shell would run: the files the
 * check expects, the oldest removed, and an exit of their own once the agent's channel closes.
 */
describe('the canary writers', () => {
  let tmp: string;
  let dir: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-writer-'));
    dir = path.join(tmp, 'can ary $(touch PWNED) `touch PWNED` \' "');
    fs.mkdirSync(dir);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const kind of ['bash', 'node'] satisfies CanaryWriterKind[]) {
    it(`${kind}: one file per slot, consecutive numbers, no more than 400 kept, gone when its channel closes`, async () => {
      // 10 ms slots (the agent's are 100 ms), so it makes enough files to prune within seconds.
      const writer = spawnCanaryWriter(dir, 10, kind);
      assert.equal(writer.kind, kind);
      const exited = once(writer.child, 'exit');
      await waitFor(() => canaries(dir).some((c) => c.seq >= 450), {
        what: `${kind} writer's 451st canary`,
        timeoutMs: 30_000,
      });
      const seen = canaries(dir);
      assert.ok(seen.length >= 300 && seen.length <= 401, `300 to 400 canaries kept, found ${seen.length}`);
      assert.ok(seen[0]!.seq > 0, 'the oldest were removed');
      seen.forEach(
        (c, i) => i > 0 && assert.equal(c.seq, seen[i - 1]!.seq + 1, `consecutive after ${seen[i - 1]!.name}`),
      );
      seen.forEach((c, i) => i > 0 && assert.ok(c.slot > seen[i - 1]!.slot, `one file per slot at ${c.name}`));
      // The agent's check reads the same names: no loss. (Stalls are not judged here: 10 ms slots
      // on a loaded machine skip some.)
      const check = new CanaryCheck(0, { stallSlots: 1_000_000 });
      assert.deepEqual(
        seen.map((c) => check.seen(c.name, 0)).filter((loss) => loss !== null),
        [],
      );

      // The agent gone: its end of the channel closes; no signal is sent.
      if (kind === 'bash') writer.child.stdin!.end();
      else writer.child.disconnect();
      const [code, signal] = (await Promise.race([
        exited,
        new Promise((_, reject) =>
          setTimeout(
            () => reject(new Error(`the ${kind} writer still runs 10 s after its channel closed`)),
            10_000,
          ).unref(),
        ),
      ])) as [number | null, NodeJS.Signals | null];
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'the writer ended on its own');
      assert.equal(fs.existsSync(path.join(tmp, 'PWNED')) || fs.existsSync('PWNED'), false, 'the name ran nothing');
    });
  }

  it('close() ends a writer with a signal as well (an agent that stops)', async () => {
    const writer = spawnCanaryWriter(dir, 100, 'bash');
    await waitFor(() => canaries(dir).length > 0, { what: 'a first canary' });
    const exited = once(writer.child, 'exit');
    writer.close();
    await exited;
    const count = canaries(dir).length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(canaries(dir).length, count, 'no canary after the writer ended');
  });
});

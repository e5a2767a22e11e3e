import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { abs, diffTrees, snapshot, waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';
import { decodeJournal, type JournalRecord } from '../../../src/journal/codec.js';

const hostileNames = [
  `space name`,
  `q'uote`,
  `d"q`,
  'b`touch PWNED`t',
  's$(touch PWNED)x',
  'semi;touch PWNED',
  'new\nline',
  '-dash',
  '中文',
  '😀',
]
  .map((n) => Buffer.from(n).toString('latin1'))
  .concat([Buffer.from([0x6e, 0xff, 0xfe]).toString('latin1')]);

const readJournal = (file: string): JournalRecord[] =>
  fs.existsSync(file) ? decodeJournal(fs.readFileSync(file, 'utf8')).records : [];

/**
 * The recovery full sync after an unclean stop would hide a broken journal, so this test turns it
 * off (the agent option recoveryFullSync: false, through test/helpers/seamed-main.ts) and removes the fail log: only the
 * journal can carry the changes made before the kill -9.
 */
describe('the journal alone carries changes across kill -9', () => {
  it('a burst made while the remote is down, kill -9, restart without -r and without the recovery full sync: converges from the journal', async (t) => {
    const site = await startSite('journal', { t });
    const { tmp, src, dst, daemon } = site;
    const failLog = path.join(tmp, 'rsync_fail_log.sh');
    const journalFile = path.join(`${failLog}.state`, 'pending.journal');
    const spec = { failLog };
    // A canary writer starved on a loaded machine would ask for a full sync, by design: that would
    // hide a broken journal, so its stall tolerance goes up to a minute (an overflow still counts).
    const env = { SERSYNC_TEST_NO_UNCLEAN_FULL_SYNC: '1', SERSYNC_TEST_CANARY_STALL_SLOTS: '600' };
    const command = [process.execPath, SEAMED_CLI];
    const agents: AgentProcess[] = [];
    try {
      const first = await startAgentOn(site, spec, [], { env, command });
      agents.push(first);
      await daemon.stop();
      const names = [...Array.from({ length: 200 }, (_, i) => `f${i}.txt`), ...hostileNames];
      for (const n of names) fs.writeFileSync(abs(src, n), `content of ${n}`);
      await waitFor(
        () => {
          const journaled = new Set(readJournal(journalFile).flatMap((r) => (r.type === 'path' ? [r.path] : [])));
          return names.every((n) => journaled.has(n));
        },
        { timeoutMs: 20_000, what: `the journal holding all ${names.length} paths` },
      );
      first.child.kill('SIGKILL');
      await first.exited;
      // Only the journal may carry the changes: whatever the down lane put in the fail log goes.
      fs.rmSync(failLog, { force: true });
      const records = readJournal(journalFile);
      assert.equal(
        records.some((r) => r.type === 'full'),
        false,
        'no full-sync record in the journal (it would hide a broken journal)',
      );
      const journaledPaths = records.filter((r) => r.type === 'path').length;
      assert.ok(journaledPaths >= names.length);
      await daemon.start();
      assert.notEqual(diffTrees(snapshot(src), snapshot(dst)).length, 0, 'the remote is behind before the restart');
      const second = await startAgentOn(site, spec, [], { env, command }); // no -r
      agents.push(second);
      await waitForMirror(src, dst, 'after the restart, from the journal', {
        timeoutMs: 60_000,
        log: () => second.lines,
      });
      assert.ok(
        second.lines.some((l) => l.includes(`${journaledPaths} path(s) journaled by the last run are synced again`)),
        second.lines.join('\n'),
      );
      assert.ok(second.lines.some((l) => /did not stop cleanly; the recovery full sync is off/.test(l)));
      assert.deepEqual(
        second.batchLines().filter((l) => /full sync/.test(l)),
        [],
        'no full sync ran',
      );
      for (const dir of [src, dst, tmp]) assert.equal(fs.existsSync(path.join(dir, 'PWNED')), false);
      assert.equal(await second.stop(), 0);
    } finally {
      for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    }
  });
});

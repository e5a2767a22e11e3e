import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { batchesQuiet, startAgentOn, type AgentProcess } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

/** One rsync process as the wrapper recorded it: [start, end] in ns, and the module it talked to. */
interface Run {
  readonly pid: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly module: string;
}

function readRuns(file: string): { runs: Run[]; open: number } {
  const starts = new Map<string, { t: bigint; module: string }>();
  const runs: Run[] = [];
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [what, pid, t, module] = line.split(' ');
    if (!pid || !t) continue;
    if (what === 'start') starts.set(pid, { t: BigInt(t), module: module ?? '' });
    else if (what === 'end') {
      const s = starts.get(pid);
      if (s) runs.push({ pid, start: s.t, end: BigInt(t), module: s.module });
      starts.delete(pid);
    }
  }
  return { runs, open: starts.size };
}

/** The most intervals open at one instant (an end at the same instant as a start is not overlap). */
function maxOverlap(runs: readonly Run[]): number {
  const points = runs.flatMap((r) => [
    { t: r.start, d: 1 },
    { t: r.end, d: -1 },
  ]);
  points.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.d - b.d));
  let open = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (open += p.d));
  return max;
}

describe('-n caps rsync processes overall; one batch in flight per lane', () => {
  const modules = ['m1', 'm2', 'm3', 'm4'];
  let site: Site, tmp: string, src: string, daemon: RsyncDaemon, agent: AgentProcess, runsFile: string;
  before(async () => {
    site = await startSite('limits', { modules });
    ({ tmp, src, daemon } = site);
    // Every rsync the agent starts (probes, batches) goes through this wrapper: it records when
    // the process started and ended, holds it a little so that overlaps would show, then runs
    // the real rsync (as a child, so the end can be recorded after it).
    runsFile = path.join(tmp, 'rsync-runs');
    const wrapper = path.join(tmp, 'recording-rsync');
    fs.writeFileSync(
      wrapper,
      `#!/bin/bash
module=-
for a in "$@"; do case "$a" in *::*) module="\${a#*::}"; module="\${module%%/*}";; esac; done
echo "start $$ $(date +%s%N) $module" >> '${runsFile}'
sleep 0.3
rsync "$@"
rc=$?
echo "end $$ $(date +%s%N) $module" >> '${runsFile}'
exit $rc
`,
      { mode: 0o755 },
    );
    agent = await startAgentOn(site, { remotes: modules.map((module) => ({ module })) }, ['-n', '2'], {
      env: { SERSYNC_RSYNC: wrapper },
    });
  });
  after(() => site.close());

  it('with -n 2 and 4 remotes, at most 2 rsync run at once, never 2 for one remote, and all converge', async (t) => {
    // Rounds of writes, each once the previous round's rsync runs have started, so every lane
    // gets changes while its batch is in flight.
    for (let round = 0; round < 5; round++) {
      const startedBefore = readRuns(runsFile).runs.length + readRuns(runsFile).open;
      for (let f = 0; f < 4; f++) fs.writeFileSync(path.join(src, `r${round}-f${f}.txt`), `round ${round} file ${f}\n`);
      await waitFor(() => readRuns(runsFile).runs.length + readRuns(runsFile).open > startedBefore, {
        what: `an rsync run after round ${round}`,
        timeoutMs: 30_000,
      });
    }
    for (const m of modules) await waitForMirror(src, daemon.modules[m]!, `module ${m}`, { log: () => agent.lines });
    await batchesQuiet(agent);
    await waitFor(() => readRuns(runsFile).open === 0, { what: 'every recorded rsync to end' });
    const { runs } = readRuns(runsFile);
    const overall = maxOverlap(runs);
    t.diagnostic(
      `${runs.length} rsync runs (${modules.map((m) => `${m}: ${runs.filter((r) => r.module === m).length}`).join(', ')}), at most ${overall} at once`,
    );
    assert.ok(overall <= 2, `-n 2, but ${overall} rsync processes overlapped`);
    // Not vacuous: the limiter did let two run side by side.
    assert.equal(overall, 2, 'expected two rsync processes at once at some point');
    for (const m of modules) {
      const mine = runs.filter((r) => r.module === m);
      assert.ok(mine.length >= 3, `module ${m}: expected the probe and at least two batches, got ${mine.length} runs`);
      assert.equal(maxOverlap(mine), 1, `module ${m}: two rsync processes overlapped for one lane`);
    }
  });
});

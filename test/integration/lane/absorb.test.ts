import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { PendingEntry } from '../../../src/aggregate/types.js';
import { Lane, type BatchReport } from '../../../src/lane/lane.js';
import { systemClock } from '../../../src/shared/clock.js';
import { testConfig } from '../../helpers/config.js';
import { laneDeps } from '../../helpers/lane.js';
import { startSite, type Site } from '../../helpers/rsyncd.js';
import { diffTrees, snapshot } from '../../helpers/tree.js';

/**
 * A burst whose cut split it in two (the writer paused longer than the burst hold): the rest
 * reaches the lane while it looks at the first part. It joins that batch before anything is
 * sent, so both go in one rsync run against a real daemon, and every file arrives as it is.
 */
describe('a lane batch takes in what came during its look', () => {
  let site: Site;
  before(async () => {
    site = await startSite('absorb');
  });
  after(async () => {
    await site?.close();
  });

  it('300 files, then 300 more during the look: one batch, one rsync run, the remote equal to the source', async () => {
    const { src, dst } = site;
    const write = (prefix: string, content: (k: number) => string): PendingEntry[] =>
      Array.from({ length: 300 }, (_, k) => {
        const rel = `d${k % 3}/${prefix}${k}`;
        fs.mkdirSync(path.join(src, path.dirname(rel)), { recursive: true });
        fs.writeFileSync(path.join(src, rel), content(k));
        return { path: rel, kind: 'path' };
      });
    // Empty files: the look asks whether some process still writes them (SlotRule), and that
    // question, asked during the look, is where the rest of the burst arrives.
    const first = write('a', () => '');
    const config = testConfig({ ...site.spec, failLog: path.join(site.tmp, 'fail.sh') });
    const reports: BatchReport[] = [];
    const delivered: string[] = [];
    let lane: Lane | null = null;
    let asked = 0;
    lane = new Lane(
      laneDeps(config, systemClock, {
        tmpDir: site.tmp,
        listener: {
          failed: () => {},
          cleared: () => {},
          batchDone: (_, r) => reports.push(r),
          delivered: (_, entries) => delivered.push(...entries.map((e) => e.path)),
        },
        writers: () => {
          if (asked++ === 0) lane!.enqueue(write('b', (k) => `second part ${k}\n`.repeat(k + 1)));
          return { writing: new Set(), complete: true, ms: 0 };
        },
      }),
    );
    lane.enqueue(first);
    await lane.whenIdle();
    lane.stop();

    assert.ok(asked >= 1, 'the look asked about the empty files');
    assert.equal(reports.length, 1, `one batch: ${JSON.stringify(reports)}`);
    assert.equal(reports[0]!.rsyncRuns, 1);
    assert.equal(reports[0]!.ok, true);
    assert.equal(new Set(delivered).size, 600, 'both parts delivered as one batch');
    assert.deepEqual(diffTrees(snapshot(src), snapshot(dst)), []);
    assert.equal(fs.readFileSync(path.join(dst, 'd1', 'b1'), 'utf8'), 'second part 1\n'.repeat(2));
  });
});
